"""Background embedding gives way to requests: it waits while the machine's CPUs are busy, but never for long."""

from __future__ import annotations

import time

import pytest

from web import app


@pytest.mark.parametrize(("load", "waits"), [(20.0, False), (97.0, True)])
async def test_background_work_waits_while_the_cpus_serve_requests(
    monkeypatch: pytest.MonkeyPatch, load: float, waits: bool
) -> None:
    looks: list[None] = []

    def cpu_percent(_interval: object) -> float:
        looks.append(None)
        return load

    monkeypatch.setattr(app.psutil, "cpu_percent", cpu_percent)
    started = time.monotonic()
    await app._yield_to_requests(look=0.05, longest=0.5)
    waited = time.monotonic() - started
    if waits:  # busy all along: it waits its longest, then lets one batch through
        assert 0.45 <= waited < 1.5 and len(looks) == 11
    else:  # idle: one look and on
        assert waited < 0.3 and len(looks) == 2
