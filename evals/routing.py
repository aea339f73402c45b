"""Routing evaluation: messages sent with a role and a unit, through the whole assistant, scored on its tool calls.

A case (``intents.train/dev/sealed.jsonl``) is ``{id, role, unit_code, text, intent, tool, slots, refused?,
figure?, tags}``. Each runs in a new conversation as ``role@unit_code``, the way ``mattran chat --batch`` runs it;
data-changing calls stop at their confirmation (nothing is written). Scoring:

- the **tool** chosen is the first call's name (a refused call counts: the assistant chose it), else the intent of a
  dialogue that asks for what the tool still needs (a petition without its content), else none; right when it equals
  the case's ``tool`` (none for help, out of scope and manipulation). A question asking which of two intents was
  meant counts as a miss and is counted apart;
- a **slot** is right when its expected value equals an argument of the call to the case's tool (not a substring);
  unit slots are scored apart for the caller's own unit and for other units (those also by role and by intent:
  ``slot_accuracy[other_unit:citizen]``, ``slot_accuracy[other_unit:find_unit]``);
- a case marked ``refused`` is right only when its call was refused and not offered for confirmation;
- a **figure** is right when the answer states the expected number.

On a sealed set only aggregates are reported (per intent, per tag, the confusion matrix), never an item.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.routing.model import CARD
from agents.runner import ChatRunner
from evals.dataset import is_sealed as is_sealed
from evals.dataset import rows
from evals.outcome import Outcome, Tally, share
from mattran.auth import role_spec
from mattran.domain.unit import Unit
from tools.names import ToolName

THRESHOLDS: dict[str, float] = {}  # a set's figures are held by the intents suite, named with its prefix
DATASETS = Path(__file__).with_name("datasets")
TRAIN = DATASETS / "intents.train.jsonl"
DEV = DATASETS / "intents.dev.jsonl"
DEV_FIGURES = DATASETS / "intents.figures.dev.jsonl"  # cadre data questions with their figures, for tuning
DEV_UNITS = DATASETS / "intents.units.dev.jsonl"  # cadres naming other units every way, with figures, for tuning
DEV_PLACES = DATASETS / "intents.places.dev.jsonl"  # citizens and cadres naming places every way, for tuning
SEALED = DATASETS / "intents.sealed.jsonl"  # the first sealed set: CI's thresholds sit on it
INTENTS = (
    "file_petition",
    "get_petition_status",
    "find_unit",
    "search_library",
    "query_members",
    "get_congress_progress",
    "update_congress",
    "draft_report",
    "help",
    "out_of_scope",
    "manipulation",
)
TOOLS = frozenset(t.value for t in ToolName)
NONE = "—"  # no tool
CLARIFY = "clarify"  # the turn asked which of two intents was meant
_NUMBER = re.compile(r"\d+(?:[.\s]\d{3})*(?:,\d+)?")


@dataclass(frozen=True)
class Case:
    """One message, who sends it, and what the assistant should do with it."""

    id: str
    role: str
    unit_code: str | None
    text: str
    intent: str
    tool: str | None
    slots: dict[str, str] = field(default_factory=dict)
    refused: bool = False
    figure: float | None = None
    tags: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        """The caller as ``role[@unit]``."""
        return self.role + (f"@{self.unit_code}" if self.unit_code else "")


def load(path: Path) -> list[Case]:
    """Cases from a JSON-lines file; an unknown intent, or a tool that does not go with it, is refused."""
    cases = []
    for number, raw in rows(path, path.name):
        intent, tool = raw["intent"], raw.get("tool")
        if intent not in INTENTS or (tool is not None and tool not in TOOLS):
            raise ValueError(f"{path.name} line {number}: unknown intent or tool ({intent}, {tool})")
        figure = raw.get("figure")
        cases.append(
            Case(
                id=str(raw.get("id", number)),
                role=raw["role"],
                unit_code=raw.get("unit_code"),
                text=raw["text"],
                intent=intent,
                tool=tool,
                slots={k: str(v) for k, v in (raw.get("slots") or {}).items()},
                refused=bool(raw.get("refused")),
                figure=float(figure["value"]) if figure else None,
                tags=tuple(raw.get("tags", ())),
            )
        )
    return cases


def has_callers(path: Path) -> bool:
    """Whether a dataset is a routing set (its cases name their caller's role)."""
    return any("role" in raw for _n, raw in rows(path, path.name))


def chosen_tool(out: dict[str, Any]) -> str:
    """The tool a turn chose (``out`` as ``mattran chat --batch --json`` writes it): its first call, else the tool
    its question prepares, else none."""
    if out["tool_calls"]:
        return str(out["tool_calls"][0]["name"])
    return out["intent"] if out["intent"] in TOOLS else NONE


def numbers(text: str) -> list[float]:
    """The numbers an answer states, read the Vietnamese way ("1.234", "12,5")."""
    found = []
    for token in _NUMBER.findall(text):
        digits = re.sub(r"[.\s]", "", token).replace(",", ".")
        found.append(float(digits))
    return found


@dataclass
class Report(Outcome):
    """Counts of one run over a set of cases."""

    thresholds = THRESHOLDS
    tools: Tally = field(default_factory=Tally)
    clarified: int = 0
    slots: Counter[str] = field(default_factory=Counter)
    slots_right: Counter[str] = field(default_factory=Counter)
    refusals: int = 0
    refusals_right: int = 0
    figures: int = 0
    figures_right: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """Named figures; those in :data:`THRESHOLDS` are held to them."""
        tools = self.tools
        unaccented = share(tools.right_by_tag["no_diacritics"], tools.by_tag["no_diacritics"])
        accented = share(tools.right - tools.right_by_tag["no_diacritics"], tools.total - tools.by_tag["no_diacritics"])
        figures = {
            "tool_accuracy": tools.accuracy(),
            "slot_accuracy": share(
                sum(n for k, n in self.slots_right.items() if ":" not in k),
                sum(n for k, n in self.slots.items() if ":" not in k),
            ),
            "clarify_rate": share(self.clarified, tools.total),
            "unaccented_gap": round(accented - unaccented, 4) if tools.by_tag["no_diacritics"] else 0.0,
            "cases": float(tools.total),
        }
        if self.refusals:
            figures["refused_out_of_scope"] = share(self.refusals_right, self.refusals)
        if self.figures:
            figures["figure_accuracy"] = share(self.figures_right, self.figures)
        figures |= {f"slot_accuracy[{k}]": share(self.slots_right[k], n) for k, n in self.slots.items()}
        by_intent = tools.by_labels()
        figures |= {f"tool_accuracy[{i}]": v for i, v in by_intent.items()}
        figures |= {f"tool_accuracy[tag:{t}]": v for t, v in tools.by_tags().items()}
        figures["min_intent_accuracy"] = min(by_intent.values(), default=0.0)
        return figures


def _slot_kind(case: Case, slot: str) -> str:
    if slot != "unit_code":
        return slot
    return "own_unit" if case.slots[slot] == case.unit_code else "other_unit"


def score(report: Report, case: Case, out: dict[str, Any], show: bool) -> None:
    """Count one case's turn (``out`` as ``mattran chat --batch --json`` writes it)."""
    got = chosen_tool(out)
    expected = case.tool or NONE
    right = got == expected
    call = next((c for c in out["tool_calls"] if c["name"] == case.tool), None)
    if case.refused:
        report.refusals += 1
        refused_now = call is not None and bool(call.get("denied")) and not call.get("planned")
        report.refusals_right += refused_now
        right = right and refused_now
    report.tools.add(case.intent, got, right, case.tags)
    report.clarified += out["intent"] == CLARIFY
    values = {str(v) for v in (call["args"].values() if call else ()) if isinstance(v, str | int)}
    for slot, value in case.slots.items():
        kind = _slot_kind(case, slot)
        kinds = [kind, f"{kind}:{case.role}", f"{kind}:{case.intent}"] if kind == "other_unit" else [kind]
        for counted in kinds:  # other units also by the caller's role and by intent
            report.slots[counted] += 1
            report.slots_right[counted] += value in values
        if show and value not in values:
            report.failures.append({"id": case.id, "kind": kind, "expected": value, "got": sorted(values)})
    if case.figure is not None:
        report.figures += 1
        stated = numbers(out["answer"])
        report.figures_right += any(abs(n - case.figure) < 0.051 for n in stated)
    if show and not right:
        report.failures.append({"id": case.id, "kind": "tool", "text": case.text, "expected": expected, "got": got})


async def evaluate(runner: ChatRunner, units: dict[str, Unit], cases: Iterable[Case], show: bool) -> Report:
    """Every case through the assistant, each in a new conversation as its caller."""
    report = Report()
    for case in cases:
        principal = role_spec.principal_for(case.spec, units)
        turn = await runner.send(principal, runner.new_conversation(), case.text)
        score(report, case, turn.as_batch_json(case.id), show)
    return report


def describe(report: Report) -> dict[str, Any]:
    """The report's aggregates as JSON (metrics and the confusion matrix)."""
    return {"metrics": report.metrics, "confusion": report.tools.mistakes()}


def score_outputs(cases: Iterable[Case], outputs: Iterable[dict[str, Any]], show: bool) -> Report:
    """Score the lines ``mattran chat --batch --json`` wrote for ``cases`` (matched by id; a missing line is a miss)."""
    by_id = {str(o["id"]): o for o in outputs}
    report = Report()
    for case in cases:
        out = by_id.get(case.id) or {"intent": None, "tool_calls": [], "answer": ""}
        score(report, case, out, show)
    return report


def router_fit() -> float:
    """The share of the training set whose intent the router's model chooses (how well it fits what it learned
    from), measured when the artefact was built and written on its card."""
    return float(json.loads(CARD.read_text(encoding="utf-8"))["train_accuracy"])
