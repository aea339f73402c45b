"""Every tool of the assistant, by name (each decides itself who may use it: ``Tool.allowed_for``)."""

from __future__ import annotations

from tools.base import Tool
from tools.congress import get_congress_progress, update_congress
from tools.library import search_library
from tools.members import query_members
from tools.petitions import file_petition, get_petition_status
from tools.reports import draft_report
from tools.units import find_unit

ALL_TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        file_petition,
        get_petition_status,
        find_unit,
        query_members,
        get_congress_progress,
        update_congress,
        draft_report,
        search_library,
    )
}
