"""The diacritics restorer: its counts are the ones its sources give (and no development or sealed text, nor a law
kept out of tuning, is among them), and it puts the marks back into questions it never saw."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evals.retrieval import UNSEEN_LAWS
from mattran.domain.diacritics import ARTEFACT, Restorer, shipped_restorer, syllables
from mattran.domain.text import strip_marks

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_diacritics  # noqa: E402


def test_the_shipped_counts_are_rebuilt_byte_for_byte_from_their_sources() -> None:
    assert build_diacritics.check() == 0
    assert build_diacritics.build() == ARTEFACT.read_bytes()


def test_no_development_or_sealed_text_nor_a_law_kept_out_of_tuning_is_counted() -> None:
    names = [p.name for p in build_diacritics.sources()]
    assert not [n for n in names if ".dev." in n or ".sealed." in n or n in UNSEEN_LAWS]
    assert len(names) > len(UNSEEN_LAWS)


def _accuracy(restorer: Restorer, texts: list[str]) -> float:
    right = total = 0
    for text in texts:
        marked, restored = syllables(text), restorer.restore(strip_marks(text)).split(" ")
        assert len(restored) == len(marked)
        right += sum(a == b for a, b in zip(marked, restored, strict=True))
        total += len(marked)
    return right / total


def test_questions_it_never_saw_get_their_marks_back() -> None:
    # The development sets' accented questions, typed without marks (0.959 and 0.949 of syllables when tuned).
    dev = ROOT / "evals" / "datasets"
    library = [json.loads(line)["query"] for line in (dev / "library.dev.jsonl").read_text().splitlines() if line]
    messages = [json.loads(line)["text"] for line in (dev / "intents.dev.jsonl").read_text().splitlines() if line]
    restorer = shipped_restorer()
    assert _accuracy(restorer, [q for q in library if strip_marks(q) != q]) >= 0.94
    assert _accuracy(restorer, [m for m in messages if strip_marks(m) != m]) >= 0.93


def test_the_text_at_hand_spells_the_question() -> None:
    restorer = shipped_restorer()
    assert restorer.restore("hoi dong nhan dan mot nam hop may lan") == "hội đồng nhân dân một năm họp mấy lần"
    # A name only the passage found for the question spells.
    assert restorer.restore("xa kon plong") == "xã kon plong"
    assert restorer.restore("xa kon plong", ["xã Kon Plông, tỉnh Quảng Ngãi"]) == "xã kon plông"
    assert restorer.restore("UBND ok", []) == "ubnd ok"  # what nothing folds to stays as typed
