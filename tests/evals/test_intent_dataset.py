"""The router's training and development sets: generated deterministically from their hand-written sources, every
item consistent with the intent definitions (tool, role, slots, scope), dev apart from train, and the composition
the learned router needs (no store is used)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

import pytest

from evals import make_intent_dataset as gen
from mattran.domain import receipts
from mattran.domain.text import strip_marks

TAGS = {
    "no_diacritics",
    "teencode",
    "typo",
    "old_address",
    "long",
    "english_mixed",
    "tracking_code",
    "other_unit",
    "figure",
}
CANONICAL = re.compile(r"PAKN-\d{4}-\d{6}(-[0-9A-HJKMNP-TV-Z]{6})?")
RICH = ("search_library", "manipulation", *sorted(gen.CADRE_INTENTS))
"""Intents that need the most distinct source sentences."""


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    return gen.build()


@pytest.fixture(scope="module")
def sets(built: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {name: list(gen.iter_items(text)) for name, text in built.items()}


def test_the_generator_reproduces_the_committed_files_byte_for_byte(built: dict[str, str]) -> None:
    assert set(built) == {"intents.train.jsonl", "intents.dev.jsonl"}
    for name, text in built.items():
        assert (gen.DATASETS / name).read_text(encoding="utf-8") == text, "run python evals/make_intent_dataset.py"
    assert gen.build() == built  # and again, identically


def _scope(unit: str, own: str, m: gen.UnitMap) -> bool:
    """Whether ``unit`` is the cadre's own unit or below it."""
    if own == "TW" or unit == own:
        return True
    return own in m.provinces and unit in m.communes and m.communes[unit].province == own


def test_every_item_agrees_with_the_intent_definitions(sets: dict[str, list[dict[str, Any]]]) -> None:
    m = gen.unit_map()
    known = set(m.communes) | set(m.provinces) | {"TW"}
    for items in sets.values():
        for item in items:
            where = item["id"], item["text"]
            assert set(item) <= {"id", "role", "unit_code", "text", "intent", "tool", "slots", "refused", "tags"}
            assert item["intent"] in gen.INTENTS and item["tool"] == gen.INTENTS[item["intent"]], where
            assert set(item["tags"]) <= TAGS and len(item["tags"]) == len(set(item["tags"])), where
            assert item["text"] == unicodedata.normalize("NFC", item["text"]) and item["text"].strip(), where
            assert ("no_diacritics" in item["tags"]) == (strip_marks(item["text"]) == item["text"]), where
            assert ("long" in item["tags"]) == (len(item["text"].split()) > 30), where
            role, own = item["role"], item["unit_code"]
            assert role in gen.ROLES, where
            if role == "citizen":
                assert own is None and item["intent"] not in gen.CADRE_INTENTS, where
                assert "other_unit" not in item["tags"], where
            else:
                level = {"commune_cadre": m.communes, "province_cadre": m.provinces, "central_cadre": {"TW": None}}
                assert own in level[role], where
            slots = item["slots"]
            assert set(slots) <= {"unit_code", "tracking_code"}, where
            assert not slots or item["tool"], where
            if "unit_code" in slots:
                assert slots["unit_code"] in known, where
            if item["intent"] in gen.CADRE_INTENTS:
                assert slots.get("unit_code"), where  # named, or the cadre's own
            if "tracking_code" in slots:
                code = slots["tracking_code"]
                assert CANONICAL.fullmatch(code), where
                assert str(receipts.parse(item["text"])) == code, where
            assert ("tracking_code" in item["tags"]) == (receipts.parse(item["text"]) is not None), where
            outside = role != "citizen" and "unit_code" in slots and not _scope(slots["unit_code"], own, m)
            if item.get("refused"):
                assert item["intent"] == "update_congress" and outside, where
            elif item["intent"] in gen.CADRE_INTENTS or (item["intent"] == "get_petition_status" and role != "citizen"):
                assert not outside, where
            if "other_unit" in item["tags"]:
                assert slots.get("unit_code") not in (None, own) and not outside, where


def test_dev_and_train_share_no_text_and_no_source_sentence(sets: dict[str, list[dict[str, Any]]]) -> None:
    train = {i["text"].casefold() for i in sets["intents.train.jsonl"]}
    dev = [i["text"].casefold() for i in sets["intents.dev.jsonl"]]
    assert not train & set(dev)
    assert len(train) == len(sets["intents.train.jsonl"]) and len(set(dev)) == len(dev)
    sources = {n: {s.text for s in gen.read_source(gen.DATASETS / f"intents.{n}.src")} for n in ("train", "dev")}
    assert not sources["train"] & sources["dev"]


def test_the_composition_holds(sets: dict[str, list[dict[str, Any]]]) -> None:
    for name, least, per_intent in (("intents.train.jsonl", 3000, 200), ("intents.dev.jsonl", 600, 50)):
        items = sets[name]
        n = len(items)
        assert n >= least, name
        intents = Counter(i["intent"] for i in items)
        assert set(intents) == set(gen.INTENTS) and min(intents.values()) >= per_intent, (name, intents)
        tags = Counter(t for i in items for t in i["tags"])
        assert tags["no_diacritics"] >= 0.30 * n and tags["teencode"] >= 0.15 * n, (name, tags)
        assert tags["typo"] >= 0.10 * n and tags["english_mixed"] >= 0.08 * n, (name, tags)
        assert tags["long"] >= 0.15 * n and tags["old_address"] >= 0.05 * n and tags["tracking_code"] >= 0.05 * n
        roles = Counter(i["role"] for i in items)
        assert roles["citizen"] >= 0.40 * n and all(roles[r] >= 0.05 * n for r in gen.ROLES), (name, roles)
        cadre = [i for i in items if i["role"] != "citizen"]
        assert sum("other_unit" in i["tags"] for i in cadre) >= 0.25 * len(cadre), name
        assert sum(bool(i.get("refused")) for i in items) >= 5, name


def test_each_intent_has_many_distinct_source_sentences() -> None:
    for name, rich, rest in (("train", 60, 40), ("dev", 15, 14)):
        per_intent = Counter(s.intent for s in gen.read_source(gen.DATASETS / f"intents.{name}.src"))
        for intent in gen.INTENTS:
            assert per_intent[intent] >= (rich if intent in RICH else rest), (name, intent, per_intent[intent])
