"""The offline dialogue (no language model): what the rules ask for next, what they wait for, which tool they call.

A request's intent is chosen by the learned router (:mod:`agents.routing.router`) and its slots read by
:func:`agents.understanding.slots_for`; the dialogue then asks for what is missing (which of two intents was meant,
a petition's content, its unit, a choice among units with the same name) and waits for the answer
(:class:`Awaiting`), or prepares the tool call. Whether the caller may make the call (the tool, and the unit it
names) is decided next, by the graph's authorization, before any confirmation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from agents import replies
from agents.routing.router import Router
from agents.state import Awaiting, Candidate, ChatState, ToolCall
from agents.understanding import Intent, compared, named_as_subject, slots_for
from mattran.auth.principal import Role
from mattran.domain.text import fold, nfc
from mattran.domain.unit import Level, Unit
from mattran.domain.units import spelled_out
from tools import units
from tools.base import ToolContext
from tools.names import ToolName

YES = {"co", "dong y", "xac nhan", "ok", "gui", "yes", "y", "vang", "u", "gui di", "co gui", "ok gui", "vang gui"}
# What ends a pending confirmation or question without doing anything (folded, courtesies left out).
NO = re.compile(r"thoi|(?:thoi )?(?:huy(?: bo| di)?|khoi|khong(?: gui| can)?|ko(?: gui)?|k|bo qua|dung lai|cancel|no)")
_THANKS = re.compile(r"\b(?:cam on|thanks?|thank you)\b")
_COURTESIES = re.compile(r"\b(?:a|nhe|nha|ban|nhieu|rat|xin|da|vay|roi|nua|minh|toi|em)\b")
# Requests that name a unit: where a petition goes, and what a cadre asks about.
_UNIT_INTENTS = frozenset(
    {
        Intent.FILE_PETITION,
        Intent.QUERY_MEMBERS,
        Intent.GET_CONGRESS_PROGRESS,
        Intent.UPDATE_CONGRESS,
        Intent.DRAFT_REPORT,
        Intent.GET_PETITION_STATUS,
    }
)
# Questions that may compare two units.
_COMPARABLE = frozenset({Intent.QUERY_MEMBERS, Intent.GET_CONGRESS_PROGRESS})
# Requests about a unit in the cadre's scope (their own unit when they name none).
_CADRE_INTENTS = (
    Intent.QUERY_MEMBERS,
    Intent.GET_CONGRESS_PROGRESS,
    Intent.UPDATE_CONGRESS,
    Intent.DRAFT_REPORT,
    Intent.GET_PETITION_STATUS,
)


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


def _short_answer(text: str) -> tuple[str, bool]:
    """The words of a short answer without thanks and courtesies (folded), and whether it thanks."""
    folded = fold(text)
    return " ".join(_COURTESIES.sub(" ", _THANKS.sub(" ", folded)).split()), bool(_THANKS.search(folded))


def confirmed(answer: object) -> bool:
    """Whether the answer to a confirmation question says yes ("có", "vâng ạ", "ok, cảm ơn")."""
    return _short_answer(str(answer))[0] in YES


def cancels(text: str) -> bool:
    """Whether the message ends what is pending: "hủy", "thôi", "không", "ko", "thôi khỏi", or thanks alone."""
    words, thanked = _short_answer(text)
    return NO.fullmatch(words) is not None or (thanked and not words)


def thanks(text: str) -> bool:
    """Whether the message only thanks ("cảm ơn bạn nhiều", "cám ơn ạ")."""
    words, thanked = _short_answer(text)
    return thanked and not words


def answered_offline(text: str) -> bool:
    """Whether a new message is answered by the dialogue itself, model or not: thanks, or a guided starter."""
    return thanks(text) or replies.guided(text) is not None


def guided_step(text: str) -> Step | None:
    """A guided starter's step: its guide, waiting for a petition's content where the starter files one."""
    example = replies.guided(text)
    if example is None:
        return None
    awaiting = Awaiting.CONTENT if example.intent == Intent.FILE_PETITION else None
    return Step(example.intent, {}, awaiting=awaiting, reply=example.guide)


async def step_for(
    ctx: ToolContext,
    router: Router,
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
    elif awaiting == Awaiting.INTENT_CHOICE and (chosen_intent := pick_intent(text, slots["choices"])):
        said = slots["text"]
        intent, slots = chosen_intent, await _with_province(ctx, chosen_intent, slots_for(chosen_intent, said), said)
    elif guide := guided_step(text):
        return guide
    else:
        routed = await router.route(text, ctx.principal)
        intent = routed.intent
        slots = (
            {"choices": [str(c) for c in routed.choices], "text": text}
            if routed.choices
            else await _with_province(ctx, routed.intent, slots_for(routed.intent, text), text)
        )
    return await next_step(ctx, intent, slots)


async def _with_province(ctx: ToolContext, intent: Intent, slots: dict[str, Any], text: str) -> dict[str, Any]:
    """A unit named by its name alone when none was named with its type: for a cadre, a commune or ward the question
    is about ("văn miếu bao nhiêu ủy viên nữ", "đại hội Lai Đồng"), the one of the caller's scope, else of their
    province, when several have that name; for anyone a province ("ở Sơn La", "Hà Nam cũ"); two units compared
    ("Phú Thọ nhiều hơn Hà Nội bao nhiêu ủy viên nữ", "Kinh Môn và Trần Hưng Đạo: phường nào…")."""
    if intent in (Intent.FILE_PETITION, Intent.FIND_UNIT) and slots.get("unit_text"):
        slots = await _place(ctx, intent, slots, text)
    if intent not in _UNIT_INTENTS or {"tracking_code", "compare_texts"} & set(slots):
        return slots
    resolver, principal = ctx.services.resolver, ctx.principal
    mentioned = slots.get("unit_text")
    if mentioned and principal.cadre_role:
        counted = await _named_units(ctx, mentioned)
        said = {p.code for p in resolver.provinces_named(text)}
        here = [m for m in counted if m["province_code"] in said]
        if not counted:
            del slots["unit_text"]  # words read as a unit's name ("TP cộng với các phường"): they name none
            mentioned = None
        elif len(counted) > 1 and len(here) == 1:  # "phường Trần Hưng Đạo ở Hải Phòng": the province says which
            del slots["unit_text"]
            return slots | {"unit_code": here[0]["code"], "unit_name": here[0]["name"]}
    if not mentioned and (unit := _by_initials(ctx, text)):
        return slots | {"unit_code": unit.code, "unit_name": unit.name}
    if mentioned:  # "Ủy ban Ba Xa, tỉnh Quảng Ngãi": a commune of the province named
        provinces = resolver.provinces_named(mentioned) if fold(mentioned).startswith("tinh ") else []
        if not provinces:
            return slots
    else:
        provinces = resolver.provinces_named(text)
    communes = (  # not for a petition: "thôn Tân Lập" is a village
        [u for u in resolver.named_alone(text) if named_as_subject(text, u.short_name)]
        if principal.cadre_role and intent in _CADRE_INTENTS
        else []
    )
    if intent in _COMPARABLE and not mentioned and compared(text):
        named = _in_order(text, [*provinces, *communes])
        if len(named) >= 2:
            return slots | {"compare_texts": named[:2]}
    if provinces:
        communes = [u for u in communes if u.province_code == provinces[0].code]
    own = resolver.units.get(principal.unit_code or "")
    nearest = (
        [u for u in communes if _within_scope(ctx, u.code)]
        or [u for u in communes if own and own.province_code and u.province_code == own.province_code]
        or communes
    )
    if len(nearest) == 1:
        slots.pop("unit_text", None)
        return slots | {"unit_code": nearest[0].code, "unit_name": nearest[0].name}
    if nearest and not mentioned:
        return slots | {"unit_text": fold(nearest[0].short_name)}  # several of that name: the dialogue asks which
    if provinces and not mentioned:
        slots |= {"unit_code": provinces[0].code, "unit_name": provinces[0].name}
    return slots


async def _place(ctx: ToolContext, intent: Intent, slots: dict[str, Any], text: str) -> dict[str, Any]:
    """The place a petition goes to or a question about the map names: the first mention that names a unit (the
    addressee first), with the province the message names elsewhere when that tells namesakes apart ("xã Xuân Lộc
    đi Thanh Sơn (Phú Thọ)"). A petition whose mentions name no unit has none (the dialogue asks where)."""
    mentions = [slots.pop("unit_text"), *slots.pop("other_places", [])]
    provinces = ctx.services.resolver.province_mentions(text)
    if intent == Intent.FIND_UNIT and mentions[0] == nfc(text).strip() and len(provinces) > 1:
        mentions = provinces[:1]  # "Bến Tre và Trà Vinh giờ thuộc tỉnh nào?": the first named is asked about
    for mention in mentions:
        if await _named_units(ctx, mention):
            return slots | {"unit_text": await _with_named_province(ctx, mention, text)}
    return slots if intent == Intent.FILE_PETITION else slots | {"unit_text": mentions[0]}


async def _with_named_province(ctx: ToolContext, mention: str, text: str) -> str:
    """The mention with the one province named elsewhere in the text within which it names units (the resolver
    chooses among namesakes by their province, old names included: "tp Vĩnh Yên … Vĩnh Phúc"); else the mention as
    it is."""
    if (await _resolve_unit(ctx, mention))["status"] != "ambiguous":
        return mention
    within = fold(mention)
    fitting = {}
    for words in ctx.services.resolver.province_mentions(text):
        if f" {words} " in f" {within} ":
            continue
        results = (await _resolve_unit(ctx, f"{mention}, {words}"))["results"]
        provinces = {m["province_code"] or m["code"] for m in results}
        if len(provinces) == 1 and all(_named_in(m, mention) for m in results):
            fitting[provinces.pop()] = f"{mention}, {words}"
    return next(iter(fitting.values())) if len(fitting) == 1 else mention


# A unit's type followed by the initials of its name in capitals ("phường VT", "tỉnh PT").
_INITIALS = re.compile(r"(?<!\w)(?:([Pp]hường|[Xx]ã|[Pp]\.?|[Xx]\.?)|([Tt]ỉnh|[Tt]inh))\s+([A-ZĐ]{2,3})(?!\w)")


def _by_initials(ctx: ToolContext, text: str) -> Unit | None:
    """The unit a type and initials name, when one only has them: a province, or a commune of the caller's province
    ("phường VT" for a Phú Thọ cadre is Phường Việt Trì)."""
    found = _INITIALS.search(nfc(text))
    own = ctx.services.resolver.units.get(ctx.principal.unit_code or "")
    if found is None or own is None:
        return None
    province = own.province_code or own.code
    kind = "phuong" if fold(found.group(1) or "").startswith("p") else "xa"
    wanted = [
        u
        for u in ctx.services.resolver.units.values()
        if "".join(w[0] for w in fold(u.short_name).split()).upper() == fold(found.group(3)).upper()
        and (u.level == Level.PROVINCE if found.group(2) else u.type == kind and u.province_code == province)
    ]
    return wanted[0] if len(wanted) == 1 else None


def _in_order(text: str, units: list[Unit]) -> list[str]:
    """The names of ``units`` in the order the text writes them, each name once."""
    folded = f" {fold(text)} "
    at = {fold(u.short_name): folded.find(f" {fold(u.short_name)} ") for u in units}
    return sorted((name for name, where in at.items() if where >= 0), key=lambda name: at[name])


async def _named_units(ctx: ToolContext, mention: str) -> list[dict[str, Any]]:
    """The units a mention resolves to whose name it holds, of the kind it says."""
    return [m for m in (await _resolve_unit(ctx, mention))["results"] if _counts(ctx, m, mention)]


def _counts(ctx: ToolContext, match: dict[str, Any], mention: str) -> bool:
    """Whether a unit found for a mention is one it names: its name is in it, of the kind it says, and a name found
    only by its likeness (a typo) is of a unit in the caller's province ("HĐND xã cuối năm" is no faraway commune)."""
    if not (_named_in(match, mention) and _kind_fits(match, mention)):
        return False
    own = ctx.services.resolver.units.get(ctx.principal.unit_code or "")
    province = (own.province_code or own.code) if own and own.level != Level.CENTRAL else None
    return match["score"] >= _EXACTLY or province is None or match["province_code"] == province


def pick_intent(text: str, choices: list[str]) -> Intent | None:
    """The intent chosen among ``choices`` by its number ("1") or by words of its label ("gửi phản ánh")."""
    number = re.fullmatch(r"\s*(\d)\s*\.?\s*", text)
    if number and 1 <= int(number.group(1)) <= len(choices):
        return Intent(choices[int(number.group(1)) - 1])
    folded = fold(text)
    named = [c for c in choices if any(word in folded for word in replies.INTENT_WORDS[Intent(c)])]
    return Intent(named[0]) if len(named) == 1 else None


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
        if not slots.get("unit_code") and not slots.get("unit_text") and ctx.principal.cadre_role == Role.COMMUNE_CADRE:
            slots["unit_code"] = ctx.principal.unit_code  # a commune cadre files for their residents: to their commune
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
        if slots.get("tracking_code"):
            args = {"tracking_code": slots["tracking_code"]}
            return Step(intent, slots, tool_call=_call(ToolName.GET_PETITION_STATUS, args))
        if slots.get("mine") and ctx.principal.cadre_role is None:
            if not ctx.principal.authenticated:
                return Step(intent, slots, reply=replies.ask_tracking_code_or_sign_in())
            return Step(intent, slots, tool_call=_call(ToolName.GET_PETITION_STATUS, {"mine": True}))
        if ctx.principal.cadre_role is None:
            return Step(intent, slots, reply=replies.ask_tracking_code())
    if intent in _CADRE_INTENTS:
        return await _cadre_step(ctx, intent, slots)
    if intent == Intent.FIND_UNIT:
        return await _find_step(ctx, slots)
    if intent == Intent.CLARIFY:
        choices = [Intent(c) for c in slots["choices"]]
        return Step(intent, slots, awaiting=Awaiting.INTENT_CHOICE, reply=replies.which_intent(choices))
    if intent == Intent.HELP:
        return Step(intent, slots, reply=replies.help_text(ctx.principal))
    if intent == Intent.MANIPULATION:
        return Step(intent, slots, reply=replies.manipulation_refused())
    return Step(intent, slots, reply=replies.out_of_scope())


async def _find_step(ctx: ToolContext, slots: dict[str, Any]) -> Step:
    """A question about a unit: the words that name it, and the unit they resolve to when there is one (the caller's
    own for "mã đơn vị của xã mình")."""
    own = ctx.services.resolver.units.get(ctx.principal.unit_code or "")
    if slots.get("own_unit") and own:
        own_args = {"text": own.name, "unit_code": own.code}
        return Step(Intent.FIND_UNIT, slots, tool_call=_call(ToolName.FIND_UNIT, own_args))
    text = slots.get("unit_text", "")[:300]
    found = await _resolve_unit(ctx, text)
    args: dict[str, Any] = {"text": text}
    provinces = {m["province_code"] for m in found["results"]}
    if found["status"] == "resolved":
        args["unit_code"] = found["results"][0]["code"]
    elif len(provinces) == 1 and None not in provinces:  # a former district: its communes, in one province
        args["unit_code"] = provinces.pop()
    return Step(Intent.FIND_UNIT, slots, tool_call=_call(ToolName.FIND_UNIT, args))


async def _cadre_step(ctx: ToolContext, intent: str, slots: dict[str, Any]) -> Step:
    """Requests about a unit in the cadre's scope: the unit named (or the cadre's own), then the tool call."""
    named = slots.get("unit_text")
    for also in slots.pop("also_named", []) if not slots.get("unit_code") else []:
        if outside := await _outside_scope(ctx, also):  # a change is refused when any unit it names is outside
            slots |= {"unit_code": outside["code"], "unit_name": outside["name"]}
            break
    if not slots.get("unit_code") and named:
        found = await _resolve_unit(ctx, slots.pop("unit_text"))
        found["results"] = [m for m in found["results"] if _counts(ctx, m, named)]
        if not found["results"]:
            named = None  # no unit named after all: the cadre's own
        in_scope = (
            [m for m in found["results"] if ctx.principal.unit_path and _within_scope(ctx, m["code"])]
            if found["results"]
            else []
        )
        chosen = found["results"] if found["status"] == "resolved" else in_scope
        if found["results"] and not in_scope and ctx.principal.unit_path:
            chosen = found["results"][:1]  # every unit of that name is outside the scope: refused, not asked
        if len(chosen) == 1:
            slots |= {"unit_code": chosen[0]["code"], "unit_name": chosen[0]["name"]}
        elif len(chosen) > 1:
            candidates = _candidates(chosen)
            return Step(
                intent, slots, awaiting=Awaiting.UNIT_CHOICE, candidates=candidates, reply=replies.choose(candidates)
            )
    if intent == Intent.DRAFT_REPORT:  # a unit named but not found: the report reads the request itself
        args = {
            "request": slots.get("request", ""),
            "unit_code": slots.get("unit_code") or (None if named else ctx.principal.unit_code),
        }
        return Step(intent, slots, tool_call=_call(ToolName.DRAFT_REPORT, args))
    if named and not slots.get("unit_code"):
        return Step(intent, slots, reply=replies.unit_not_found(named))
    unit = slots.get("unit_code") or ctx.principal.unit_code
    compared = [c for c in [await _in_scope_unit(ctx, t) for t in slots.get("compare_texts", [])] if c]
    if len(compared) == 2 and not slots.get("unit_code"):
        unit = compared[0]  # two units compared: the first named is the one asked about, beside the other
    if intent == Intent.QUERY_MEMBERS:
        args = {"unit_code": unit, "filters": _own_committee(ctx, unit, slots)}
        args |= {k: slots[k] for k in ("measure", "rank_by", "subject", "member_name") if k in slots}
        if compared:
            args["compare"] = compared
        return Step(intent, slots, tool_call=_call(ToolName.QUERY_MEMBERS, args))
    if intent == Intent.GET_CONGRESS_PROGRESS:
        args = {"unit_code": unit, **slots.get("month", {})}
        if compared:
            args |= {"compare": compared, "compare_level": slots.get("compare_level")}
            args["compare_on"] = slots.get("compare_on", "held")
        return Step(intent, slots, tool_call=_call(ToolName.GET_CONGRESS_PROGRESS, args))
    if intent == Intent.GET_PETITION_STATUS:
        args = {"unit_code": unit, **slots.get("petition_filters", {})}
        return Step(intent, slots, tool_call=_call(ToolName.GET_PETITION_STATUS, args))
    if not slots.get("change") and not (slots.get("unit_code") and not _within_scope(ctx, slots["unit_code"])):
        return Step(intent, slots, reply=replies.ask_congress_change())  # outside the scope: refused, nothing asked
    args = {"unit_code": unit, "change": slots.get("change", {})}
    return Step(intent, slots, tool_call=_call(ToolName.UPDATE_CONGRESS, args))


async def _outside_scope(ctx: ToolContext, text: str) -> dict[str, Any] | None:
    """The unit a mention names when every unit of that name is outside the caller's scope and not above it (the
    caller's province is named as whose guidance they follow, not as what to change)."""
    found = [m for m in (await _resolve_unit(ctx, text))["results"] if _named_in(m, text)]
    scope = ctx.principal.unit_path
    if not found or not scope or any(_within_scope(ctx, m["code"]) or _above(ctx, m["code"], scope) for m in found):
        return None
    return found[0]


def _above(ctx: ToolContext, code: str, scope: str) -> bool:
    unit = ctx.services.resolver.units.get(code)
    return unit is not None and scope.startswith(unit.path + ".")


async def _in_scope_unit(ctx: ToolContext, text: str) -> str | None:
    """The unit a mention names, the one in the caller's scope when several have that name."""
    found = await _resolve_unit(ctx, text)
    if found["status"] == "resolved":
        return str(found["results"][0]["code"])
    in_scope = [m for m in found["results"] if _within_scope(ctx, m["code"])]
    return str(in_scope[0]["code"]) if len(in_scope) == 1 else None


def _own_committee(ctx: ToolContext, unit: str | None, slots: dict[str, Any]) -> dict[str, Any]:
    """The member filters, limited to the unit's own committee (its level) when the question says so."""
    filters = dict(slots.get("filters", {}))
    found = ctx.services.resolver.units.get(unit or "")
    if slots.get("own_committee") and found and "level" not in filters:
        filters["level"] = int(found.level)
    return filters


_TYPE_WORDS = frozenset(["xa", "phuong", "dac", "khu", "thi", "tran", "tinh", "thanh", "pho", "quan", "huyen", "cu"])


def _named_in(match: dict[str, Any], mention: str) -> bool:
    """Whether a unit found for a mention is named in it, typos allowed (or, for a unit that replaced an old one,
    the old one is, with its type: "thị trấn Vôi", not "với"): words such as "tính cộng với…" or "bình quân của…"
    may be read as a unit and resolved to one whose name they do not hold."""
    words = spelled_out(mention)
    old = fold((match.get("converted_from") or "").split("(")[0].split(",")[0]).split()
    wanted = [
        ([w for w in fold(match["name"]).split() if w not in _TYPE_WORDS], _NAME_LIKENESS),
        (old if old and old[0] in _TYPE_WORDS else [w for w in old if w not in _TYPE_WORDS], _OLD_NAME_LIKENESS),
    ]
    for name, likeness in wanted:
        if not name:
            continue
        target = " ".join(name)
        windows = (" ".join(words[i : i + len(name)]) for i in range(max(len(words) - len(name) + 1, 1)))
        if any(SequenceMatcher(None, target, window).ratio() >= likeness for window in windows):
            return True
    return False


_NAME_LIKENESS, _OLD_NAME_LIKENESS = 0.8, 0.9
_EXACTLY = 0.9  # the resolver's score of a name found as written (today's 1.0, a former one 0.9)


def _kind_fits(match: dict[str, Any], mention: str) -> bool:
    """Whether a unit found is of the kind the mention says: "tỉnh …" names a province ("tỉnh cả ủy ban thành phố
    và…" is no Xã Ca Thành)."""
    return not fold(mention).startswith("tinh ") or match["level"] != "commune"


def _candidates(found: list[dict[str, Any]]) -> list[Candidate]:
    """The first nine units found, as choices."""
    return [{"code": m["code"], "name": m["name"], "province_name": m["province_name"]} for m in found[:9]]


async def _resolve_unit(ctx: ToolContext, text: str) -> dict[str, Any]:
    return (await units.resolve(ctx.services, text)).model_dump()


def _within_scope(ctx: ToolContext, code: str) -> bool:
    unit = ctx.services.resolver.units.get(code)
    scope = ctx.principal.unit_path or ""
    return unit is not None and (unit.path == scope or unit.path.startswith(scope + "."))
