"""Every member of the domain's labelled enums has its Vietnamese label, in the enum's order."""

from __future__ import annotations

from enum import StrEnum

import pytest

from mattran.auth.principal import ROLE_LABELS, Role
from mattran.domain import congress, petition_status
from mattran.domain.reports.request import KIND_LABELS, ReportKind


@pytest.mark.parametrize(
    ("enum", "table"),
    [
        (Role, ROLE_LABELS),
        (petition_status.PetitionStatus, petition_status.STATUS_LABELS),
        (congress.Status, congress.STATUS_LABELS),
        (ReportKind, KIND_LABELS),
    ],
)
def test_each_member_has_one_label_in_order(enum: type[StrEnum], table: dict[StrEnum, str]) -> None:
    assert list(table) == list(enum)
    assert all(label.strip() for label in table.values())
