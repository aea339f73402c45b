#!/usr/bin/env python3
"""Check `library.dev.jsonl` against the laws and its brief (`library.dev.brief.md`).

For every item it prints the longest run of consecutive words the query shares with its gold article
(compared without diacritics and case); it exits 1 when such a run is longer than four words and the item is
not marked ``"term_run": true``, or when an item is malformed (unknown file, no such article or clause, wrong
``accented`` flag, unknown ``kind`` or tag, text not NFC, duplicate id or query), or when it is on one of the three
laws kept out of all tuning.  At the end it prints the composition the brief asks for (counts per law, accented /
unaccented, clause items, kinds, tags, the distribution of longest shared runs) and fails when the composition is
not met: at least 180 items, none on the held-out laws, at least 12 on each of the other eight, >= 30 % without
diacritics, >= 20 % clause items, >= 25 % framed by the asker's situation, >= 20 % tagged ``neighbour`` (the right
law sits among neighbours sharing vocabulary).  Same paraphrase rule as ``library.sealed.check.py``.

Laws directory: ``$LAWS_DIR`` if set, else the first of ``<repo>/../shared/corpus/laws``,
``<repo>/../../shared/corpus/laws``, ``<repo>/shared/corpus/laws``, ``/work/shared/corpus/laws`` that exists.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
DATASET = HERE / "library.dev.jsonl"
MIN_ITEMS = 180
MIN_PER_LAW = 12
MIN_UNACCENTED_SHARE = 0.30
MIN_CLAUSE_SHARE = 0.20
MIN_SITUATION_SHARE = 0.25
MIN_NEIGHBOUR_SHARE = 0.20
KINDS = ("direct", "situation", "complaint")
TAGS = ("neighbour",)


def _sealed_checker() -> ModuleType:
    """The sealed set's checker (its laws directory, article reader, folding and shared-run rule), loaded as a module:
    the dev set is held to the same paraphrase rule by the same code (its data is never read here)."""
    spec = importlib.util.spec_from_file_location("library_sealed_check", HERE / "library.sealed.check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_shared = _sealed_checker()
MAX_RUN: int = _shared.MAX_RUN
HELD_OUT: tuple[str, ...] = _shared.HELD_OUT
LONG_ARTICLE_WORDS: int = _shared.LONG_ARTICLE_WORDS
laws_dir = _shared.laws_dir
articles = _shared.articles
clauses = _shared.clauses
fold = _shared.fold
longest_run = _shared.longest_run
has_diacritics = _shared.has_diacritics


def main() -> int:
    ldir = laws_dir()
    law_cache: dict[str, dict[int, list[str]]] = {}

    def law(name: object) -> dict[int, list[str]] | None:
        """The articles of a law file, read once; None when there is no such file."""
        if str(name) not in law_cache:
            path = ldir / str(name)
            if not path.is_file():
                return None
            law_cache[str(name)] = articles(path)
        return law_cache[str(name)]

    errors: list[str] = []
    items = []
    for n, raw in enumerate(DATASET.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        if unicodedata.normalize("NFC", raw) != raw:
            errors.append(f"line {n}: not NFC")
        try:
            items.append(json.loads(raw))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")

    allowed = {"id", "query", "file", "article", "clause", "also", "accented", "term_run", "kind", "tags"}
    ids, queries = set(), set()
    runs: collections.Counter[int] = collections.Counter()
    per_law: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    tags: collections.Counter[str] = collections.Counter()
    clause_items = accented = 0
    for it in items:
        iid = it.get("id", "?")
        extra = set(it) - allowed
        if extra:
            errors.append(f"{iid}: unknown keys {sorted(extra)}")
        if iid in ids:
            errors.append(f"{iid}: duplicate id")
        ids.add(iid)
        q = it.get("query", "")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{iid}: empty query")
            continue
        key = " ".join(fold(q))
        if key in queries:
            errors.append(f"{iid}: duplicate query")
        queries.add(key)
        nwords = len(q.split())
        if not 3 <= nwords <= 40:
            errors.append(f"{iid}: {nwords} words (3 to 40 expected)")
        fname = it.get("file")
        if fname in HELD_OUT:
            errors.append(f"{iid}: {fname} is kept out of all tuning")
        kind = it.get("kind")
        if kind not in KINDS:
            errors.append(f"{iid}: kind {kind!r} not one of {KINDS}")
        kinds[str(kind)] += 1
        item_tags = it.get("tags", [])
        if not isinstance(item_tags, list) or any(t not in TAGS for t in item_tags):
            errors.append(f"{iid}: tags {item_tags!r} not a list of {TAGS}")
            item_tags = []
        tags.update(item_tags)
        arts = law(fname)
        if arts is None:
            errors.append(f"{iid}: no law file {fname!r}")
            continue
        art = it.get("article")
        if not isinstance(art, int) or art not in arts:
            errors.append(f"{iid}: {fname} has no article {art!r}")
            continue
        lines = arts[art]
        cl = it.get("clause")
        if cl is not None:
            if not isinstance(cl, int) or cl not in clauses(lines):
                errors.append(f"{iid}: article {art} has no clause {cl!r}")
            words = len(" ".join(lines).split())
            if words <= LONG_ARTICLE_WORDS:
                errors.append(f"{iid}: clause item on a short article ({words} words)")
            clause_items += 1
        for also in it.get("also", []) or []:
            af = also.get("file")
            also_arts = law(af)
            if also_arts is None:
                errors.append(f"{iid}: also: no law file {af!r}")
                continue
            if also.get("article") not in also_arts:
                errors.append(f"{iid}: also: {af} has no article {also.get('article')!r}")
            if af == fname and also.get("article") == art:
                errors.append(f"{iid}: also repeats the gold article")
        acc = it.get("accented")
        if acc is not has_diacritics(q):
            errors.append(
                f"{iid}: accented is {acc!r} but the query {'has' if has_diacritics(q) else 'has no'} diacritics"
            )
        accented += bool(acc)
        per_law[fname] += 1
        run, text = longest_run(fold(q), fold("\n".join(lines)))
        runs[run] += 1
        mark = ""
        if run > MAX_RUN:
            if it.get("term_run") is True:
                mark = "  (term_run)"
            else:
                mark = "  <-- TOO LONG"
                errors.append(f"{iid}: shares a run of {run} words with {fname} art. {art} and is not term_run")
        print(f"{iid}\t{fname[:34]:34}\tart {art:>3}\tclause {cl!s:>4}\trun {run}: {text}{mark}")

    total = len(items)
    laws = sorted(p.name for p in ldir.glob("*.txt") if p.name not in HELD_OUT)
    unacc = total - accented
    print("\n== composition ==")
    print(f"items: {total}")
    for f, c in sorted(per_law.items(), key=lambda kv: -kv[1]):
        print(f"  {c:4d}  {f}{'  (held-out)' if f in HELD_OUT else ''}")
    if total:
        print("kinds: " + ", ".join(f"{k}: {kinds[k]} ({kinds[k] / total:.1%})" for k in KINDS))
        print("tags: " + ", ".join(f"{t}: {tags[t]} ({tags[t] / total:.1%})" for t in TAGS))
        print(f"accented: {accented}, unaccented: {unacc} ({unacc / total:.1%})")
        print(f"clause items: {clause_items} ({clause_items / total:.1%})")
        print("longest shared run (words): " + ", ".join(f"{k}: {runs[k]}" for k in sorted(runs)))
        print(f"term_run items: {sum(1 for it in items if it.get('term_run') is True)}")
    if total < MIN_ITEMS:
        errors.append(f"only {total} items (< {MIN_ITEMS})")
    for f in laws:
        if per_law[f] < MIN_PER_LAW:
            errors.append(f"only {per_law[f]} items on {f} (< {MIN_PER_LAW})")
    if total and kinds["situation"] / total < MIN_SITUATION_SHARE:
        errors.append(f"situation share {kinds['situation'] / total:.1%} < {MIN_SITUATION_SHARE:.0%}")
    if total and tags["neighbour"] / total < MIN_NEIGHBOUR_SHARE:
        errors.append(f"neighbour share {tags['neighbour'] / total:.1%} < {MIN_NEIGHBOUR_SHARE:.0%}")
    if total and unacc / total < MIN_UNACCENTED_SHARE:
        errors.append(f"unaccented share {unacc / total:.1%} < {MIN_UNACCENTED_SHARE:.0%}")
    if total and clause_items / total < MIN_CLAUSE_SHARE:
        errors.append(f"clause share {clause_items / total:.1%} < {MIN_CLAUSE_SHARE:.0%}")
    if errors:
        print("\n== errors ==")
        for error in errors:
            print(error)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
