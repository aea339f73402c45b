"""Benchmark: the assistant's own overhead per turn in offline mode (no language model), through ChatRunner with its
Postgres memory on a fresh embedded store with the demo data: status look-ups, member counts, congress progress,
unit look-ups, help, and petitions filed step by step up to the confirmation. One person at a time, so each figure
is one turn's latency (understanding, graph, checkpoint writes, tools), not a throughput.

Run: .venv/bin/python scripts/bench_assistant.py [--turns 300]   (exit 1 when p50 ≥ 150 ms or p95 ≥ 400 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import AsyncExitStack
from pathlib import Path

from bench_member_import import machine

from agents.runner import ChatRunner
from compose.services import open_services
from mattran.auth.principal import Principal, Role
from mattran.bootstrap import prepare_store
from mattran.domain.petitions import PetitionIn
from mattran.domain.unit import Unit
from mattran.settings import Settings

TARGETS_MS = {"p50": 150.0, "p95": 400.0}
WARM_UP = 12


def _cadre(role: Role, unit: Unit) -> Principal:
    return Principal(
        subject=f"bench-{unit.code}",
        name="Cán bộ",
        roles=frozenset({role}),
        unit_code=unit.code,
        unit_path=unit.path,
        unit_name=unit.name,
    )


def _conversations(code: str, units: dict[str, Unit]) -> list[tuple[str, Principal, list[str]]]:
    """(kind, who, messages) for each kind of conversation, in the order the mix cycles through them."""
    citizen = Principal(subject="bench-citizen", name="Người dân", roles=frozenset({Role.CITIZEN}))
    commune, province = _cadre(Role.COMMUNE_CADRE, units["08611"]), _cadre(Role.PROVINCE_CADRE, units["25"])
    return [
        ("tra cứu phản ánh", citizen, [f"Phản ánh {code} của tôi đến đâu rồi?"]),
        ("đếm ủy viên", commune, ["Xã Văn Miếu có bao nhiêu ủy viên nữ?"]),
        (
            "gửi phản ánh (đến bước xác nhận)",
            citizen,
            [
                "Tôi muốn gửi phản ánh",
                "Đèn đường ở đầu ngõ 7 bị hỏng hơn một tháng, buổi tối rất tối.",
                "xã Tân Lập",
                "Tây Ninh",
            ],
        ),
        ("trợ giúp", Principal.anonymous(), ["Xin chào"]),
        ("đếm ủy viên", province, ["Tỉnh Phú Thọ có bao nhiêu ủy viên dưới 40 tuổi?"]),
        ("tìm đơn vị", Principal.anonymous(), ["P. Ba Đình, HN thuộc đơn vị nào?"]),
        ("tiến độ đại hội", province, ["Tiến độ đại hội các xã của tỉnh Phú Thọ thế nào?"]),
        (
            "gửi phản ánh (đến bước xác nhận)",
            Principal.anonymous(),
            ["Kiến nghị: rác thải ở chợ phường Hoàn Kiếm, Hà Nội không được thu gom, bốc mùi hôi thối cả tuần nay."],
        ),
    ]


async def bench(app_url: str, settings: Settings, turns: int) -> dict[str, list[float]]:
    """Milliseconds of each measured turn, by kind of conversation."""
    stack = AsyncExitStack()
    services = await stack.enter_async_context(open_services(settings, app_url, pool_size=4))
    resolver = services.resolver
    filed = await services.petitions.intake.file(
        Principal.anonymous(),
        PetitionIn(
            title="Phản ánh để đo", content="Đường làng xuống cấp, nhiều ổ gà, đề nghị sửa chữa sớm.", unit_code="00070"
        ),
        "web",
    )
    runner = ChatRunner(app_url, services)
    await runner.open()
    timings: dict[str, list[float]] = defaultdict(list)
    done = started_conversations = 0
    try:
        mix = _conversations(filed.tracking_code, resolver.units)
        while done < turns + WARM_UP:
            kind, who, messages = mix[started_conversations % len(mix)]
            started_conversations += 1
            talk = runner.new_conversation()
            for text in messages[: turns + WARM_UP - done]:
                started = time.perf_counter()
                await runner.send(who, talk, text)
                if done >= WARM_UP:
                    timings[kind].append((time.perf_counter() - started) * 1000)
                done += 1
    finally:
        await runner.close()
        await stack.aclose()
    return timings


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": statistics.median(values), "p95": cuts[94], "p99": cuts[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--turns", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mattran-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, demo_data=True)
        urls = prepare_store(settings)
        timings = asyncio.run(bench(urls.app, settings, args.turns))
    every = [t for values in timings.values() for t in values]
    overall = _percentiles(every)
    print(f"Máy: {machine()}")
    print(
        f"{len(every)} lượt (chế độ ngoại tuyến, bộ nhớ PostgreSQL): p50 {overall['p50']:.1f} ms, "
        f"p95 {overall['p95']:.1f} ms, p99 {overall['p99']:.1f} ms, tối đa {max(every):.1f} ms "
        f"(mục tiêu p50 < {TARGETS_MS['p50']:.0f} ms, p95 < {TARGETS_MS['p95']:.0f} ms)"
    )
    for kind, values in sorted(timings.items()):
        figures = _percentiles(values) if len(values) > 1 else {"p50": values[0], "p95": values[0], "p99": values[0]}
        print(f"  {kind}: {len(values)} lượt, p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms")
    sys.exit(0 if all(overall[k] < limit for k, limit in TARGETS_MS.items()) else 1)


if __name__ == "__main__":
    main()
