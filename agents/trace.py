"""What a turn did, as the doors report it: the tool calls (refused ones included) and the passages cited.

The graph keeps the turn's trace in its state as plain dicts (``trace["tool_calls"]``, ``trace["citations"]``);
the runner reads them into these records, and each door writes them back as JSON with :meth:`as_json`, in the
same shape as the state's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from agents.state import CitedPassage, TracedCall


@dataclass(frozen=True)
class ToolCallRecord:
    """A tool call of the turn: prepared offline or proposed by the model (with its ``id``), or refused."""

    name: str  # a :class:`tools.names.ToolName` value, or the unknown name a model proposed (then refused)
    args: dict[str, Any]
    id: str | None = None
    denied: bool = False
    reason: str | None = None  # why it was refused

    @classmethod
    def of(cls, entry: TracedCall) -> ToolCallRecord:
        """The record of an entry of the state's ``trace["tool_calls"]``."""
        return cls(
            name=entry["name"],
            args=entry["args"],
            id=entry.get("id"),
            denied=bool(entry.get("denied")),
            reason=entry.get("reason"),
        )

    def as_json(self) -> dict[str, Any]:
        """The call as JSON: name and arguments, the model's id if any, and why it was refused if it was."""
        return {
            "name": self.name,
            "args": self.args,
            **({"id": self.id} if self.id is not None else {}),
            **({"denied": True, "reason": self.reason} if self.denied else {}),
        }


@dataclass(frozen=True)
class Citation:
    """A library passage the answer cites."""

    document_id: int
    title: str
    heading: str
    url: str
    text: str

    @classmethod
    def of(cls, entry: CitedPassage) -> Citation:
        """The citation of an entry of the state's ``trace["citations"]``."""
        return cls(entry["document_id"], entry["title"], entry["heading"], entry["url"], entry["text"])

    def as_json(self) -> dict[str, Any]:
        """The citation as JSON."""
        return asdict(self)
