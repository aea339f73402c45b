"""The routing evaluation's scoring, on turns written as ``mattran chat --batch --json`` writes them: a slot is an
argument's whole value, a refusal must come before any confirmation, a question asking which was meant is a miss,
and a figure is read the Vietnamese way; a sealed set shows no item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import routing
from evals.routing import Case, numbers, score_outputs


def _case(
    intent: str, tool: str | None, cadre: bool = False, slots: dict[str, str] | None = None, refused: bool = False
) -> Case:
    role, unit = ("commune_cadre", "08611") if cadre else ("citizen", None)
    return Case("1", role, unit, "…", intent, tool, slots or {}, refused)


def _out(name: str | None = None, intent: str | None = None, answer: str = "", **call: object) -> dict[str, object]:
    calls = [{"name": name, "args": call.pop("args", {}), **call}] if name else []
    return {"id": "1", "intent": intent or name, "tool_calls": calls, "answer": answer, "citations": []}


def test_a_slot_is_an_arguments_whole_value_and_other_units_are_scored_apart() -> None:
    case = _case("query_members", "query_members", True, {"unit_code": "08620"})
    right = score_outputs([case], [_out("query_members", args={"unit_code": "08620"})], show=True)
    assert right.metrics["slot_accuracy[other_unit]"] == 1.0 and right.metrics["tool_accuracy"] == 1.0
    wrong = score_outputs([case], [_out("query_members", args={"unit_code": "086201"})], show=True)
    assert wrong.metrics["slot_accuracy[other_unit]"] == 0.0
    own = _case("query_members", "query_members", True, {"unit_code": "08611"})
    assert "slot_accuracy[own_unit]" in score_outputs([own], [_out("query_members")], show=True).metrics


def test_other_units_are_also_scored_by_role_and_by_intent_without_counting_twice() -> None:
    petition = _case("file_petition", "file_petition", slots={"unit_code": "08620"})
    members = _case("query_members", "query_members", True, {"unit_code": "08620"})
    outs = [_out("file_petition", args={"unit_code": "08620"}), _out("query_members", args={"unit_code": "08611"})]
    metrics = score_outputs([petition], outs[:1], show=True).metrics
    metrics_both = routing.Report()
    for case, out in zip([petition, members], outs, strict=True):
        routing.score(metrics_both, case, out, show=False)
    both = metrics_both.metrics
    assert metrics["slot_accuracy[other_unit:citizen]"] == 1.0 and metrics["slot_accuracy[other_unit:file_petition]"]
    assert both["slot_accuracy"] == 0.5 and both["slot_accuracy[other_unit]"] == 0.5
    assert both["slot_accuracy[other_unit:commune_cadre]"] == 0.0 and both["slot_accuracy[other_unit:citizen]"] == 1.0


def test_a_refusal_counts_only_before_any_confirmation() -> None:
    case = _case("update_congress", "update_congress", True, refused=True)
    now = score_outputs([case], [_out("update_congress", denied=True, reason="ngoài phạm vi")], show=True)
    later = score_outputs([case], [_out("update_congress", planned=True)], show=True)
    assert now.metrics["refused_out_of_scope"] == 1.0 and now.metrics["tool_accuracy"] == 1.0
    assert later.metrics["refused_out_of_scope"] == 0.0 and later.metrics["tool_accuracy"] == 0.0


def test_asking_which_was_meant_is_a_miss_counted_apart_and_a_question_for_a_slot_is_the_tool() -> None:
    petition = _case("file_petition", "file_petition")
    asked_which = score_outputs([petition], [_out(intent="clarify")], show=True)
    assert asked_which.metrics["tool_accuracy"] == 0.0 and asked_which.metrics["clarify_rate"] == 1.0
    asked_content = score_outputs([petition], [_out(intent="file_petition")], show=True)
    assert asked_content.metrics["tool_accuracy"] == 1.0
    words = _case("manipulation", None)
    assert score_outputs([words], [_out(intent="manipulation")], show=True).metrics["tool_accuracy"] == 1.0
    assert score_outputs([words], [_out("search_library")], show=True).metrics["tool_accuracy"] == 0.0


@pytest.mark.parametrize(("text", "value"), [("có **1.234** ủy viên", 1234.0), ("đạt 45,5%", 45.5), ("12/40", 12.0)])
def test_figures_are_read_the_vietnamese_way(text: str, value: float) -> None:
    assert value in numbers(text)


def test_a_sealed_sets_report_shows_no_item(tmp_path: Path) -> None:
    path = tmp_path / "x.sealed.jsonl"
    path.write_text(json.dumps({"id": "a", "role": "citizen", "text": "bí mật", "intent": "help", "tool": None}) + "\n")
    assert routing.is_sealed(path) and routing.has_callers(path)
    report = score_outputs(routing.load(path), [], show=not routing.is_sealed(path))
    assert report.failures == [] and "bí mật" not in json.dumps(routing.describe(report), ensure_ascii=False)
