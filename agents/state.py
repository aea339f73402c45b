"""A conversation's state, kept by the checkpointer between turns.

The state holds plain strings, lists and dicts only: conversations saved by earlier versions resume as they were,
and an enum member would be saved as its class, not as its value. The words it holds are :class:`Awaiting`,
:class:`agents.understanding.Intent` and :class:`tools.names.ToolName` values, written as strings.
"""

from __future__ import annotations

import operator
from enum import StrEnum
from typing import Annotated, Any, NotRequired, TypedDict


class Awaiting(StrEnum):
    """What the offline dialogue waits for: the answer to the question it asked."""

    CONTENT = "content"  # what the petition is about
    UNIT = "unit"  # where to send it
    UNIT_CHOICE = "unit_choice"  # which of the units with the same name


class Candidate(TypedDict):
    """A unit the person may choose when several have the name they gave."""

    code: str
    name: str
    province_name: str | None


class ToolCall(TypedDict):
    """A tool call prepared by the dialogue or proposed by the model (which gives it an ``id``)."""

    name: str
    args: dict[str, Any]
    id: NotRequired[str]


class ChatState(TypedDict, total=False):
    """A conversation's state, kept by the checkpointer between turns."""

    messages: Annotated[list[dict[str, Any]], operator.add]  # user, assistant, and (model mode) tool entries
    intent: str | None
    slots: dict[str, Any]
    awaiting: str | None
    candidates: list[Candidate]
    tool_call: ToolCall | None
    result: dict[str, Any] | None
    reply: str | None
    trace: dict[str, Any]  # this turn's intent and tool calls (with "denied"), for evals and integrations
    # Files are never in ``messages``: no language model ever reads them.
    incoming: list[dict[str, Any]]  # files sent with this message, checked (Attachment fields)
    attachments: list[dict[str, Any]]  # files held for the petition being prepared
