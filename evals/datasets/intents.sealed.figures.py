"""Figures of the sealed intents set, each computed by its own SQL on a fresh store with the demo data.

    python evals/datasets/intents.sealed.figures.py           # print the computed value of every figure item, by id
    python evals/datasets/intents.sealed.figures.py --check   # exit 1 when a value in the set differs

The store is prepared (``mattran.bootstrap.prepare_store``: embedded PostgreSQL, migrations, reference data,
demo data) in a temporary data dir that is removed afterwards; set ``MATTRAN_DATA_DIR`` to reuse a data dir
instead (it is then left in place). The queries run as the store's owner, so row-level security does not
narrow them: the scope of each question is written into its SQL (one committee, or a unit and the units
below it). Congress figures are for the demo term 2024–2029.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASET = HERE / "intents.sealed.jsonl"
TERM = "2024–2029"


def _unit_filter(code: str, tree: bool, alias: str) -> str:
    """The rows of one committee (``tree=False``) or of a unit and every unit below it."""
    if tree:
        return f"{alias}.unit_path <@ (select path from units where code = '{code}')"
    return f"{alias}.unit_code = '{code}'"


def M(code: str, where: str = "true", tree: bool = False) -> str:
    """Committee members of ``code`` (its own committee, or with ``tree`` also the committees below it)."""
    return f"select count(*) from members m where {_unit_filter(code, tree, 'm')} and ({where})"


def C(code: str, where: str) -> str:
    """Communes and wards (level 2) under ``code`` whose congress of the term matches ``where``."""
    return (
        "select count(*) from congresses c join units u on u.code = c.unit_code "
        f"where u.level = 2 and u.path <@ (select path from units where code = '{code}') "
        f"and c.term = '{TERM}' and ({where})"
    )


def C1(code: str, column: str) -> str:
    """One column of the congress of ``code`` for the term."""
    return f"select {column} from congresses where unit_code = '{code}' and term = '{TERM}'"


def P(code: str, where: str) -> str:
    """Percentage (one decimal) of the communes and wards under ``code`` whose congress matches ``where``."""
    return (
        f"select round(100.0 * count(*) filter (where {where}) / count(*), 1) "
        "from congresses c join units u on u.code = c.unit_code "
        f"where u.level = 2 and u.path <@ (select path from units where code = '{code}') and c.term = '{TERM}'"
    )


FIGURES: dict[str, str] = {
    "s0001": M("08611", "gender = 'nu'"),
    "s0002": M("07900"),
    "s0003": M("08611", "ethnicity = 'Mường'"),
    "s0004": M("07900", "religion = 'Công giáo'"),
    "s0005": M("25", "gender = 'nu'"),
    "s0006": M("25", "gender = 'nu'", tree=True),
    "s0007": M("08620"),
    "s0008": M("25", "ethnicity = 'Mường'", tree=True),
    "s0009": M("08740", "ethnicity = 'Mường'"),
    "s0010": M("04897", "gender = 'nu'"),
    "s0011": M("01", "birth_year >= 1990"),
    "s0012": M("00166", "religion = 'Công giáo'"),
    "s0013": M("00328", "gender = 'nam'"),
    "s0014": M("01", "religion = 'Tin Lành'", tree=True),
    "s0015": M("46", "ethnicity = 'Tà Ôi'"),
    "s0016": M("20044", "gender = 'nu'"),
    "s0017": M("46", "ethnicity = 'Cơ Tu'", tree=True),
    "s0018": M("31", "position = 'Phó Chủ tịch'"),
    "s0019": M("10570", "gender = 'nu'"),
    "s0020": M("11203", "organisation = 'Hội Cựu chiến binh'"),
    "s0021": M("TW", "gender = 'nu'"),
    "s0022": M("TW", tree=True),
    "s0023": M("25"),
    "s0024": M("TW", "religion = 'Phật giáo'"),
    "s0025": M("08611", "organisation = 'Hội Cựu chiến binh'"),
    "s0026": M("08611", "birth_year < 1980"),
    "s0027": M("07900", "organisation = 'Ban công tác Mặt trận khu dân cư'"),
    "s0028": M("07900", "position = 'Ủy viên Ban Thường trực'"),
    "s0029": M("08620", "gender = 'nu'"),
    "s0030": M("00166", "gender = 'nam'"),
    "s0031": M("19804", "religion = 'Phật giáo'"),
    "s0032": M("10570", "ethnicity = 'Kinh'"),
    "s0033": (
        "select count(distinct m.unit_code) from members m join units u on u.code = m.unit_code "
        "where u.parent_code = '25'"
    ),
    "s0034": (
        "select count(distinct m.unit_code) from members m join units u on u.code = m.unit_code where u.level = 1"
    ),
    "s0035": M("25", "organisation = 'Hội Nông dân'"),
    "s0036": M("46", "position in ('Chủ tịch', 'Phó Chủ tịch')"),
    "s0037": M("31", "birth_year >= 1990", tree=True),
    "s0038": M("46", "gender = 'nu'"),
    "s0039": C1("08611", "delegates_attending"),
    "s0040": C1("08611", "committee_size"),
    "s0041": C1("07900", "delegates_planned"),
    "s0042": C1("07900", "committee_size"),
    "s0043": C1("00166", "delegates_planned"),
    "s0044": (
        "select delegates_planned - delegates_attending from congresses "
        "where unit_code = '10342' and term = '2024–2029'"
    ),
    "s0045": C1("08620", "delegates_attending"),
    "s0046": C1("19804", "committee_size"),
    "s0047": C("25", "status in ('da_to_chuc', 'hoan_thanh')"),
    "s0048": C("25", "status = 'chua_trien_khai'"),
    "s0049": C("25", "status = 'dang_chuan_bi'"),
    "s0050": C1("25", "delegates_planned"),
    "s0051": C("01", "status in ('chua_trien_khai', 'dang_chuan_bi')"),
    "s0052": C("01", "status = 'hoan_thanh'"),
    "s0053": C1("00166", "delegates_attending"),
    "s0054": P("01", "status in ('da_to_chuc', 'hoan_thanh')"),
    "s0055": C("46", "status = 'hoan_thanh'"),
    "s0056": C("46", "status = 'chua_trien_khai'"),
    "s0057": C1("19918", "committee_size"),
    "s0058": C("31", "status = 'dang_chuan_bi'"),
    "s0059": C("31", "status in ('da_to_chuc', 'hoan_thanh')"),
    "s0060": C1("31", "delegates_attending"),
    "s0061": (
        "select count(*) from congresses c join units u on u.code = c.unit_code "
        "where u.level = 1 and c.term = '2024–2029' and c.status in ('da_to_chuc', 'hoan_thanh')"
    ),
    "s0062": C("TW", "status in ('da_to_chuc', 'hoan_thanh')"),
    "s0063": C("25", "status = 'chua_trien_khai'"),
    "s0064": P("46", "status in ('da_to_chuc', 'hoan_thanh')"),
    "s0065": (
        "select sum(c.delegates_attending) from congresses c join units u on u.code = c.unit_code "
        "where u.parent_code = '25' and c.term = '2024–2029'"
    ),
    "s0066": C("25", "held_date > planned_date"),
    "s0067": C("01", "planned_date between '2024-05-01' and '2024-05-31'"),
    "s0068": C("46", "held_date > planned_date"),
    "s0069": C("31", "planned_date is null"),
    "s0070": C("TW", "status = 'dang_chuan_bi'"),
    "s0071": C1("08611", "delegates_attending"),
    "s0072": C1("00493", "committee_size"),
    "s0073": C1("10675", "delegates_planned"),
    "s0074": C1("10570", "committee_size"),
    "s0569": M("08611", "religion = 'Phật giáo'"),
    "s0570": M("07900", "birth_year >= 1990"),
    "s0571": M("07900", "gender = 'nu'"),
    "s0572": M("05086", "organisation = 'Hội Người cao tuổi'"),
    "s0573": M("00622", "religion = 'Tin Lành'"),
    "s0574": M("20017", "ethnicity = 'Cơ Tu'"),
    "s0575": M("31", "religion = 'Công giáo'"),
    "s0576": C1("10966", "delegates_attending"),
    "s0577": C1("20017", "committee_size"),
    "s0578": C1("05086", "delegates_attending"),
    "s0579": C("01", "status = 'dang_chuan_bi'"),
    "s0580": C1("00328", "committee_size"),
    "s0581": C1("08611", "delegates_planned"),
    "s0656": M("09856", "religion = 'Phật giáo'"),
    "s0657": M("10675", "gender = 'nu'"),
    "s0778": M("07900", "birth_year >= 1990"),
    "s0782": C("25", "status in ('chua_trien_khai', 'dang_chuan_bi')"),
    "s0784": P("46", "status in ('da_to_chuc', 'hoan_thanh')"),
}


def compute(data_dir: Path) -> dict[str, int | float | None]:
    """Prepare the store in ``data_dir`` and run every figure's SQL as the owner."""
    import psycopg

    os.environ["MATTRAN_DATA_DIR"] = str(data_dir)
    from mattran.bootstrap import prepare_store
    from mattran.settings import Settings

    urls = prepare_store(
        Settings(env="development", data_dir=data_dir, demo_data=True), say=lambda m: print(m, file=sys.stderr)
    )
    values: dict[str, int | float | None] = {}
    with psycopg.connect(urls.owner) as conn:
        for item_id, sql in FIGURES.items():
            row = conn.execute(sql).fetchone()
            value = row[0] if row else None
            values[item_id] = float(value) if isinstance(value, Decimal) else value
    return values


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compute"]:  # child process: the embedded server stops when it exits
        Path(argv[1]).write_text(json.dumps(compute(Path(argv[2]))), encoding="utf-8")
        return 0
    check = "--check" in argv
    reuse = os.environ.get("MATTRAN_DATA_DIR")
    data_dir = Path(reuse) if reuse else Path(tempfile.mkdtemp(prefix="mattran-sealed-figures-"))
    try:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            out_path = Path(out.name)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parents[1]), os.environ.get("PYTHONPATH")])),
        }
        subprocess.run([sys.executable, __file__, "--compute", str(out_path), str(data_dir)], check=True, env=env)
        computed = json.loads(out_path.read_text(encoding="utf-8"))
        out_path.unlink()
    finally:
        if not reuse:
            shutil.rmtree(data_dir, ignore_errors=True)
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    with_figure = {item["id"]: item for item in items if "figure" in item}
    problems = [f"{i}: figure item without SQL" for i in with_figure if i not in FIGURES]
    problems += [f"{i}: SQL for an item without a figure" for i in FIGURES if i not in with_figure]
    for item_id, value in computed.items():
        item = with_figure.get(item_id)
        stored = item["figure"]["value"] if item else None
        mark = "" if stored == value else f"   <-- set has {stored!r}"
        if mark:
            problems.append(f"{item_id}: computed {value!r}, set has {stored!r}")
        if not check:
            print(f"{item_id}\t{value}\t{item['figure']['query'] if item else ''}{mark}")
    print(f"{len(computed)} figures computed, {len(problems)} problem(s)", file=sys.stderr)
    for problem in problems:
        print("  " + problem, file=sys.stderr)
    return 1 if check and problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
