"""Build the diacritics restorer's counts (``mattran/domain/diacritics.json.gz`` and its card
``diacritics.card.json``) from a dictionary of Vietnamese words and the project's own accented text. Deterministic.

Sources: underthesea's word list (Viet74K, in its wheel), the laws of the shared corpus that tuning may read (never
``evals.retrieval.UNSEEN_LAWS``), the platform's guides, and the accented text of the independent training sets
(routing messages, library questions, masking and petition-pair petitions). No development or sealed set.

    python scripts/build_diacritics.py            # rebuild
    python scripts/build_diacritics.py --check    # exit 1 when the artefact is not the one its card describes
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.routing.model import sha256  # noqa: E402
from evals import retrieval  # noqa: E402
from mattran.domain.diacritics import ARTEFACT, CARD, counts  # noqa: E402
from mattran.domain.text import strip_marks  # noqa: E402

DATASETS = ROOT / "evals" / "datasets"
GUIDES = ROOT / "knowledge" / "guides"
# A syllable pair of running text counts as this many of the dictionary's (each word once there, however rare:
# chosen on the development sets' restoration, 10 against 1, 2, 5, 20, 50, 100).
RUNNING_WEIGHT = 10
# Training files and the fields holding text (each a JSON object a line).
TRAINING = {
    "intents.train.jsonl": ("text",),
    "library.train.a.jsonl": ("query",),
    "library.train.b.jsonl": ("query",),
    "masking.train.jsonl": ("text",),
    "petition_pairs.train.jsonl": ("a", "b"),
}


def dictionary() -> Path:
    """underthesea's word list."""
    import underthesea

    return Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"


def laws() -> list[Path]:
    """The shared corpus's laws that tuning may read."""
    from mattran.settings import get_settings

    return sorted(p for p in get_settings().laws_dir.glob("*.txt") if p.name not in retrieval.UNSEEN_LAWS)


def sources() -> list[Path]:
    """Every file the counts are made from, in order."""
    return [dictionary(), *laws(), *sorted(GUIDES.glob("*.md")), *(DATASETS / name for name in TRAINING)]


def texts() -> Iterator[str]:
    """The accented running text: each line of the laws and guides, each accented training text."""
    for path in [*laws(), *sorted(GUIDES.glob("*.md"))]:
        yield from path.read_text(encoding="utf-8").splitlines()
    for name, fields in TRAINING.items():
        for line in (DATASETS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                yield from (row[f] for f in fields if strip_marks(row[f]) != row[f])  # accented texts only


def build() -> bytes:
    """The gzipped counts (fixed timestamp and key order, so that the same sources give the same bytes)."""
    singles, pairs = counts(dictionary().read_text(encoding="utf-8").splitlines())
    running_singles, running_pairs = counts(texts())
    for syllable, n in running_singles.items():
        singles[syllable] += RUNNING_WEIGHT * n
    for pair, n in running_pairs.items():
        pairs[pair] += RUNNING_WEIGHT * n
    data = {
        "singles": dict(sorted(singles.items())),
        "pairs": {f"{a} {b}": n for (a, b), n in sorted(pairs.items())},
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


def card() -> dict[str, object]:
    """What the artefact is made from."""
    return {
        "artefact": ARTEFACT.name,
        "sha256": sha256(ARTEFACT),
        "sources": [{"file": p.name, "sha256": sha256(p)} for p in sources()],
    }


def check() -> int:
    """Whether the artefact and its sources are those its card describes."""
    written = json.loads(CARD.read_text(encoding="utf-8"))
    if written != card():
        print(f"{ARTEFACT.name} is not the one its sources give: rebuild it", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    ARTEFACT.write_bytes(build())
    CARD.write_text(json.dumps(card(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{ARTEFACT.name}: {ARTEFACT.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the artefact against its card")
    sys.exit(check() if parser.parse_args().check else main())
