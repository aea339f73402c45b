"""Benchmark: this tree against an earlier commit, in one run on the same machine.

Checks out COMMIT in a temporary git worktree (sharing this tree's ``.venv``, test models and ``../shared``), then
runs the library's search benchmark (``bench_search.py``) and the encoder benchmark (``bench_embed.py``) of each
tree in turn, earlier first, each on its own store, and prints the ratios a change of the library is judged by:
search p95 at the size asked for (cadre and citizen, without and with the real query embedding) and the default
encoder's and the ingest pipeline's chunks/s. A tree whose search benchmark prewarms the store is run ``--cold``, as
one that does not is.

Run: .venv/bin/python scripts/bench_against.py COMMIT [--sizes 100000] [--chunks 300] [--data-dir DIR]
     [--only search|embed] [--repeats N]
     (the data dirs are kept, so a second run reuses the loaded chunks)
Writes artifacts/bench/against.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench_host import cpu_model

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "bench"
SHARED = ("../shared", ".venv", ".mattran/test-models")


def worktree(commit: str, under: Path) -> Path:
    """A detached worktree of ``commit`` at ``under/repo`` with this tree's environment beside it."""
    repo = under / "repo"
    if not repo.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(repo), commit], check=True)
    for name in SHARED:
        target = (ROOT / name).resolve()
        link = (repo / name).resolve() if not name.startswith("..") else under / "shared"
        if target.exists() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
    return repo


def run(tree: Path, script: str, args: list[str], output: Path) -> dict[str, Any]:
    """Runs ``tree``'s own benchmark script with its own code first on the path; its JSON output."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    command = [str(ROOT / ".venv" / "bin" / "python"), str(tree / "scripts" / script), *args, "--output", str(output)]
    print(f"\n$ ({tree}) {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=tree, env=env, check=True)
    return json.loads(output.read_text(encoding="utf-8"))


def knows(tree: Path, script: str, option: str) -> bool:
    """Whether ``tree``'s benchmark script accepts ``option`` (asked through its ``--help``)."""
    command = [str(ROOT / ".venv" / "bin" / "python"), str(tree / "scripts" / script), "--help"]
    env = os.environ | {"PYTHONPATH": str(tree)}
    shown = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    return option in shown.stdout.split()


def search_figures(result: dict[str, Any], size: str) -> dict[str, float]:
    """p95 (ms) of the search per scope, without and with the real query embedding."""
    figures = {f"p95 {label}": row["total"]["p95"] for label, row in result["sizes"][size]["search"].items()}
    for label, row in result.get("full_search", {}).items():
        if isinstance(row, dict):
            figures[f"p95 {label} + embedding"] = row["p95"]
    return figures


def embed_figures(result: dict[str, Any]) -> dict[str, float]:
    """Chunks/s of the default encoder and of the ingest pipeline."""
    return {
        "default encoder": result["encoders"][result["default_config"]]["rate"],
        "pipeline": result["pipeline"]["rate"],
    }


def main() -> None:
    """Measure both trees, print the ratios, write artifacts/bench/against.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="the earlier commit (e.g. the one before the work measured)")
    parser.add_argument("--sizes", default="100000", help="chunk count of the search benchmark")
    parser.add_argument("--chunks", type=int, default=300, help="chunks of the encoder benchmark")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mattran-bench-against")
    parser.add_argument("--only", choices=("search", "embed"), help="one of the two benchmarks")
    parser.add_argument(
        "--repeats", type=int, default=1, help="search runs per tree, alternating (the median p95 is compared)"
    )
    parser.add_argument("--output", type=Path, default=OUT / "against.json")
    args = parser.parse_args()
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.commit], capture_output=True, text=True, check=True)
    base = sha.stdout.strip()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    trees = {"before": worktree(base, args.data_dir / base[:12]), "now": ROOT}
    size = args.sizes.split(",")[-1]
    figures: dict[str, dict[str, float]] = {name: {} for name in trees}
    encoders: dict[str, str] = {}
    work = {name: args.data_dir / (base[:12] if name == "before" else "now") for name in trees}
    if args.only != "embed":
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        cold = {name: knows(tree, "bench_search.py", "--cold") for name, tree in trees.items()}  # asked once a tree
        for _ in range(args.repeats):  # alternating, so that a slow spell of the machine touches both
            for name, tree in trees.items():
                search_args = ["--sizes", args.sizes, "--data-dir", str(work[name] / "search")]
                if args.repeats > 1:
                    search_args += ["--recall-queries", "20"]
                if cold[name]:
                    search_args += ["--cold"]  # measured as a tree without the prewarming is
                search = run(tree, "bench_search.py", search_args, work[name] / "search.json")
                runs[name].append(search_figures(search, size))
        for name, measured in runs.items():
            print(f"{name}: " + "; ".join(", ".join(f"{k} {v}" for k, v in m.items()) for m in measured))
            figures[name] |= {k: round(statistics.median(m[k] for m in measured), 2) for k in measured[0]}
    for name, tree in trees.items():
        if args.only != "search":
            embed = run(tree, "bench_embed.py", ["--chunks", str(args.chunks), "--data-dir", str(work[name] / "embed")],
                        work[name] / "embed.json")  # fmt: skip
            figures[name] |= embed_figures(embed)
            encoders[name] = embed["default_config"]
    print(f"\n{cpu_model()}; {int(size):,} đoạn; trước = {base[:12]}, nay = {head.stdout.strip()[:12]}")
    if encoders:
        print(f"bộ mã hóa mặc định: trước {encoders['before']}, nay {encoders['now']}")
    print("| số đo | trước | nay | nay / trước |\n|---|---|---|---|")
    for label in [k for k in figures["now"] if k in figures["before"]]:
        old, new = figures["before"][label], figures["now"][label]
        print(f"| {label} | {old} | {new} | {new / old:.2f} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"commits": {"before": base, "now": head.stdout.strip()}, "cpu": cpu_model(), "encoders": encoders}
            | {"figures": figures},
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
