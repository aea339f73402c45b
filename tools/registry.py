"""Every tool of the assistant, by name (each decides itself who may use it: ``Tool.allowed_for``)."""

from __future__ import annotations

from tools.base import Tool
from tools.congress import GET_CONGRESS_PROGRESS, UPDATE_CONGRESS
from tools.library import SEARCH_LIBRARY
from tools.members import QUERY_MEMBERS
from tools.petitions import FILE_PETITION, GET_PETITION_STATUS
from tools.reports import DRAFT_REPORT
from tools.units import FIND_UNIT

ALL_TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        FILE_PETITION,
        GET_PETITION_STATUS,
        FIND_UNIT,
        QUERY_MEMBERS,
        GET_CONGRESS_PROGRESS,
        UPDATE_CONGRESS,
        DRAFT_REPORT,
        SEARCH_LIBRARY,
    )
}
