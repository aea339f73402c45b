"""Utterance evaluation of the assistant's understanding: intents, slots and refusal of manipulation.

The dataset (``datasets/utterances.jsonl``) is labelled with what a citizen or a cadre means, independently of the
implementation. Slots are checked the way the graph uses them: a ``tracking_code`` must equal the expected code; a
``unit_code`` is checked by resolving the ``unit_text`` the understanding produced with the real unit resolver and
comparing the top result's code (no ``unit_text`` at all counts as a wrong slot).

:func:`evaluate` measures the offline understanding; :func:`evaluate_model` runs the same cases through the assistant
with a language model (``MATTRAN_LLM_URL``), where the intent is the first tool the model called, even one refused
(``answer`` when it called none), and the slots are read from that call's arguments.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agents.routing.router import Router
from agents.runner import ChatRunner, Turn
from agents.understanding import Intent, Understanding, slots_for
from evals.dataset import rows
from evals.outcome import Outcome, Tally, share
from evals.thresholds import for_suite
from mattran.auth.principal import Principal, Role
from mattran.domain.units import UnitResolver
from mattran.store.db import Conn
from tools.names import ToolName

THRESHOLDS = for_suite("intents")
INTENTS = tuple(i for i in Intent if i not in (Intent.MANIPULATION, Intent.CLARIFY))  # this set's labels
SLOTS = ("tracking_code", "unit_code")
TAGS = ("no_diacritics", "typo", "colloquial", "injection", "long", "short", "cadre", "old_address", "english")
# Model mode: intents a model shows by answering in words (no tool); a petition or a status request that lacks what
# the tool needs (no slot labelled) is also rightly answered with a question.
ANSWERED = {Intent.HELP, Intent.OUT_OF_SCOPE}
ASKS_FIRST = {Intent.FILE_PETITION, Intent.GET_PETITION_STATUS}


@dataclass(frozen=True)
class Case:
    """One utterance, what it means and the slots it certainly carries."""

    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()


@dataclass
class Report(Outcome):
    """Outcome of one run over a dataset."""

    thresholds = THRESHOLDS
    intents: Tally = field(default_factory=Tally)
    slots_expected: Counter[str] = field(default_factory=Counter)
    slots_correct: Counter[str] = field(default_factory=Counter)
    injections: int = 0
    injections_refused: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """Named figures; those in :data:`THRESHOLDS` are compared with it, the others are for reading."""
        figures = {
            "intent_accuracy": self.intents.accuracy(),
            "slot_accuracy": share(sum(self.slots_correct.values()), sum(self.slots_expected.values())),
            "injection_refused": share(self.injections_refused, self.injections),
        }
        figures |= {f"intent_accuracy[{i}]": v for i, v in self.intents.by_labels().items()}
        figures |= {
            f"slot_accuracy[{s}]": self.slots_correct[s] / self.slots_expected[s]
            for s in SLOTS
            if self.slots_expected[s]
        }
        figures |= {f"intent_accuracy[tag:{t}]": v for t, v in self.intents.by_tags().items()}
        return figures

    def summary(self) -> str:
        """Metrics, confusion and every failure, readable in an assertion message."""
        lines = [
            f"{k}: {v:.3f}" + (f" (threshold {THRESHOLDS[k]})" if k in THRESHOLDS else "")
            for k, v in self.metrics.items()
        ]
        confusion = "\n".join(self.intents.mistakes()) or "(no confusion)"
        lines += ["", "confusion (expected → got):", confusion, "", f"failures ({len(self.failures)}):"]
        lines += [json.dumps(f, ensure_ascii=False) for f in self.failures]
        return "\n".join(lines)


def load_cases(path: Path | None = None) -> list[Case]:
    """Cases from a JSON-lines file (default: the shipped ``utterances.jsonl``); unknown labels are refused."""
    cases = []
    for number, raw in rows(path, "utterances.jsonl"):
        case = Case(
            text=raw["text"], intent=raw["intent"], slots=dict(raw.get("slots", {})), tags=tuple(raw.get("tags", ()))
        )
        unknown = ({case.intent} - set(INTENTS)) | (set(case.slots) - set(SLOTS)) | (set(case.tags) - set(TAGS))
        if unknown:
            raise ValueError(f"line {number}: unknown label(s) {sorted(unknown)}")
        cases.append(case)
    return cases


async def _slot_result(
    resolver: UnitResolver, conn: Conn, understood: Understanding, slot: str
) -> tuple[str | None, dict[str, object]]:
    """The value the understanding yields for ``slot`` (a unit code via the resolver), and details for a failure."""
    if slot == "tracking_code":
        return understood.slots.get("tracking_code"), {}
    unit_text = understood.slots.get("unit_text")
    if not unit_text:
        return None, {"unit_text": None}
    resolution = await resolver.resolve(conn, unit_text)
    top = resolution.results[0].code if resolution.results else None
    return top, {
        "unit_text": unit_text,
        "status": resolution.status,
        "candidates": [m.code for m in resolution.results[:5]],
    }


def _count_intent(report: Report, case: Case, got: str, right: bool, refused: bool) -> None:
    report.intents.add(case.intent, got, right, case.tags)
    if not right:
        report.failures.append(
            {"kind": "intent", "text": case.text, "expected": case.intent, "got": got, "tags": list(case.tags)}
        )
    if "injection" in case.tags:
        report.injections += 1
        report.injections_refused += refused


def _count_slot(report: Report, case: Case, slot: str, got: str | None, details: dict[str, object]) -> None:
    report.slots_expected[slot] += 1
    if got == case.slots[slot]:
        report.slots_correct[slot] += 1
    else:
        report.failures.append({"kind": slot, "text": case.text, "expected": case.slots[slot], "got": got, **details})


async def evaluate(router: Router, resolver: UnitResolver, conn: Conn, cases: list[Case]) -> Report:
    """Run every case through the offline router and :func:`agents.understanding.slots_for` (and the resolver for
    unit slots). This set's labels predate the manipulation class: a manipulation refused counts as out of scope."""
    report = Report()
    for case in cases:
        routed = await router.route(case.text, _eval_principal(case, resolver))
        intent = Intent.OUT_OF_SCOPE if routed.intent == Intent.MANIPULATION else routed.intent
        understood = Understanding(intent, slots_for(routed.intent, case.text))
        _count_intent(report, case, intent, intent == case.intent, refused=intent == Intent.OUT_OF_SCOPE)
        for slot in case.slots:
            got, details = await _slot_result(resolver, conn, understood, slot)
            _count_slot(report, case, slot, got, {"intent": understood.intent, **details})
    return report


def _eval_principal(case: Case, resolver: UnitResolver) -> Principal:
    """Who asks in model mode: a central cadre for the cadres' cases (every unit in scope), else a citizen."""
    if "cadre" not in case.tags:
        return Principal(subject="eval-citizen", name="Người dân", roles=frozenset({Role.CITIZEN}))
    central = resolver.units["TW"]
    return Principal(
        subject="eval-cadre",
        name="Cán bộ",
        roles=frozenset({Role.CENTRAL_CADRE}),
        unit_code="TW",
        unit_path=central.path,
        unit_name=central.name,
    )


async def _model_slot(resolver: UnitResolver, conn: Conn, turn: Turn, slot: str) -> str | None:
    """The slot as the model's first call carries it (a ``find_unit`` text through the resolver)."""
    call = turn.tool_calls[0] if turn.tool_calls else None
    args = call.args if call else {}
    if slot == "tracking_code":
        return args.get("tracking_code")
    if call and call.name == ToolName.FIND_UNIT:
        resolution = await resolver.resolve(conn, str(args.get("text", "")))
        return resolution.results[0].code if resolution.results else None
    return args.get("unit_code")


async def evaluate_model(runner: ChatRunner, resolver: UnitResolver, conn: Conn, cases: list[Case]) -> Report:
    """Run every case through the assistant with its model, each in a new conversation; data-changing calls stop
    at the confirmation (nothing is written)."""
    report = Report()
    for case in cases:
        turn = await runner.send(_eval_principal(case, resolver), runner.new_conversation(), case.text)
        got = turn.tool_calls[0].name if turn.tool_calls else "answer"
        asked = got == "answer" and case.intent in ASKS_FIRST and not case.slots
        right = (
            got == case.intent
            or (got == "answer" and case.intent in ANSWERED)
            or asked
            or (case.intent == Intent.FILE_PETITION and got == ToolName.FIND_UNIT)
        )
        refused = all(c.denied for c in turn.tool_calls)
        _count_intent(report, case, got, right, refused)
        for slot in case.slots:
            _count_slot(
                report,
                case,
                slot,
                await _model_slot(resolver, conn, turn, slot),
                {"intent": got, "answer": turn.reply[:200]},
            )
    return report
