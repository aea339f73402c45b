"""Score what ``mattran chat --batch FILE --json`` wrote against FILE's labels (aggregates only for a sealed set).

mattran chat --batch evals/datasets/intents.dev.jsonl --json > /tmp/out.jsonl
python scripts/score_chat_batch.py evals/datasets/intents.dev.jsonl /tmp/out.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evals import routing


def main(labelled: Path, written: Path) -> None:
    cases = routing.load(labelled)
    outputs = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = routing.score_outputs(cases, outputs, show=not routing.is_sealed(labelled))
    print(json.dumps(routing.describe(report), ensure_ascii=False, indent=1))
    for failure in report.failures:
        print(json.dumps(failure, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
