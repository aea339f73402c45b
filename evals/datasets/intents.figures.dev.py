"""Figures of the development set of cadre data questions (`intents.figures.dev.jsonl`), computed from the demo data.

Prepares a fresh store with the demo data in a temporary data dir (``MATTRAN_DATA_DIR``), computes every item's
figure by its own SQL (as the store's owner, with the whole country in scope) and prints the values by id; with
``--check`` it exits 1 when a value in the set differs (or an item has no SQL here, or a ranking has a tie).

Conventions: members of the demo term 2024–2029; age = 2026 − birth year; "dân tộc thiểu số" = not Kinh; a unit
without a congress record counts as not started; "đã tổ chức" = status ``da_to_chuc`` or ``hoan_thanh``;
percentages are rounded to one decimal, averages too.

    PYTHONPATH=$PWD .venv/bin/python evals/datasets/intents.figures.dev.py [--check]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg

from mattran.scope import Scope

DATASET = Path(__file__).with_name("intents.figures.dev.jsonl")
YEAR = 2026  # age = YEAR − birth year

# Reusable conditions and measures over `members` (alias m) and `congresses` (alias c, left-joined to units u).
NU = "m.gender = 'nu'"
NAM = "m.gender = 'nam'"
DTTS = "m.ethnicity <> 'Kinh'"
TON_GIAO = "m.religion <> 'Không'"
AGE = f"({YEAR} - m.birth_year)"
HELD = "c.status in ('da_to_chuc', 'hoan_thanh')"
NOT_HELD = "coalesce(c.status, 'chua_trien_khai') not in ('da_to_chuc', 'hoan_thanh')"
COUNT = "count(*)"
AVG_AGE = f"round(avg({AGE}), 1)"


@dataclass(frozen=True)
class Figure:
    """One item's SQL; ``ranked``: the first row is the answer and must not tie with the second."""

    sql: str
    ranked: bool = False


def _path(code: str) -> str:
    return f"(select path from units where code = '{code}')"


def count_if(condition: str) -> str:
    """Members (or congresses) meeting ``condition``."""
    return f"count(*) filter (where {condition})"


def share(condition: str) -> str:
    """Percent of rows meeting ``condition``, one decimal."""
    return f"round(100.0 * count(*) filter (where {condition}) / nullif(count(*), 0), 1)"


def committee(code: str, measure: str, where: str = "true") -> Figure:
    """``measure`` over the members of one unit's own committee."""
    return Figure(f"select {measure} from members m where m.unit_code = '{code}' and {where}")


def subtree(code: str, measure: str, where: str = "true", level: int | None = None) -> Figure:
    """``measure`` over the members of a unit's committee and every committee below it (or one level of them)."""
    at_level = f" and u.level = {level}" if level is not None else ""
    return Figure(
        f"select {measure} from members m join units u on u.code = m.unit_code"
        f" where m.unit_path <@ {_path(code)} and {where}{at_level}"
    )


def top(code: str, measure: str, level: int, order: str = "desc") -> Figure:
    """The highest (or lowest) ``measure`` among the committees of one level in a unit's subtree that have members."""
    return Figure(
        f"select {measure} as v from members m join units u on u.code = m.unit_code"
        f" where m.unit_path <@ {_path(code)} and u.level = {level} group by m.unit_code order by v {order} limit 2",
        ranked=True,
    )


def top_province(measure: str, order: str = "desc") -> Figure:
    """The highest ``measure`` among provinces, counting each province's committee with its communes'."""
    return Figure(
        f"select {measure} as v from members m join units u on u.code = m.unit_code"
        f" where u.province_code is not null group by u.province_code order by v {order} limit 2",
        ranked=True,
    )


def difference(first: Figure, second: Figure) -> Figure:
    """``first`` minus ``second``."""
    return Figure(f"select ({first.sql}) - ({second.sql})")


def congress(code: str, column: str) -> Figure:
    """One field (or expression over ``c``) of a unit's congress."""
    return Figure(f"select {column} from congresses c where c.unit_code = '{code}' and c.term = '2024–2029'")


def progress(code: str, measure: str, level: int, where: str = "true") -> Figure:
    """``measure`` over the units of one level in a unit's subtree, each with its congress (if recorded)."""
    return Figure(
        f"select {measure} from units u left join congresses c on c.unit_code = u.code and c.term = '2024–2029'"
        f" where u.path <@ {_path(code)} and u.level = {level} and {where}"
    )


def top_progress(code: str, measure: str, order: str = "desc") -> Figure:
    """The highest ``measure`` of the congresses of the provinces below ``code``, per province with its communes."""
    return Figure(
        f"select {measure} as v from units u left join congresses c on c.unit_code = u.code"
        f" and c.term = '2024–2029' where u.path <@ {_path(code)} and u.level = 2"
        f" group by u.province_code order by v {order} limit 2",
        ranked=True,
    )


FIGURES: dict[str, Figure] = {
    "fd001": committee("08611", count_if(NU)),
    "fd002": committee("08611", count_if(DTTS)),
    "fd003": committee("07900", share(NU)),
    "fd004": committee("07900", AVG_AGE),
    "fd005": committee("04897", count_if(f"{AGE} < 30")),
    "fd006": committee("05086", count_if(TON_GIAO)),
    "fd007": committee("08593", count_if(NAM)),
    "fd008": committee("08620", count_if("m.ethnicity = 'Mường'")),
    "fd009": committee("08740", count_if(f"{AGE} > 60")),
    "fd010": committee("08896", count_if("m.position = 'Ủy viên Ban Thường trực'")),
    "fd011": committee("00166", count_if(f"{AGE} < 40")),
    "fd012": committee("00328", share(DTTS)),
    "fd013": committee("00493", count_if("m.religion = 'Công giáo'")),
    "fd014": committee("00622", COUNT, "m.term = '2024–2029'"),
    "fd015": committee("09856", count_if("m.organisation = 'Hội Chữ thập đỏ'")),
    "fd016": committee("10342", count_if("m.birth_year >= 1990")),
    "fd017": committee("10570", count_if(NU)),
    "fd018": committee("10966", count_if("m.organisation = 'Đoàn TNCS Hồ Chí Minh'")),
    "fd019": committee("19804", AVG_AGE),
    "fd020": committee("20044", count_if("m.ethnicity = 'Tà Ôi'")),
    "fd021": committee("19918", f"{count_if(NU)} - {count_if(NAM)}"),
    "fd022": committee("11203", count_if(f"{AGE} > 60")),
    "fd023": committee("25", count_if(NU)),
    "fd024": subtree("25", COUNT),
    "fd025": subtree("25", share(NU)),
    "fd026": top("25", count_if(DTTS), 2),
    "fd027": top("25", AVG_AGE, 2),
    "fd028": difference(committee("07900", count_if(NU)), committee("08611", count_if(NU))),
    "fd029": committee("25", count_if(DTTS)),
    "fd030": subtree("25", count_if("m.ethnicity = 'Mường'")),
    "fd031": committee("25", AVG_AGE),
    "fd032": committee("04897", count_if(f"{AGE} < 40")),
    "fd033": subtree("25", count_if(f"{AGE} < 30"), level=2),
    "fd034": committee("08611", share(DTTS)),
    "fd035": committee("01", count_if("m.position = 'Phó Chủ tịch'")),
    "fd036": subtree("01", count_if(TON_GIAO)),
    "fd037": top("01", count_if(TON_GIAO), 2),
    "fd038": committee("00328", count_if(NU)),
    "fd039": difference(committee("00622", AVG_AGE), committee("09856", AVG_AGE)),
    "fd040": subtree("01", share(NAM)),
    "fd041": committee("00493", count_if("m.organisation = 'Hội Người cao tuổi'")),
    "fd042": committee("01", count_if(f"{AGE} > 60")),
    "fd043": committee("46", share(NU)),
    "fd044": top("46", count_if(NU), 2),
    "fd045": subtree("46", count_if(DTTS)),
    "fd046": committee("20044", count_if("m.organisation = 'Hội Nông dân'")),
    "fd047": committee("20017", count_if(f"{AGE} < 40")),
    "fd048": committee("31", count_if("m.religion = 'Phật giáo'")),
    "fd049": subtree("31", count_if(f"{AGE} > 60")),
    "fd050": difference(committee("10570", count_if(NU)), committee("10675", count_if(NU))),
    "fd051": subtree("31", AVG_AGE, level=2),
    "fd052": committee("11203", count_if(f"{AGE} > 60")),
    "fd053": committee("TW", count_if(NU)),
    "fd054": subtree("TW", share(NU)),
    "fd055": top_province(count_if(DTTS)),
    "fd056": subtree("TW", count_if(f"{AGE} < 30")),
    "fd057": subtree("TW", COUNT, level=1),
    "fd058": subtree("TW", AVG_AGE, level=1),
    "fd059": difference(subtree("25", count_if(NU)), subtree("01", count_if(NU))),
    "fd060": committee("TW", count_if(TON_GIAO)),
    "fd061": committee("25", count_if(f"{AGE} < 40")),
    "fd062": committee("08611", count_if(f"{AGE} < 30")),
    "fd063": subtree("TW", count_if("m.organisation = 'Hội Liên hiệp Phụ nữ'")),
    "fd064": committee("TW", count_if("m.position = 'Ủy viên Ban Thường trực'")),
    "fd065": committee("46", AVG_AGE),
    "fd066": congress("08611", "c.delegates_planned"),
    "fd067": congress("08611", "c.delegates_attending"),
    "fd068": congress("07900", "c.committee_size"),
    "fd069": congress("07900", "round(100.0 * c.delegates_attending / c.delegates_planned, 1)"),
    "fd070": congress("04897", "extract(month from c.held_date)"),
    "fd071": congress("10342", "c.held_date - c.planned_date"),
    "fd072": congress("00166", "c.delegates_planned - c.delegates_attending"),
    "fd073": congress("19804", "c.committee_size"),
    "fd074": congress("10570", "c.delegates_attending"),
    "fd075": congress("20044", "c.delegates_planned"),
    "fd076": congress("08896", "extract(day from c.planned_date)"),
    "fd077": congress("11203", "c.delegates_attending"),
    "fd078": congress("09856", "round(100.0 * c.delegates_attending / c.delegates_planned, 1)"),
    "fd079": progress("25", count_if(HELD), 2),
    "fd080": progress("25", count_if(NOT_HELD), 2),
    "fd081": progress("25", share(HELD), 2),
    "fd082": progress("25", count_if("coalesce(c.status, 'chua_trien_khai') = 'chua_trien_khai'"), 2),
    "fd083": congress("25", "c.delegates_planned"),
    "fd084": progress("25", count_if("c.held_date between '2024-06-01' and '2024-06-30'"), 2),
    "fd085": congress("08620", "c.committee_size"),
    "fd086": progress("25", "sum(c.delegates_attending)", 2),
    "fd087": progress("25", count_if("c.held_date > c.planned_date"), 2),
    "fd088": progress("01", count_if("c.status = 'dang_chuan_bi'"), 2),
    "fd089": progress("01", share("c.status = 'hoan_thanh'"), 2),
    "fd090": congress("00166", "c.committee_size"),
    "fd091": progress("01", "round(avg(c.delegates_attending), 1)", 2, HELD),
    "fd092": congress("01", "extract(month from c.planned_date)"),
    "fd093": progress("46", count_if(NOT_HELD), 2),
    "fd094": congress("46", "c.delegates_attending"),
    "fd095": progress("46", share(HELD), 2),
    "fd096": progress("46", "sum(c.committee_size)", 2),
    "fd097": progress("31", count_if("c.status = 'hoan_thanh'"), 2),
    "fd098": congress("31", "c.committee_size"),
    "fd099": congress("10675", "c.delegates_planned"),
    "fd100": progress("31", count_if("c.held_date > c.planned_date"), 2),
    "fd101": progress("31", count_if(f"{NOT_HELD} and c.planned_date < current_date"), 2),
    "fd102": progress("TW", count_if(HELD), 1),
    "fd103": progress("TW", share(HELD), 1),
    "fd104": congress("TW", "c.delegates_attending"),
    "fd105": progress("TW", count_if(HELD), 2),
    "fd106": top_progress("TW", count_if(HELD)),
    "fd107": difference(progress("01", count_if(HELD), 2), progress("31", count_if(HELD), 2)),
    "fd108": congress("TW", "c.delegates_planned"),
    "fd109": congress("46", "round(100.0 * c.delegates_attending / c.delegates_planned, 1)"),
    "fd110": progress("31", count_if("c.status = 'dang_chuan_bi'"), 2),
    "fd111": progress("TW", "sum(c.delegates_attending)", 1),
    # Added by the router's engineer (t16): congresses of a month.
    "fg01": progress("25", count_if("extract(month from c.held_date) = 5"), 2),
    "fg02": progress("TW", count_if("c.held_date >= '2024-08-01' and c.held_date < '2024-09-01'"), 1),
    "fg03": progress("46", count_if("extract(month from c.planned_date) = 6"), 2),
    "fg04": progress("01", count_if("extract(month from c.held_date) = 7"), 2),
}


def _number(value: object) -> float | int:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (int, float)):
        return value
    raise ValueError(f"not a number: {value!r}")


def compute(owner_url: str) -> dict[str, float | int]:
    """Every figure, by id."""
    values: dict[str, float | int] = {}
    with psycopg.connect(owner_url) as conn:
        conn.execute("select set_config('mattran.scope', %s, false)", (Scope.everything().as_pg_array(),))
        for item_id, figure in FIGURES.items():
            rows = conn.execute(figure.sql).fetchall()
            if figure.ranked and len(rows) > 1 and rows[0][0] == rows[1][0]:
                raise ValueError(f"{item_id}: tie at the top ({rows[0][0]})")
            values[item_id] = _number(rows[0][0])
    return values


def main(argv: list[str]) -> int:
    check = "--check" in argv
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mattran-figures-dev-") as data_dir:
        os.environ["MATTRAN_DATA_DIR"] = data_dir
        os.environ["MATTRAN_DEMO_DATA"] = "true"
        os.environ.pop("MATTRAN_DATABASE_URL", None)
        os.environ.pop("DATABASE_URL", None)
        from mattran.bootstrap import prepare_store
        from mattran.settings import Settings

        computed = compute(prepare_store(Settings()).owner)
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong = 0
    for item in items:
        value = computed.get(item["id"])
        expected = item.get("figure", {}).get("value")
        ok = value is not None and expected is not None and abs(float(expected) - float(value)) < 1e-9
        wrong += not ok
        if not check or not ok:
            print(f"{item['id']}\t{value}\t{'' if ok else f'(trong tập: {expected})'}")
    missing = set(FIGURES) - {item["id"] for item in items}
    for item_id in sorted(missing):
        print(f"{item_id}\t{computed[item_id]}\t(không có trong tập)")
    print(f"{len(items)} câu, {wrong} sai lệch, {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if check and (wrong or missing) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
