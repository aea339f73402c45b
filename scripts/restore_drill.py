"""Restore drill: a base backup plus archived WAL restored on a new server up to a moment (point-in-time
recovery), then checked: the data tables' row counts (against what the operator expects, when given) and one
encrypted phone number of a member decrypted with the data dir's keys (the value itself is never printed).

Run: .venv/bin/python scripts/restore_drill.py --base BASE_BACKUP_DIR --wal WAL_ARCHIVE_DIR
         [--target-time '2026-12-06 05:00:00+07'] [--data-dir DATA_DIR] [--db mattran] [--expect petitions=1200 ...]
         [--keep]
Prints one JSON object; exit status 0 when every check held, 1 otherwise. The restored server is stopped and its
directory deleted at the end unless --keep is given (then it is left running on its socket, for inspection).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import psycopg

from mattran.domain.privacy import Unreadable, personal_data
from mattran.settings import Settings
from mattran.store import pitr
from mattran.store.backup import BackupError, data_counts


def drill(args: argparse.Namespace) -> dict[str, object]:
    """Restore, check, report."""
    work = Path(tempfile.mkdtemp(prefix="mattran-drill-"))
    work.chmod(0o711)  # the server's own user (not root) reaches its directory inside
    pgdata = work / "pgdata"
    report: dict[str, object] = {"target_time": args.target_time.isoformat() if args.target_time else "end of WAL"}
    try:
        url = pitr.recover(args.base, args.wal, args.target_time, pgdata, args.db)
        report["server"] = url
        with psycopg.connect(url) as conn:
            report["recovered_to"] = str(present(conn.execute("select max(created_at) from petitions").fetchone()))
            sample = conn.execute("select phone_enc from members where phone_enc is not null limit 1").fetchone()
        counts = data_counts(url)
        report["counts"] = counts
        expected = dict(args.expect or [])
        report["counts_as_expected"] = all(counts.get(t) == n for t, n in expected.items())
        protector = personal_data(Settings(data_dir=args.data_dir, database_url=url))
        try:
            report["sample_decrypted"] = bool(sample and protector.read("phone", bytes(sample[0])))
        except Unreadable:
            report["sample_decrypted"] = False
        report["ok"] = bool(report["counts_as_expected"] and report["sample_decrypted"])
    except BackupError as exc:
        report |= {"ok": False, "error": exc.message}
    finally:
        if not args.keep:
            if (pgdata / "PG_VERSION").exists():
                with suppress(BackupError):  # not started: nothing to stop
                    pitr.pg_ctl(pgdata, "-m", "fast", "-w", "stop")
            shutil.rmtree(work, ignore_errors=True)
    return report


def present(row: tuple[object, ...] | None) -> object:
    return row[0] if row else None


def _expectation(text: str) -> tuple[str, int]:
    table, _, count = text.partition("=")
    return table, int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the base backup (pg_basebackup, plain format)")
    parser.add_argument("--wal", type=Path, required=True, help="the WAL archive (archive_command's target)")
    parser.add_argument("--target-time", type=datetime.fromisoformat, default=None)
    parser.add_argument("--data-dir", type=Path, default=Path(".mattran"), help="the platform's (its keys)")
    parser.add_argument("--db", default="mattran")
    parser.add_argument("--expect", type=_expectation, nargs="*", help="TABLE=ROWS the restore must hold")
    parser.add_argument("--keep", action="store_true")
    report = drill(parser.parse_args())
    print(json.dumps(report, ensure_ascii=False, default=str))
    sys.exit(0 if report.get("ok") else 1)


if __name__ == "__main__":
    main()
