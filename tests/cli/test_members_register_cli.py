"""``mattran members`` keeps the register up to date as a cadre of ``--as-unit`` would: organisations, edit, end,
move, history; outside that unit's scope it is refused."""

from __future__ import annotations

import json
import secrets
import subprocess
from datetime import date

import httpx2

from tests.support.platform import MATTRAN, Platform, bearer, cli_env, owner_rows

PROVINCE = "15"


def _members(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MATTRAN, "members", *args],
        env=cli_env(platform.data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=platform.data_dir,
    )


def test_cli_edits_ends_moves_and_reads_the_history(platform: Platform) -> None:
    own, other = (r[0] for r in owner_rows(platform, "select code from units where parent_code = '15' limit 2"))
    name = f"Hoàng Văn Lệnh {secrets.token_hex(3).upper()}"
    made = httpx2.post(
        f"{platform.base_url}/api/members",
        json={"unit_code": own, "full_name": name, "birth_year": 1975},
        headers=bearer(platform, "province_cadre", PROVINCE),
        timeout=60,
    )
    member_id = str(made.json()["id"])

    organisation = _members(platform, "org-add", f"Hội Cựu giáo chức {name[-6:]}", "--as-unit", own, "--kind", "social")
    assert organisation.returncode == 0, organisation.stderr
    assert json.loads(organisation.stdout)["kind"] == "social"
    listed = json.loads(_members(platform, "orgs", "--as-unit", own).stdout)
    assert json.loads(organisation.stdout)["id"] in {o["id"] for o in listed}

    edited = _members(
        platform, "edit", member_id, "position=Ủy viên Ban Thường trực", "term=2024-2029", "--as-unit", own
    )
    assert edited.returncode == 0, edited.stderr
    assert (json.loads(edited.stdout)["position"], json.loads(edited.stdout)["term"]) == (
        "Ủy viên Ban Thường trực",
        "2024–2029",
    )
    wrong = _members(platform, "edit", member_id, "birth_year=1800", "--as-unit", own)
    assert wrong.returncode == 2 and "Năm sinh 1800 không hợp lệ" in wrong.stderr
    assert _members(platform, "edit", member_id, "position=X", "--as-unit", other).returncode == 2  # a sibling

    refused = _members(platform, "move", member_id, "--as-unit", own, "--to", other, "--date", "2026-02-01")
    assert refused.returncode == 2 and "không có quyền" in refused.stderr
    moved = _members(platform, "move", member_id, "--as-unit", PROVINCE, "--to", other, "--date", "2026-02-01")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["unit_code"] == other

    ended = _members(platform, "end", member_id, "--as-unit", other, "--reason", "left", "--date", "2026-03-01")
    assert ended.returncode == 0, ended.stderr
    assert json.loads(ended.stdout)["end_reason"] == "left"

    history = _members(platform, "history", member_id, "--as-unit", own)  # the old unit still reads it
    assert history.returncode == 0, history.stderr
    assert [h["action"] for h in json.loads(history.stdout)] == ["end", "move", "edit"]
    assert json.loads(history.stdout)[2]["actor"] == f"system:{own}"


def test_cli_records_the_congress_held_and_opens_the_new_term(platform: Platform) -> None:
    own, other = (
        r[0] for r in owner_rows(platform, "select code from units where parent_code = '15' offset 30 limit 2")
    )
    added = [
        httpx2.post(
            f"{platform.base_url}/api/members",
            json={"unit_code": own, "full_name": f"Lò Văn Kỳ {secrets.token_hex(3).upper()}", "term": "2019-2024"},
            headers=bearer(platform, "province_cadre", PROVINCE),
            timeout=60,
        ).json()["id"]
        for _ in range(2)
    ]
    held = ["--term", "2024-2029", "--status", "da_to_chuc", "--held-date", "2024-05-10", "--re-elected"]
    refused = _members(platform, "congress", own, "--as-unit", other, *held, str(added[0]))
    assert refused.returncode == 2  # a sibling's congress
    preparing = ["--term", "2024-2029", "--status", "dang_chuan_bi"]
    assert _members(platform, "congress", PROVINCE, "--as-unit", own, *preparing).returncode == 2  # the parent's
    below = _members(platform, "congress", other, "--as-unit", PROVINCE, *preparing)
    assert below.returncode == 0, below.stderr  # a commune below the province
    assert json.loads(below.stdout)["status"] == "dang_chuan_bi"
    done = _members(platform, "congress", own, "--as-unit", own, *held, str(added[0]))
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout)["term_opened"]
    assert (opened["carried_over"], opened["ended"]) == ([added[0]], [added[1]])
    assert owner_rows(platform, "select id, term, ended_on from members where id = any(%s) order by id", added) == [
        (added[0], "2024–2029", None),
        (added[1], "2019–2024", date(2024, 5, 10)),
    ]
