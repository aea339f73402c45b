"""Build a masking dataset (JSONL with exact offsets) from its hand-written source, one petition per line.

Source markup: ``⟦kind:text⟧`` labels a personal-data span (kinds: p phone, i id_number, e email, b bank_account,
n person, a address, s birth), ``⟪text⟫`` a string that must not be masked; `` ## name | phone | email`` at the end
of a line gives the petitioner's contact; ``#`` starts a comment line. Every third line is also written without
diacritics (as a third of real petitions are typed). Usage:
``python -m evals.make_masking_dataset evals/datasets/masking.train.src evals/datasets/masking.train.jsonl t``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from mattran.domain.text import strip_marks

KINDS = {"p": "phone", "i": "id_number", "e": "email", "b": "bank_account", "n": "person", "a": "address", "s": "birth"}
_MARK = re.compile(r"⟦(\w):(.+?)⟧|⟪(.+?)⟫")


def parse(line: str, ident: str, plain: bool) -> dict[str, Any]:
    """One source line as a dataset item (``plain``: written without diacritics)."""
    body, _, contact = line.partition(" ## ")
    if plain:
        body, contact = strip_marks(body), strip_marks(contact)
    text, spans, keep, at = [], [], [], 0
    for m in _MARK.finditer(body):
        text.append(body[at : m.start()])
        start = sum(map(len, text))
        value = m.group(2) or m.group(3)
        text.append(value)
        if m.group(1):
            spans.append({"start": start, "end": start + len(value), "kind": KINDS[m.group(1)], "text": value})
        else:
            keep.append(value)
        at = m.end()
    text.append(body[at:])
    fields = [f.strip() or None for f in contact.split("|")] if contact else []
    item: dict[str, Any] = {
        "id": ident,
        "text": "".join(text),
        "contact": dict(zip(("full_name", "phone", "email"), fields + [None] * (3 - len(fields)), strict=True)),
        "spans": spans,
        "keep": keep,
        "diacritics": not plain,
    }
    for span in spans:
        assert item["text"][span["start"] : span["end"]] == span["text"]
    return item


def build(source: Path, target: Path, prefix: str) -> int:
    """Write ``target`` from ``source``; the number of items."""
    lines = [ln.strip() for ln in source.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    items = []
    for n, line in enumerate(lines, 1):
        typed_plain = re.sub("[⟦⟧⟪⟫]", "", line).isascii()
        items.append(parse(line, f"{prefix}{n:03d}", plain=(n % 3 == 0) or typed_plain))
    target.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return len(items)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
