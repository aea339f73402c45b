"""The open statuses the store's SQL names are the domain's."""

from __future__ import annotations

from mattran.domain.petition_status import OPEN_STATUSES
from mattran.store.petitions import OPEN


def test_the_sql_open_statuses_are_the_domains() -> None:
    listed = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    assert f"({listed})" == OPEN
