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
    INTENT_CHOICE = "intent_choice"  # which of two things the message could mean


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


class TracedCall(ToolCall):
    """A tool call of the turn, as its trace keeps it: refused ones with ``denied`` and the reason."""

    denied: NotRequired[bool]
    reason: NotRequired[str]


class CitedPassage(TypedDict):
    """A library passage the turn's answer cites."""

    document_id: int
    title: str
    heading: str
    url: str
    text: str


class Trace(TypedDict, total=False):
    """What the turn understood and did, for evals and integrations, and the notices it owes the person."""

    intent: str | None
    tool_calls: list[TracedCall]
    citations: list[CitedPassage]
    files_not_kept: bool  # files were sent or held that nothing needed: they were dropped
    model_unavailable: bool  # the model's server failed: the turn went on offline


class Entry(TypedDict):
    """An entry of the conversation: a message of the person or the assistant, or (model mode) a tool's call and
    its masked result."""

    role: str  # "user", "assistant" or "tool"
    content: str  # a tool's: its masked result, as JSON
    name: NotRequired[str]  # a tool's: the tool, its arguments and the model's call id
    args: NotRequired[dict[str, Any]]
    id: NotRequired[str]


class HeldFile(TypedDict):
    """A checked file (an :class:`mattran.domain.attachments.Attachment`'s fields)."""

    filename: str
    content_type: str
    data: bytes


class ChatState(TypedDict, total=False):
    """A conversation's state, kept by the checkpointer between turns; a node returns the part it changes."""

    messages: Annotated[list[Entry], operator.add]
    intent: str | None
    slots: dict[str, Any]
    awaiting: str | None
    candidates: list[Candidate]
    tool_call: ToolCall | None
    result: dict[str, Any] | None
    reply: str | None
    notice: str | None  # said before the turn's answer (the pending request a new message dropped)
    # The petitioner's contact (a Contact's fields), given in answer to the confirmation: never in ``messages``.
    contact: dict[str, str | None] | None
    reconfirm: bool  # the confirmation is asked again (a contact was given in answer to it)
    trace: Trace
    # Files are never in ``messages``: no language model ever reads them.
    incoming: list[HeldFile]  # files sent with this message, checked
    attachments: list[HeldFile]  # files held for the petition being prepared
