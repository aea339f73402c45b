"""What one request may see: the unit subtrees that row-level security lets through."""

from __future__ import annotations

from dataclasses import dataclass

from mattran.domain.admin_map import ROOT_PATH


@dataclass(frozen=True)
class Scope:
    """The subtrees of the unit tree (ltree paths) a transaction may read and write.

    An empty scope sees no unit-owned row at all; reference data (units) stays readable.
    """

    paths: tuple[str, ...] = ()
    label: str = "công khai"

    @classmethod
    def public(cls) -> Scope:
        """Anonymous visitors and citizens: no unit-owned rows."""
        return cls()

    @classmethod
    def everything(cls) -> Scope:
        """Central level and system tasks: the whole country."""
        return cls((ROOT_PATH,), "toàn quốc")

    @classmethod
    def of_unit(cls, path: str, label: str = "") -> Scope:
        """One unit and everything below it."""
        return cls((path,), label or path)

    def as_pg_array(self) -> str:
        """The ``ltree[]`` literal stored in ``mattran.scope`` for the transaction."""
        return "{" + ",".join(self.paths) + "}"
