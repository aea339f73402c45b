"""Every tool of the assistant, and the ones a given caller may see."""

from __future__ import annotations

from mattran.auth.principal import Principal
from tools.base import Tool
from tools.congress import GET_CONGRESS_PROGRESS, UPDATE_CONGRESS
from tools.members import QUERY_MEMBERS
from tools.petitions import FILE_PETITION, GET_PETITION_STATUS
from tools.units import FIND_UNIT

ALL_TOOLS: dict[str, Tool] = {t.name: t for t in (
    FILE_PETITION, GET_PETITION_STATUS, FIND_UNIT, QUERY_MEMBERS, GET_CONGRESS_PROGRESS, UPDATE_CONGRESS)}


def tools_for(principal: Principal) -> list[Tool]:
    """The tools this caller's role may use."""
    return [t for t in ALL_TOOLS.values() if t.allowed_for(principal)]
