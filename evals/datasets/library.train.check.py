#!/usr/bin/env python3
"""Check one part of the library's training questions (`library.train.<part>.jsonl`) against the laws and its brief.

Usage: ``library.train.check.py evals/datasets/library.train.a.jsonl``.  The brief is `library.train.brief.md`;
the rules are the sealed set's (`library.sealed.check.py`) with the training brief's differences, and the
composition rules apply to each part on its own.

For every item it prints the longest run of consecutive words the query shares with its gold article (compared
without diacritics and case); it exits 1 when such a run is longer than four words and the item is not marked
``"term_run": true``, or when an item is malformed: unknown keys or kind, ids not ``T<PART>NNN``, a law kept out of
all tuning (Luật Tố cáo, Luật Tiếp cận thông tin, Luật Bảo hiểm xã hội), unknown file, no such article or clause,
a ``clause`` item without its clause or on a short article, wrong ``accented`` flag, text not NFC, duplicate id,
duplicate or near-copy query (word-set overlap), a query under 3 or over 40 words.  At the end it prints the part's
composition and fails when it is not met: at least 230 items; at least 35 per law and the Constitution at exactly
35 when present; the other laws within a band around their share by size; at most 4 items per article; at least
30 % unaccented (some with chat abbreviations), 20 % ``clause``, 25 % ``situation`` and 15 % ``neighbour`` items.
It prints ids and numbers, never queries.

Laws directory: ``$LAWS_DIR`` if set, else the first of ``<repo>/../shared/corpus/laws``,
``<repo>/../../shared/corpus/laws``, ``<repo>/shared/corpus/laws``, ``/work/shared/corpus/laws`` that exists.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MAX_RUN = 4
KEPT_OUT = (
    "Luat-To-cao-336713.txt",
    "Luat-tiep-can-thong-tin-2016-280116.txt",
    "Luat-Bao-hiem-xa-hoi-2014-259700.txt",
)
CONSTITUTION = "Hien-phap-2013.txt"
CONSTITUTION_ITEMS = 35
KINDS = ("situation", "direct", "clause", "neighbour")
MIN_ITEMS = 230
MIN_PER_LAW = 35
MAX_PER_ARTICLE = 4
SHARE_BAND = (0.67, 1.5)  # a law's count against its share of the non-Constitution items by file size
MIN_UNACCENTED_SHARE = 0.30
MIN_ABBREVIATED_OF_UNACCENTED = 0.10
MIN_KIND_SHARE = {"clause": 0.20, "situation": 0.25, "neighbour": 0.15}
LONG_ARTICLE_WORDS = 200
NEAR_COPY_JACCARD = 0.8
ABBREVIATIONS = frozenset({"ko", "k", "dc", "j", "bn", "kh", "hok", "vs", "ntn", "z", "r", "ng", "dk", "bh", "mk"})

ARTICLE_RE = re.compile(r"^\s*Điều\s+(\d+)\s*\.")
CLAUSE_RE = re.compile(r"^\s*(\d+)\s*\.\s")
PART_RE = re.compile(r"^library\.train\.([a-z0-9]+)\.jsonl$")


def laws_dir() -> Path:
    env = os.environ.get("LAWS_DIR")
    candidates = [Path(env)] if env else []
    candidates += [
        REPO.parent / "shared" / "corpus" / "laws",
        REPO.parent.parent / "shared" / "corpus" / "laws",
        REPO / "shared" / "corpus" / "laws",
        Path("/work/shared/corpus/laws"),
    ]
    for c in candidates:
        if c.is_dir():
            return c
    sys.exit("laws directory not found (set LAWS_DIR)")


def articles(path: Path) -> dict[int, list[str]]:
    """Article number -> its lines (from its "Điều N." line up to the next article); first occurrence wins."""
    out: dict[int, list[str]] = {}
    cur: int | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = ARTICLE_RE.match(line)
        if m:
            cur = int(m.group(1))
            if cur in out:  # a later "Điều N." of the same number (should not happen): ignore it
                cur = None
                continue
            out[cur] = [line]
            continue
        if cur is not None:
            out[cur].append(line)
    return out


def clauses(lines: list[str]) -> set[int]:
    return {int(m.group(1)) for ln in lines[1:] if (m := CLAUSE_RE.match(ln))}


def fold(text: str) -> list[str]:
    """Lower-case words with diacritics removed (đ -> d)."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.findall(r"[a-z0-9]+", text)


def longest_run(q: list[str], a: list[str]) -> tuple[int, str]:
    """Longest common run of consecutive words (dynamic programming over the two word lists)."""
    best, end = 0, 0
    prev = [0] * (len(a) + 1)
    for i in range(1, len(q) + 1):
        cur = [0] * (len(a) + 1)
        qi = q[i - 1]
        for j in range(1, len(a) + 1):
            if qi == a[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, end = cur[j], i
        prev = cur
    return best, " ".join(q[end - best : end])


def has_diacritics(text: str) -> bool:
    if "đ" in text.lower():
        return True
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", text))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} evals/datasets/library.train.<part>.jsonl")
    dataset = Path(argv[1])
    m = PART_RE.match(dataset.name)
    if not m or not dataset.is_file():
        sys.exit(f"{dataset}: not a library.train.<part>.jsonl file")
    id_re = re.compile(rf"^T{re.escape(m.group(1).upper())}\d{{3,}}$")
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
    for n, raw in enumerate(dataset.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        if unicodedata.normalize("NFC", raw) != raw:
            errors.append(f"line {n}: not NFC")
        try:
            items.append(json.loads(raw))
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")

    allowed = {"id", "query", "file", "article", "clause", "also", "accented", "term_run", "kind"}
    ids: set[str] = set()
    queries: dict[str, str] = {}
    word_sets: list[tuple[str, frozenset[str]]] = []
    runs: collections.Counter[int] = collections.Counter()
    per_law: collections.Counter[str] = collections.Counter()
    per_article: collections.Counter[tuple[str, int]] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    accented = abbreviated = 0
    for it in items:
        iid = it.get("id", "?")
        extra = set(it) - allowed
        if extra:
            errors.append(f"{iid}: unknown keys {sorted(extra)}")
        if not isinstance(iid, str) or not id_re.match(iid):
            errors.append(f"{iid}: id does not match {id_re.pattern}")
        if iid in ids:
            errors.append(f"{iid}: duplicate id")
        ids.add(iid)
        kind = it.get("kind")
        if kind not in KINDS:
            errors.append(f"{iid}: kind {kind!r} not one of {KINDS}")
        kinds[str(kind)] += 1
        q = it.get("query", "")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{iid}: empty query")
            continue
        words = fold(q)
        key = " ".join(words)
        if key in queries:
            errors.append(f"{iid}: duplicate query (of {queries[key]})")
        queries[key] = iid
        word_sets.append((iid, frozenset(words)))
        nwords = len(q.split())
        if not 3 <= nwords <= 40:
            errors.append(f"{iid}: {nwords} words (3 to 40 expected)")
        fname = it.get("file")
        if fname in KEPT_OUT:
            errors.append(f"{iid}: {fname} is kept out of all tuning")
            continue
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
        if kind == "clause" and cl is None:
            errors.append(f"{iid}: a clause item without its clause")
        if cl is not None:
            if not isinstance(cl, int) or cl not in clauses(lines):
                errors.append(f"{iid}: article {art} has no clause {cl!r}")
            article_words = len(" ".join(lines).split())
            if article_words <= LONG_ARTICLE_WORDS:
                errors.append(f"{iid}: clause on a short article ({article_words} words)")
        for also in it.get("also", []) or []:
            af = also.get("file")
            if af in KEPT_OUT:
                errors.append(f"{iid}: also: {af} is kept out of all tuning")
                continue
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
        if not acc and ABBREVIATIONS.intersection(words):
            abbreviated += 1
        per_law[str(fname)] += 1
        per_article[(str(fname), art)] += 1
        run, text = longest_run(words, fold("\n".join(lines)))
        runs[run] += 1
        mark = ""
        if run > MAX_RUN:
            if it.get("term_run") is True:
                mark = "  (term_run)"
            else:
                mark = "  <-- TOO LONG"
                errors.append(f"{iid}: shares a run of {run} words with {fname} art. {art} and is not term_run")
        print(f"{iid}\t{fname[:34]:34}\tart {art:>3}\tclause {cl!s:>4}\t{kind!s:9}\trun {run}: {text}{mark}")

    for (ia, wa), (ib, wb) in itertools.combinations(word_sets, 2):
        if wa and wb and len(wa & wb) / len(wa | wb) >= NEAR_COPY_JACCARD:
            errors.append(f"{ib}: a near copy of {ia} (word-set overlap {len(wa & wb) / len(wa | wb):.2f})")

    total = len(items)
    unacc = total - accented
    print(f"\n== composition of {dataset.name} ==")
    print(f"items: {total}")
    sizes = {f: (ldir / f).stat().st_size for f in per_law}
    others = {f: c for f, c in per_law.items() if f != CONSTITUTION}
    other_total, other_size = sum(others.values()), sum(sizes[f] for f in others)
    for f, c in sorted(per_law.items(), key=lambda kv: -kv[1]):
        note = f"  (share by size {other_total * sizes[f] / other_size:.1f})" if f in others else ""
        print(f"  {c:4d}  {f}{note}")
        if c < MIN_PER_LAW:
            errors.append(f"{f}: {c} items (< {MIN_PER_LAW})")
        if f == CONSTITUTION and c != CONSTITUTION_ITEMS:
            errors.append(f"{f}: {c} items ({CONSTITUTION_ITEMS} expected: few, but not fewer)")
        if f in others:
            expected = max(MIN_PER_LAW, other_total * sizes[f] / other_size)
            if not SHARE_BAND[0] * expected <= c <= SHARE_BAND[1] * expected:
                errors.append(f"{f}: {c} items, out of proportion to its size (expected about {expected:.0f})")
    crowded = {k: c for k, c in per_article.items() if c > MAX_PER_ARTICLE}
    for (f, art), c in sorted(crowded.items()):
        errors.append(f"{f} art. {art}: {c} items (> {MAX_PER_ARTICLE})")
    print(f"articles: {len(per_article)}, most items on one article: {max(per_article.values(), default=0)}")
    if total:
        print(f"accented: {accented}, unaccented: {unacc} ({unacc / total:.1%}), abbreviated unaccented: {abbreviated}")
        print("kinds: " + ", ".join(f"{k}: {kinds[k]} ({kinds[k] / total:.1%})" for k in KINDS))
        print("longest shared run (words): " + ", ".join(f"{k}: {runs[k]}" for k in sorted(runs)))
        print(f"term_run items: {sum(1 for it in items if it.get('term_run') is True)}")
        if unacc / total < MIN_UNACCENTED_SHARE:
            errors.append(f"unaccented share {unacc / total:.1%} < {MIN_UNACCENTED_SHARE:.0%}")
        if unacc and abbreviated / unacc < MIN_ABBREVIATED_OF_UNACCENTED:
            errors.append(f"only {abbreviated} unaccented items with abbreviations (ko, dc, k, j, bn…)")
        for k, share in MIN_KIND_SHARE.items():
            if kinds[k] / total < share:
                errors.append(f"{k} share {kinds[k] / total:.1%} < {share:.0%}")
    if total < MIN_ITEMS:
        errors.append(f"only {total} items (< {MIN_ITEMS})")
    if errors:
        print("\n== errors ==")
        for error in errors:
            print(error)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
