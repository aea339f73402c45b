"""The offline dialogue (no language model): what the rules ask for next, what they wait for, which tool they call.

A request is understood by :func:`agents.understanding.understand`; the dialogue then asks for what is missing (a
petition's content, its unit, a choice among units with the same name) and waits for the answer (:class:`Awaiting`),
or prepares the tool call. Whether the caller may use the tool is decided later, by the graph's authorization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agents import replies
from agents.state import Awaiting, Candidate, ChatState, ToolCall
from agents.understanding import Intent, understand
from mattran.domain.text import fold
from mattran.scope import Scope
from tools.base import ToolContext
from tools.names import ToolName

YES = {"co", "dong y", "xac nhan", "ok", "gui", "yes", "y", "vang", "u", "gui di"}
_CADRE_INTENTS = (Intent.QUERY_MEMBERS, Intent.GET_CONGRESS_PROGRESS, Intent.UPDATE_CONGRESS)


@dataclass(frozen=True)
class Step:
    """The dialogue's next step: the question it asks (and what it then waits for), or the tool call it prepared."""

    intent: str | None
    slots: dict[str, Any]
    awaiting: Awaiting | None = None
    candidates: list[Candidate] = field(default_factory=list)
    tool_call: ToolCall | None = None
    reply: str | None = None

    def update(self) -> ChatState:
        """The step as the state's update, in plain strings (the request's every key, the last result cleared)."""
        return {
            "intent": None if self.intent is None else str(self.intent),
            "slots": self.slots,
            "awaiting": None if self.awaiting is None else str(self.awaiting),
            "candidates": self.candidates,
            "tool_call": self.tool_call,
            "result": None,
            "reply": self.reply,
        }


def keeps_files(intent: str | None) -> bool:
    """Files sent with a message are kept only for a petition."""
    return intent == Intent.FILE_PETITION


def confirmed(answer: object) -> bool:
    """Whether the answer to a confirmation question says yes."""
    return fold(str(answer)) in YES


async def step_for(
    ctx: ToolContext,
    text: str,
    intent: str | None,
    awaiting: str | None,
    slots: dict[str, Any],
    candidates: list[Candidate],
) -> Step | None:
    """The next step after the person's message: the answer to what was asked fills its slot (``slots`` is changed),
    else the message starts a new request. None when a choice among units was not understood."""
    if awaiting == Awaiting.UNIT_CHOICE:
        chosen = pick(text, candidates)
        if chosen is None:
            return None
        slots |= {"unit_code": chosen["code"], "unit_name": chosen["name"]}
    elif awaiting == Awaiting.CONTENT:
        slots["content"] = text.strip()
    elif awaiting == Awaiting.UNIT:
        slots["unit_text"] = text
    else:
        understood = understand(text)
        intent, slots = understood.intent, dict(understood.slots)
    return await next_step(ctx, intent, slots)


def pick(text: str, candidates: list[Candidate]) -> Candidate | None:
    """The candidate chosen by number ("2") or by a name it contains."""
    number = re.fullmatch(r"\s*(\d{1,2})\s*\.?\s*", text)
    if number and 1 <= int(number.group(1)) <= len(candidates):
        return candidates[int(number.group(1)) - 1]
    folded = fold(text)

    def fits(c: Candidate) -> bool:
        province = fold(c["province_name"] or "")
        return len(folded) >= 3 and (folded in province or province in folded or fold(c["name"]) == folded)

    matches = [c for c in candidates if fits(c)]
    return matches[0] if len(matches) == 1 else None


def _call(tool: ToolName, args: dict[str, Any]) -> ToolCall:
    return {"name": tool.value, "args": args}


async def next_step(ctx: ToolContext, intent: str | None, slots: dict[str, Any]) -> Step:
    """Ask for what is missing, or prepare the tool call (``slots`` is changed)."""
    if intent == Intent.FILE_PETITION:
        if not slots.get("content") or len(slots["content"]) < 20:
            return Step(intent, slots, awaiting=Awaiting.CONTENT, reply=replies.ask_content())
        if not slots.get("unit_code"):
            if not slots.get("unit_text"):
                return Step(intent, slots, awaiting=Awaiting.UNIT, reply=replies.ask_unit())
            found = await _resolve_unit(ctx, slots.pop("unit_text"))
            if found["status"] == "resolved":
                unit = found["results"][0]
                slots |= {"unit_code": unit["code"], "unit_name": unit["name"]}
            elif found["status"] == "ambiguous":
                candidates = _candidates(found["results"])
                return Step(
                    intent,
                    slots,
                    awaiting=Awaiting.UNIT_CHOICE,
                    candidates=candidates,
                    reply=replies.choose(candidates),
                )
            else:
                return Step(intent, slots, awaiting=Awaiting.UNIT, reply=replies.unit_not_found(found["query"]))
        args = {"content": slots["content"], "unit_code": slots["unit_code"]}
        return Step(intent, slots, tool_call=_call(ToolName.FILE_PETITION, args))
    if intent == Intent.SEARCH_LIBRARY:
        return Step(intent, slots, tool_call=_call(ToolName.SEARCH_LIBRARY, {"question": slots["question"][:500]}))
    if intent == Intent.GET_PETITION_STATUS:
        if not slots.get("tracking_code"):
            return Step(intent, slots, reply=replies.ask_tracking_code())
        return Step(
            intent, slots, tool_call=_call(ToolName.GET_PETITION_STATUS, {"tracking_code": slots["tracking_code"]})
        )
    if intent == Intent.DRAFT_REPORT:
        return Step(intent, slots, tool_call=_call(ToolName.DRAFT_REPORT, {"request": slots.get("request", "")}))
    if intent in _CADRE_INTENTS:
        return await _cadre_step(ctx, intent, slots)
    if intent == Intent.FIND_UNIT:
        return Step(intent, slots, tool_call=_call(ToolName.FIND_UNIT, {"text": slots.get("unit_text", "")[:300]}))
    return Step(
        intent, slots, reply=replies.help_text(ctx.principal) if intent == Intent.HELP else replies.out_of_scope()
    )


async def _cadre_step(ctx: ToolContext, intent: str, slots: dict[str, Any]) -> Step:
    """Members and congress requests: the unit named (or the cadre's own), then the tool call."""
    if not slots.get("unit_code") and slots.get("unit_text"):
        found = await _resolve_unit(ctx, slots.pop("unit_text"))
        in_scope = (
            [m for m in found["results"] if ctx.principal.unit_path and _within_scope(ctx, m["code"])]
            if found["results"]
            else []
        )
        chosen = found["results"] if found["status"] == "resolved" else in_scope
        if len(chosen) == 1:
            slots |= {"unit_code": chosen[0]["code"], "unit_name": chosen[0]["name"]}
        elif len(chosen) > 1:
            candidates = _candidates(chosen)
            return Step(
                intent, slots, awaiting=Awaiting.UNIT_CHOICE, candidates=candidates, reply=replies.choose(candidates)
            )
    unit = slots.get("unit_code")
    if intent == Intent.QUERY_MEMBERS:
        return Step(
            intent,
            slots,
            tool_call=_call(ToolName.QUERY_MEMBERS, {"unit_code": unit, "filters": slots.get("filters", {})}),
        )
    if intent == Intent.GET_CONGRESS_PROGRESS:
        return Step(intent, slots, tool_call=_call(ToolName.GET_CONGRESS_PROGRESS, {"unit_code": unit}))
    if not slots.get("change"):
        return Step(intent, slots, reply=replies.ask_congress_change())
    return Step(
        intent,
        slots,
        tool_call=_call(
            ToolName.UPDATE_CONGRESS, {"unit_code": unit or ctx.principal.unit_code, "change": slots["change"]}
        ),
    )


def _candidates(found: list[dict[str, Any]]) -> list[Candidate]:
    """The first nine units found, as choices."""
    return [{"code": m["code"], "name": m["name"], "province_name": m["province_name"]} for m in found[:9]]


async def _resolve_unit(ctx: ToolContext, text: str) -> dict[str, Any]:
    async with ctx.services.db.transaction(Scope.public()) as conn:
        return (await ctx.services.resolver.resolve(conn, text)).model_dump()


def _within_scope(ctx: ToolContext, code: str) -> bool:
    unit = ctx.services.resolver.units.get(code)
    scope = ctx.principal.unit_path or ""
    return unit is not None and (unit.path == scope or unit.path.startswith(scope + "."))
