"""The tools' names: what the model calls, the dialogue prepares and the turn's trace records."""

from __future__ import annotations

from enum import StrEnum


class ToolName(StrEnum):
    """A tool of the assistant, by the name the model and the trace know it."""

    FILE_PETITION = "file_petition"
    GET_PETITION_STATUS = "get_petition_status"
    FIND_UNIT = "find_unit"
    QUERY_MEMBERS = "query_members"
    GET_CONGRESS_PROGRESS = "get_congress_progress"
    UPDATE_CONGRESS = "update_congress"
    DRAFT_REPORT = "draft_report"
    SEARCH_LIBRARY = "search_library"
