"""The labels of the domain's string enums: one for each member, in the enum's order, or the module does not load."""

from __future__ import annotations

import pytest

from mattran.auth.principal import ROLE_LABELS, Role
from mattran.domain.congress import STATUS_LABELS, Status
from mattran.domain.labelled import labels


def test_the_labels_follow_the_members_order() -> None:
    assert ROLE_LABELS[Role.CITIZEN] == "Công dân" and ROLE_LABELS[Role.ADMIN] == "Quản trị hệ thống"
    assert list(STATUS_LABELS.values())[-1] == "Hoàn thành" and STATUS_LABELS[Status.COMPLETED] == "Hoàn thành"


@pytest.mark.parametrize("shown", [("Công dân",), ("1", "2", "3", "4", "5", "6")])
def test_a_label_too_few_or_too_many_is_refused(shown: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="zip"):
        labels(Role, *shown)
