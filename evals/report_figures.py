"""Report figures evaluation: every number in a drafted report equals what the database gives for its query.

For each request of ``datasets/report_requests.jsonl`` (over the demo data, plus petitions seeded here
deterministically through the petition domain), the report is drafted as the cadre would get it, then checked:

- understanding: the kind, unit and period drafted are the labelled ones (or the request is refused, when it asks
  for a unit outside the cadre's scope);
- figures: each figure's value equals an independent count written here in SQL (the store's owner, no row-level
  security), over the labelled unit and period, at the moment the draft was made;
- text: every number written in the body of the draft is the value of one of those (verified) figures;
- appendix: every figure is listed with its query.

Run ``python -m evals.report_figures`` (on the store of ``mattran up``), or the test
``tests/test_report_figures_eval.py``.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from evals.dataset import rows
from evals.outcome import Outcome, share
from evals.thresholds import for_suite
from mattran.auth.principal import Principal, Role
from mattran.domain.access import PermissionDenied, system_principal
from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.domain.petition_text import add_working_days
from mattran.domain.petitions import Action, PetitionIn, Petitions, public_number
from mattran.domain.petitions.models import Channel
from mattran.domain.reports.request import ReportError
from mattran.domain.reports.service import Draft, draft_report
from mattran.domain.time import VIETNAM
from mattran.domain.units import UnitResolver
from mattran.store.db import Database

THRESHOLDS = for_suite("reports")
SEED_KEY = "eval-report-"
SEED_COUNT = 180
_ROLES = {
    "commune_cadre": Role.COMMUNE_CADRE,
    "province_cadre": Role.PROVINCE_CADRE,
    "central_cadre": Role.CENTRAL_CADRE,
}


@dataclass(frozen=True)
class Case:
    """A request, who asks (role and unit), and what it means: kind, unit, period (or that it is refused)."""

    request: str
    role: str
    unit: str
    kind: str | None = None
    unit_code: str | None = None
    start: date | None = None
    end: date | None = None
    refused: bool = False


@dataclass
class Report(Outcome):
    """Outcome of one run."""

    thresholds = THRESHOLDS
    cases: int = 0
    understood: int = 0
    figures: int = 0
    figures_correct: int = 0
    numbers: int = 0
    numbers_correct: int = 0
    appendix: int = 0
    appendix_complete: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """Shares compared with :data:`THRESHOLDS`."""
        return {
            "understanding": share(self.understood, self.cases),
            "figures": share(self.figures_correct, self.figures),
            "text_numbers": share(self.numbers_correct, self.numbers),
            "appendix": share(self.appendix_complete, self.appendix),
        }

    def summary(self) -> str:
        """Counts, metrics and every failure."""
        lines = [f"cases {self.cases}, figures checked {self.figures}, numbers in text {self.numbers}"]
        lines += [f"{k}: {v:.3f} (threshold {THRESHOLDS[k]})" for k, v in self.metrics.items()]
        lines += [json.dumps(f, ensure_ascii=False, default=str) for f in self.failures]
        return "\n".join(lines)


def load_cases(path: Path | None = None) -> list[Case]:
    """Cases from a JSON-lines file (default: the shipped ``report_requests.jsonl``)."""
    cases = []
    for _, raw in rows(path, "report_requests.jsonl"):
        expect = raw.get("expect", {})
        cases.append(
            Case(
                request=raw["request"],
                role=raw["role"],
                unit=raw["unit"],
                kind=expect.get("kind"),
                unit_code=expect.get("unit_code"),
                refused=bool(expect.get("refused")),
                start=date.fromisoformat(expect["start"]) if "start" in expect else None,
                end=date.fromisoformat(expect["end"]) if "end" in expect else None,
            )
        )
    return cases


# Seeding: petitions of a few demo units over fourteen months, handled through the petition domain, then dated.

_TOPICS = {
    "dat_dai": (
        "Chậm cấp giấy chứng nhận quyền sử dụng đất",
        "Gia đình tôi nộp hồ sơ cấp giấy chứng nhận quyền "
        "sử dụng đất đã lâu nhưng chưa được giải quyết, đề nghị xem xét.",
    ),
    "moi_truong": (
        "Rác thải tồn đọng gây ô nhiễm",
        "Rác thải sinh hoạt ở khu dân cư không được thu gom, bốc mùi hôi thối, ảnh hưởng sức khỏe người dân.",
    ),
    "ha_tang": (
        "Đường giao thông xuống cấp",
        "Mặt đường liên thôn bị hư hỏng nặng, nhiều ổ gà, đi lại nguy hiểm nhất là khi trời mưa, đề nghị sửa chữa.",
    ),
    "an_sinh": (
        "Chậm chi trả trợ cấp",
        "Chế độ trợ cấp cho người cao tuổi trong thôn chậm chi trả, đề nghị cơ quan chức năng kiểm tra.",
    ),
    "y_te": (
        "Trạm y tế thiếu thuốc",
        "Trạm y tế xã thường xuyên thiếu thuốc thiết yếu, người dân phải đi xa mua thuốc, đề nghị bổ sung.",
    ),
    "giao_duc": (
        "Trường học xuống cấp",
        "Phòng học của trường tiểu học bị dột khi trời mưa, ảnh hưởng việc học của các cháu học sinh.",
    ),
    "an_ninh": (
        "Tụ tập gây mất trật tự",
        "Nhóm thanh niên thường tụ tập, đua xe gây mất trật tự vào ban đêm, đề nghị lực lượng công an xử lý.",
    ),
    "hanh_chinh": (
        "Thủ tục hành chính rườm rà",
        "Thủ tục đăng ký cư trú phải đi lại nhiều lần, giấy tờ yêu cầu không rõ ràng, đề nghị công khai hướng dẫn.",
    ),
}
_CHANNELS: tuple[Channel, ...] = ("web", "web", "api", "chat", "open311")
_SEED_FROM, _SEED_DAYS = date(2025, 10, 1), 410  # to 15/11/2026


async def _seed_units(conn: psycopg.AsyncConnection) -> list[str]:
    units = ["25", "08611", "08611", "07900", "07900", "01", "00004", "00070", "46"]
    for province, extra in (("25", 3), ("01", 1), ("46", 1)):
        cur = await conn.execute("select code from units where parent_code = %s order by code", (province,))
        codes = [r[0] for r in await cur.fetchall()]
        units += random.Random(f"mattran-eval-report-units-{province}").sample(codes, extra)
    return units


async def seed_petitions(owner_url: str, service: Petitions) -> int:
    """File and handle :data:`SEED_COUNT` petitions once (idempotency keys ``eval-report-…``), then date them over
    October 2025 – November 2026; some are escalated for being overdue, some stay overdue. Returns how many were
    filed now (0 when already seeded)."""
    async with await psycopg.AsyncConnection.connect(owner_url, autocommit=True) as owner:
        cur = await owner.execute(
            "select count(*) from petitions where title like %s and created_at < %s",
            ("% (dữ liệu mẫu %)", _SEED_FROM + timedelta(days=_SEED_DAYS)),
        )  # keys are hashed
        row = await cur.fetchone()
        if row and row[0] == SEED_COUNT:
            return 0  # seeded and dated (a run cut short is completed: filing and handling are idempotent)
        units = await _seed_units(owner)
    anonymous = Principal.anonymous()
    plans: list[tuple[str, datetime, str, int | None]] = []  # code, created, outcome, answer delay in days
    open_by_unit: dict[str, list[str]] = {}
    for i in range(SEED_COUNT):
        rng = random.Random(f"mattran-eval-report-{i}")
        unit = rng.choice(units)
        category = rng.choice(sorted(_TOPICS))
        title, content = _TOPICS[category]
        contact = " Liên hệ: 0912 345 678." if rng.random() < 0.2 else ""
        filed = await service.intake.file(
            anonymous,
            PetitionIn(
                title=f"{title} (dữ liệu mẫu {i + 1})", content=content + contact, unit_code=unit, category=category
            ),
            rng.choice(_CHANNELS),
            idempotency_key=f"{SEED_KEY}{i:04d}",
        )
        created = datetime.combine(
            _SEED_FROM + timedelta(days=rng.randrange(_SEED_DAYS)), datetime.min.time(), VIETNAM
        ) + timedelta(hours=rng.randint(7, 17), minutes=rng.randrange(60))
        cadre = system_principal(service.workflow.resolver.units[unit])
        code, roll = public_number(filed.tracking_code), rng.random()  # the number: what cadres and the store use
        steps: list[Action] = []
        if roll < 0.1 and open_by_unit.get(unit):
            steps = [Action(action=PetitionAction.MERGE, into=open_by_unit[unit][0])]
        elif roll < 0.16:
            steps = [Action(action=PetitionAction.DECLINE, reason="Không thuộc thẩm quyền (dữ liệu mẫu).")]
        elif roll < 0.5:
            steps = [
                Action(action=PetitionAction.ACCEPT),
                Action(action=PetitionAction.ANSWER, answer="Đã trả lời công dân (dữ liệu mẫu)."),
            ]
            if roll < 0.3:
                steps.append(Action(action=PetitionAction.PUBLISH))
        elif roll < 0.62:
            steps = [
                Action(action=PetitionAction.ACCEPT),
                Action(action=PetitionAction.START),
                Action(action=PetitionAction.FORWARD, agency="UBND (dữ liệu mẫu)"),
            ]
            if roll < 0.56:
                steps.append(Action(action=PetitionAction.RECORD_REPLY, reply_text="Cơ quan đã trả lời (dữ liệu mẫu)."))
        elif roll < 0.75:
            steps = [Action(action=PetitionAction.ACCEPT)] + (
                [Action(action=PetitionAction.START)] if roll < 0.7 else []
            )
        for step in steps if filed.status == PetitionStatus.RECEIVED else []:
            if step.action == PetitionAction.PUBLISH:  # approved as proposed (masked)
                step = Action(
                    action=PetitionAction.PUBLISH, **(await service.workflow.publication_draft(cadre, code)).approval()
                )
            await service.workflow.act(cadre, code, step)
        outcome = steps[-1].action if steps else PetitionAction.RECEIVED  # the last event of its history
        if outcome in (
            PetitionAction.RECEIVED,
            PetitionAction.ACCEPT,
            PetitionAction.START,
            PetitionAction.FORWARD,
            PetitionAction.RECORD_REPLY,
        ):
            open_by_unit.setdefault(unit, []).append(code)
        answered = outcome in (PetitionAction.ANSWER, PetitionAction.PUBLISH)
        plans.append((code, created, outcome, rng.randint(1, 25) if answered else None))
    now = datetime.now(UTC)
    escalated = {
        code
        for code, created, outcome, _ in plans
        if outcome == PetitionAction.RECEIVED and created.month in (3, 6) and created.year == 2026
    }
    async with await psycopg.AsyncConnection.connect(owner_url, autocommit=True) as owner:
        await _date(owner, [p for p in plans if p[0] in escalated], now)
    await service.jobs.escalate_overdue()  # the seeded ones dated first go up a level (the rest are not due yet)
    async with await psycopg.AsyncConnection.connect(owner_url, autocommit=True) as owner:
        await _date(owner, [p for p in plans if p[0] not in escalated], now)
    return len(plans)


async def _date(
    owner: psycopg.AsyncConnection, plans: list[tuple[str, datetime, str, int | None]], now: datetime
) -> None:
    """Give seeded petitions their dates: received, due (10 working days), answered, published, forwarded."""
    for code, created, _outcome, delay in plans:
        due = add_working_days(created, 10)
        answered = min(created + timedelta(days=delay), now - timedelta(hours=1)) if delay else None
        await owner.execute(
            "update petitions set created_at = %(c)s, updated_at = %(c)s, due_at = %(due)s,"
            " answered_at = case when answered_at is not null then %(a)s::timestamptz end,"
            " published_at = case when published_at is not null then %(a)s::timestamptz + interval '1 day' end,"
            " forwarded_at = case when forwarded_at is not null then %(c)s::timestamptz + interval '2 days' end,"
            " reply_received_at = case when reply_received_at is not null"
            "   then %(c)s::timestamptz + interval '8 days' end"
            " where tracking_code = %(code)s",
            {"c": created, "due": due, "a": answered, "code": code},
        )


# Independent counts.

_IN_PERIOD = (
    "(p.created_at at time zone 'Asia/Ho_Chi_Minh')::date between %(start)s and %(end)s"
    " and exists (select 1 from units u, units r where u.code = p.unit_code and r.code = %(root)s"
    " and u.path <@ r.path)"
)
_PETITION_CONDITIONS = {
    "received": "true",
    "resolved": "p.status in ('answered', 'published')",
    "open": "p.status in ('received', 'accepted', 'in_progress')",
    "forwarded": "p.forwarded_to is not null",
    "reply_received": "p.reply_received_at is not null",
    "answered_on_time": "p.answered_at is not null and p.answered_at <= p.due_at",
    "answered_late": "p.answered_at is not null and p.answered_at > p.due_at",
    "overdue": "p.status in ('received', 'accepted', 'in_progress') and p.due_at < %(now)s",
    "escalated": "p.escalations > 0",
    "channel": "p.channel = %(arg)s",
    "category": "p.category = %(arg)s",
    "status": "p.status = %(arg)s",
    "unit": "(select path from units where code = p.unit_code) <@ (select path from units where code = %(arg)s)"
    " and (%(arg)s <> %(root)s or p.unit_code = %(root)s)",
}
_OPINION_CONDITIONS = {
    "total": "p.merged_into is null",
    "duplicates": "p.merged_into is not null",
    "category": "p.merged_into is null and p.category = %(arg)s",
    "resolved": "p.merged_into is null and p.category = %(arg)s and p.status in ('answered', 'published')",
}
_MEMBER_AGE = "(extract(year from (now() at time zone 'Asia/Ho_Chi_Minh'))::int - m.birth_year)"
_MEMBER_BUCKETS = {
    "<30": f"{_MEMBER_AGE} < 30",
    "30–39": f"{_MEMBER_AGE} between 30 and 39",
    "40–49": f"{_MEMBER_AGE} between 40 and 49",
    "50–59": f"{_MEMBER_AGE} between 50 and 59",
    "≥60": f"{_MEMBER_AGE} >= 60",
    "none": "m.birth_year is null",
}


async def _count(owner: psycopg.AsyncConnection, query: str, params: dict[str, Any]) -> int:
    cur = await owner.execute(query, params)
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def expected(owner: psycopg.AsyncConnection, key: str, case: Case, draft: Draft) -> int | float:
    """What the database gives for the figure ``key`` of a report on the case's unit and period."""
    name, _, arg = key.partition(":")
    family, _, metric = name.partition(".")
    data = draft.document.data
    params: dict[str, Any] = {
        "root": case.unit_code,
        "start": case.start,
        "end": case.end,
        "arg": arg,
        "now": data.as_of,
        "today": data.as_of.date(),
        "term": data.term,
    }
    if metric.endswith("share"):
        part, whole = {
            "petitions.resolved_share": ("petitions.resolved", "petitions.received"),
            "congress.held_share": ("congress.held", "congress.units"),
            "members.female_share": ("members.gender:nu", "members.total"),
            "members.minority_share": ("members.minority", "members.total"),
        }.get(
            name,
            (f"{family}.{metric.replace('share', 'held')}:{arg}", f"{family}.{metric.replace('share', 'units')}:{arg}"),
        )
        return await expected(owner, part, case, draft) / await expected(owner, whole, case, draft)
    if family == "petitions":
        condition = _PETITION_CONDITIONS[metric]
        return await _count(owner, f"select count(*) from petitions p where {_IN_PERIOD} and {condition}", params)
    if family == "opinions":
        if metric == "themes":
            return await _count(
                owner,
                f"select count(distinct p.category) from petitions p where {_IN_PERIOD} and p.merged_into is null",
                params,
            )
        return await _count(
            owner, f"select count(*) from petitions p where {_IN_PERIOD} and {_OPINION_CONDITIONS[metric]}", params
        )
    if family == "congress":
        return await _congress(owner, metric, params)
    return await _members(owner, metric, arg, params)


async def _congress(owner: psycopg.AsyncConnection, metric: str, params: dict[str, Any]) -> int:
    held = "c.status in ('da_to_chuc', 'hoan_thanh')"
    conditions = {
        "units": "true",
        "held": held,
        "preparing": "c.status = 'dang_chuan_bi'",
        "not_started": "coalesce(c.status, 'chua_trien_khai') = 'chua_trien_khai'",
        "overdue": f"not coalesce({held}, false) and c.planned_date < %(today)s",
        "held_late": f"{held} and c.held_date > c.planned_date",
        "overdue_below": f"not coalesce({held}, false) and c.planned_date < %(today)s and u.code <> %(root)s",
    }
    group = ""
    if metric.startswith("level_"):
        metric, group = metric.removeprefix("level_"), " and u.level = %(arg)s::int"
    elif metric.startswith("province_"):
        metric, group = (
            metric.removeprefix("province_"),
            (" and u.path <@ (select path from units where code = %(arg)s)"),
        )
    return await _count(
        owner,
        "select count(*) from units u left join congresses c on c.unit_code = u.code"
        " and c.term = %(term)s where u.path <@ (select path from units where code = %(root)s)"
        f" and {conditions[metric]}{group}",
        params,
    )


async def _members(owner: psycopg.AsyncConnection, metric: str, arg: str, params: dict[str, Any]) -> int:
    column = {
        "gender": "m.gender",
        "ethnicity": "m.ethnicity",
        "religion": "m.religion",
        "organisation": "m.organisation",
        "position": "m.position",
    }.get(metric)
    if metric == "total":
        condition = "true"
    elif metric == "minority":
        condition = "m.ethnicity is not null and m.ethnicity <> 'Kinh'"
    elif metric == "age":
        condition = _MEMBER_BUCKETS[arg]
    elif metric == "level":
        condition = "u.level = %(arg)s::int"
    else:
        condition = f"{column} is null" if arg == "none" else f"{column} = %(arg)s"
    return await _count(
        owner,
        "select count(*) from members m join units u on u.code = m.unit_code"
        " where u.path <@ (select path from units where code = %(root)s)"
        f" and {condition}",
        params,
    )


def _text(value: int | float, share: bool) -> str:
    if share:
        return f"{value * 100:.1f}".replace(".", ",").removesuffix(",0") + "%"
    return f"{int(value):,}".replace(",", ".")


_NOT_FIGURES = [
    re.compile(r"“[^”]*”"),  # quoted petitions (the people's words)
    re.compile(r"(?m)^#+\s*\d+\."),  # numbered sub-headings
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),
    re.compile(r"\b\d{1,2}/\d{4}\b"),
    re.compile(r"\b[IVX]+/\d{4}\b"),
    re.compile(r"\b\d{4}[–-]\d{4}\b"),
    re.compile(r"\bnăm \d{4}\b"),
    re.compile(r"\b\d+ tháng\b"),
    re.compile(r"\b[^\W\d_]+\d+\w*"),  # names holding digits (Open311)
]
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def numbers_in_body(markdown: str, draft: Draft, names_with_digits: list[str]) -> list[str]:
    """The numbers written in the body of the draft (between the summary and the recipients), leaving out dates,
    periods, the term, numbering, the people's quoted words and names (units, categories) that hold digits."""
    body = markdown.split("## BÁO CÁO", 1)[1].split("**Nơi nhận:**", 1)[0]
    document = draft.document
    labels = {part for f in draft.figures for part in (f.label, f.label.split(": ", 1)[-1])}
    for text in sorted(
        {document.recipient or "", document.data.period.label, *names_with_digits, *labels}, key=len, reverse=True
    ):
        if text and re.search(r"\d", text):
            body = body.replace(text, " ")
    for pattern in _NOT_FIGURES:
        body = pattern.sub(" ", body)
    return [m.rstrip(".,") for m in _NUMBER.findall(body)]


def principal(case: Case, resolver: UnitResolver) -> Principal:
    """The cadre who asks."""
    unit = resolver.units[case.unit]
    return Principal(
        subject=f"eval-{case.role}-{case.unit}",
        name="Cán bộ (đánh giá)",
        roles=frozenset({_ROLES[case.role]}),
        unit_code=unit.code,
        unit_path=unit.path,
        unit_name=unit.name,
    )


async def evaluate(db: Database, resolver: UnitResolver, owner_url: str, cases: list[Case]) -> Report:
    """Draft every case's report and check it against the database."""
    report = Report()
    async with await psycopg.AsyncConnection.connect(
        owner_url, autocommit=True, options="-c TimeZone=Asia/Ho_Chi_Minh"
    ) as owner:
        cur = await owner.execute("select name from units where name ~ '[0-9]'")
        names = [r[0] for r in await cur.fetchall()]
        for case in cases:
            report.cases += 1
            try:
                draft = await draft_report(db, resolver, principal(case, resolver), case.request)
            except (PermissionDenied, ReportError) as exc:
                report.understood += case.refused
                if not case.refused:
                    report.failures.append({"request": case.request, "refused": getattr(exc, "message", str(exc))})
                continue
            data = draft.document.data
            if case.start is None:  # no period named: from 1 January to the day of the draft
                case = replace(case, start=date(data.as_of.year, 1, 1), end=data.as_of.date())
            got = (draft.kind.value, draft.unit_code, data.period.start, data.period.end)
            want = (case.kind, case.unit_code, case.start, case.end)
            if got != want or case.refused:
                report.failures.append(
                    {"request": case.request, "understood": got, "expected": want, "refused_expected": case.refused}
                )
                continue
            report.understood += 1
            truth: set[str] = set()
            for figure in draft.figures:
                value = await expected(owner, figure.key, case, draft)
                report.figures += 1
                truth.add(_text(value, figure.share))
                if _text(value, figure.share) == figure.text:
                    report.figures_correct += 1
                else:
                    report.failures.append(
                        {
                            "request": case.request,
                            "figure": figure.key,
                            "draft": figure.text,
                            "database": _text(value, figure.share),
                        }
                    )
            for number in numbers_in_body(draft.markdown, draft, names):
                report.numbers += 1
                report.numbers_correct += number in truth
                if number not in truth:
                    report.failures.append({"request": case.request, "number_in_text": number})
            appendix = draft.markdown.split("Phụ lục: nguồn số liệu", 1)[-1]
            report.appendix += 1
            report.appendix_complete += all(f"| {f.label} | {f.text} |" in appendix for f in draft.figures)
    return report


async def _main() -> int:
    from compose.services import open_services
    from mattran.bootstrap import prepare_store
    from mattran.settings import get_settings

    settings = get_settings().model_copy(update={"intake_rate_per_minute": 0})  # the seed files 180 at once
    urls = prepare_store(settings)
    async with open_services(settings, urls.app, pool_size=2) as services:
        print(f"seeded {await seed_petitions(urls.owner, services.petitions)} petitions")
        result = await evaluate(services.db, services.resolver, urls.owner, load_cases())
    print(result.summary())
    return 1 if result.below_threshold() else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
