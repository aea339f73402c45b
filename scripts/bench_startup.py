"""Benchmark: seconds from `mattran up` to a 200 on /healthz, cold (new data dir) and warm (restart).

Run: .venv/bin/python scripts/bench_startup.py   (prints one line per start, with the machine's description)
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from bench_host import free_port

MATTRAN = str(Path(sys.executable).with_name("mattran"))


def time_to_healthy(data_dir: Path) -> float:
    """Start `mattran up` on ``data_dir``; return seconds until /healthz answers 200; stop it."""
    port = free_port()
    env = {**os.environ, "MATTRAN_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [MATTRAN, "up", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"mattran up exited with {proc.returncode}")
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx2.HTTPError:
                pass
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def main() -> None:
    """Print cold and warm start times."""
    print(
        f"máy: {platform.processor() or platform.machine()}, {os.cpu_count()} lõi, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        print(f"khởi động lạnh (thư mục dữ liệu mới): {time_to_healthy(data_dir):.1f} s".replace(".", ","))
        for i in range(3):
            print(f"khởi động ấm #{i + 1}: {time_to_healthy(data_dir):.1f} s".replace(".", ","))


if __name__ == "__main__":
    main()
