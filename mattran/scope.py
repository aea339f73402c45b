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
    subject: str | None = None  # the signed-in person, for rows that are theirs (their own petitions)

    @classmethod
    def public(cls, subject: str | None = None) -> Scope:
        """Anonymous visitors and citizens: no unit-owned rows (citizens: their own rows)."""
        return cls(subject=subject)

    @classmethod
    def everything(cls) -> Scope:
        """Central level and system tasks: the whole country."""
        return cls((ROOT_PATH,), "toàn quốc")

    @classmethod
    def of_unit(cls, path: str, label: str = "", subject: str | None = None) -> Scope:
        """One unit and everything below it."""
        return cls((path,), label or path, subject)

    def widened(self, path: str) -> Scope:
        """The same scope plus one more subtree (e.g. the unit a petition is transferred to)."""
        return Scope((*self.paths, path), self.label, self.subject)

    def as_pg_array(self) -> str:
        """The ``ltree[]`` literal stored in ``mattran.scope`` for the transaction."""
        return "{" + ",".join(self.paths) + "}"
