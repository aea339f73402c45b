"""``mattran up --workers N``: N web processes on one listening socket, started once the parent has prepared the
store (migrations, keys, reference and demo data), each restarted should it die; a worker is
``python -m cli.serve FD``, its settings from the same environment and the store's address from the parent."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prometheus_client import multiprocess

from mattran.settings import Settings
from web.metrics import MULTIPROCESS_DIR

APP_URL_ENV = "MATTRAN_WORKER_APP_URL"  # the application role's connection string, set by the parent only
_ROOT = Path(__file__).resolve().parents[1]
_log = logging.getLogger(__name__)


def listen(settings: Settings) -> socket.socket:
    """The socket every worker accepts on (bound once here: a port in use fails before any worker starts)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_workers(sock: socket.socket, workers: int, env: dict[str, str]) -> None:
    """Run ``workers`` processes on ``sock`` until this process is stopped (SIGTERM, Ctrl-C), replacing any that
    dies; then stop them all (each finishes its requests)."""
    path = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    metrics = Path(env.get(MULTIPROCESS_DIR) or tempfile.mkdtemp(prefix="mattran-metrics-"))  # summed by /metrics
    env = env | {"PYTHONPATH": path, MULTIPROCESS_DIR: str(metrics)}
    command = [sys.executable, "-m", "cli.serve", str(sock.fileno())]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=env, pass_fds=(sock.fileno(),))

    processes = [start() for _ in range(workers)]
    try:
        while True:
            time.sleep(0.5)
            for i, process in enumerate(processes):
                if process.poll() is not None:
                    _log.warning("web worker %s exited with %s: replaced", process.pid, process.returncode)
                    multiprocess.mark_process_dead(process.pid, str(metrics))
                    processes[i] = start()
    finally:
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        sock.close()
        if MULTIPROCESS_DIR not in os.environ:
            shutil.rmtree(metrics, ignore_errors=True)


def _worker(fd: int) -> None:
    import uvicorn

    from mattran.bootstrap import StoreUrls
    from mattran.settings import get_settings
    from web.app import create_app
    from web.logs import log_config

    settings = get_settings()
    uvicorn.run(
        create_app(settings, StoreUrls(owner="", app=os.environ[APP_URL_ENV])),
        fd=fd,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level, settings.log_format),
        timeout_graceful_shutdown=10,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )


if __name__ == "__main__":
    _worker(int(sys.argv[1]))
