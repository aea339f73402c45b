"""Keys: random per data dir (0600), no public secret, no public bind in development, the previous release's store
upgraded without loss, personal data never in clear in a dump, and a restore refused when its key cannot read it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import jwt as pyjwt
import psutil
import psycopg
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import RSAKey

from mattran.domain.privacy import PersonalData
from mattran.settings import Settings
from mattran.store import backup, checkpoints, migrate, reference, server
from tests.support.platform import CONTACT_FIELDS, MATTRAN, Platform, cli_env, free_port, wait_healthy

PUBLIC_SECRET = "dev-only-secret-key-change-me"  # the previous release's development default
KEY_FILES = ("signing.key", "personal-data.key", "national-id.key")


def _legacy_key(info: bytes) -> bytes:
    """A key of the previous release: HKDF-SHA256 of its public development secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mattran.personal-data", info=info).derive(
        PUBLIC_SECRET.encode()
    )


def _legacy_blob(field: str, value: str) -> bytes:
    """A contact as the previous release stored it: version 1, nonce, AES-GCM bound to the field name."""
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(_legacy_key(b"members.contact.v1")).encrypt(nonce, value.encode(), field.encode())


def _legacy_national_id(national_id: str) -> bytes:
    return hmac.new(_legacy_key(b"members.national-id.v1"), national_id.encode(), hashlib.sha256).digest()


def _forged_chat_token(secret: str, identifier: str) -> str:
    """A chat (Chainlit) token signed as the platform signs them with ``secret``."""
    chainlit_secret = hmac.new(secret.encode(), b"chainlit", hashlib.sha256).hexdigest()
    return pyjwt.encode(
        {"identifier": identifier, "display_name": identifier, "metadata": {}, "exp": int(time.time()) + 600},
        chainlit_secret,
        algorithm="HS256",
    )


def _sign_out_with_csrf(base_url: str, secret: str) -> httpx2.Response:
    """A form post whose CSRF token is signed with ``secret``."""
    token = hmac.new(secret.encode(), b"cookie-value", hashlib.sha256).hexdigest()
    return httpx2.post(f"{base_url}/dang-xuat", cookies={"mattran_csrf": "cookie-value"}, data={"csrf_token": token})


def _protector(data_dir: Path) -> PersonalData:
    from mattran.domain.privacy import personal_data

    return personal_data(Settings(data_dir=data_dir))


@contextmanager
def _up(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """``mattran up`` on ``data_dir`` (its output in a log file), stopped at the end: (base URL, log)."""
    port = free_port()
    log_path = data_dir.parent / f"up-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [MATTRAN, "up", "--port", str(port), *args],
            cwd=data_dir.parent,
            env=env or cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port())),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port, proc, timeout=240)
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            proc.terminate()
            proc.wait(120)  # a start-up still loading the embedding model ends once it is loaded


def test_development_refuses_a_public_bind_and_names_the_flag(tmp_path: Path) -> None:
    for args, extra in ((["--host", "0.0.0.0"], {}), ([], {"MATTRAN_HOST": "::"})):
        done = subprocess.run(
            [MATTRAN, "up", "--port", str(free_port()), *args],
            env=cli_env(tmp_path / "d", **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "--insecure-dev" in done.stderr and "MATTRAN_INSECURE_DEV=1" in done.stderr
    assert not (tmp_path / "d" / "pgdata").exists()  # refused before anything started


def test_production_takes_keys_from_the_environment_and_creates_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "prod"
    env = cli_env(
        data_dir,
        MATTRAN_ENV="production",
        MATTRAN_SECRET_KEY="s" * 40,
        MATTRAN_APP_DB_PASSWORD="real-pass",
        MATTRAN_OIDC_ISSUER="https://sso.example.vn/realms/mattran",
        MATTRAN_OIDC_CLIENT_SECRET="real",
    )
    missing = subprocess.run([MATTRAN, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "MATTRAN_PERSONAL_DATA_KEY" in missing.stderr, missing.stderr
    assert not (data_dir / "keys").exists()  # production never makes a key up
    given = {
        "MATTRAN_PERSONAL_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
        "MATTRAN_NATIONAL_ID_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    done = subprocess.run([MATTRAN, "db", "migrate"], env={**env, **given}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (data_dir / "keys").exists()


def test_a_fresh_data_dir_gets_private_random_keys_kept_across_starts(tmp_path: Path) -> None:
    data_dir, idp_port = tmp_path / "data", free_port()
    env = cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port))
    with _up(data_dir, "--host", "0.0.0.0", "--insecure-dev", env=env) as (base_url, log):
        keys = data_dir / "keys"
        assert stat.S_IMODE(keys.stat().st_mode) == 0o700
        assert sorted(p.name for p in keys.iterdir()) == sorted(KEY_FILES)
        assert all(stat.S_IMODE((keys / f).stat().st_mode) == 0o600 for f in KEY_FILES)
        first = {f: (keys / f).read_bytes() for f in KEY_FILES}
        assert len(set(first.values())) == 3  # separate keys for signing, personal data, national IDs
        # the dev provider (demo accounts) stays on loopback even when the app does not
        listening = {
            c.laddr.ip
            for c in psutil.net_connections("tcp")
            if c.laddr and c.laddr.port == idp_port and c.status == psutil.CONN_LISTEN
        }
        assert listening == {"127.0.0.1"}
        assert "--insecure-dev" in log.read_text() and "127.0.0.1" in log.read_text()
        # what the previous release's public secret signs is refused: the chat's token and a form's CSRF token
        forged = _forged_chat_token(PUBLIC_SECRET, "canbo.xa")
        assert httpx2.get(f"{base_url}/chat/user", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        assert httpx2.get(f"{base_url}/chat/user", cookies={"access_token": forged}).status_code == 401
        refused = _sign_out_with_csrf(base_url, PUBLIC_SECRET)
        assert refused.status_code == 403 and "Biểu mẫu" in refused.json()["detail"]
        signing = first["signing.key"].decode().strip()
        assert _sign_out_with_csrf(base_url, signing).status_code == 303  # the data dir's own key signs
    with _up(data_dir) as (base_url, _log):
        assert {f: (keys / f).read_bytes() for f in KEY_FILES} == first
        assert _sign_out_with_csrf(base_url, signing).status_code == 303


def test_a_database_dump_holds_no_contact_in_clear(platform: Platform) -> None:
    contact = {"full_name": "Đỗ Thị Kín Đáo", "phone": "0909 123 457", "email": "kin.dao@example.com"}
    filed = httpx2.post(
        f"{platform.base_url}/api/petitions",
        json={
            "title": "Nước sinh hoạt đục nhiều ngày",
            "content": "Nước máy khu dân cư số 3 đục và có mùi đã một tuần nay.",
            "unit_code": "08611",
            "contact": contact,
            "consent": True,
        },
    )
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]
    cadre = {
        "Authorization": "Bearer "
        + platform.mint({"sub": "thu-keys", "name": "Thử", "roles": ["commune_cadre"], "unit": "08611"})
    }
    member = httpx2.post(
        f"{platform.base_url}/api/members",
        headers=cadre,
        json={
            "unit_code": "08611",
            "full_name": "Lò Văn Khóa",
            "birth_year": 1980,
            "phone": "0911 222 334",
            "email": "lo.khoa@example.com",
        },
    )
    assert member.status_code == 201, member.text

    dump = subprocess.run(
        [backup.tool("pg_dump", True), "--format=plain", "--data-only", f"--dbname={platform.owner_uri()}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Nước máy khu dân cư số 3" in dump  # the dump is real
    for secret in ("Kín Đáo", "0909 123 457", "0909123457", "kin.dao@example.com", "0911222334", "lo.khoa@example"):
        assert secret not in dump, secret
    # a cadre within scope still reads the petitioner's contact
    detail = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=cadre)
    assert detail.status_code == 200 and detail.json()["contact"] == contact
    page = httpx2.get(f"{platform.base_url}/can-bo/phan-anh/{code}", headers={**cadre, "Accept": "text/html"})
    assert page.status_code == 200 and "kin.dao@example.com" in page.text and "Đỗ Thị Kín Đáo" in page.text


LEGACY_MEMBERS = [
    ("Nguyễn Văn Cũ", 1961, "0912000001", "cu.nguyen@example.com", "001061000001"),
    ("Trần Thị Xưa", 1972, "0912000002", None, "001172000002"),
    ("Lê Văn Trước", 1985, None, "truoc.le@example.com", None),
]
LEGACY_CONTACT = ("Phạm Thị Gửi", "0987000111", "gui.pham@example.com")


def _previous_release_store(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store as the previous release left it (its migrations, its development key): the owner's URL."""
    owner = server.start_embedded(data_dir, "mattran")
    shipped = migrate.migration_files()
    monkeypatch.setattr(migrate, "migration_files", lambda: [m for m in shipped if m[0] < "0013"])
    migrate.migrate(owner, "mattran-app-dev")
    monkeypatch.undo()
    checkpoints.setup_checkpoints(owner)
    reference.load_units(owner)
    with psycopg.connect(owner) as conn:
        conn.execute("select set_config('mattran.scope', '{vn}', false)")
        for name, year, phone, email, national_id in LEGACY_MEMBERS:
            conn.execute(
                "insert into members (unit_code, full_name, birth_year, phone_enc, email_enc, national_id_hmac,"
                " national_id_last3) values ('08611', %s, %s, %s, %s, %s, %s)",
                (
                    name,
                    year,
                    phone and _legacy_blob("phone", phone),
                    email and _legacy_blob("email", email),
                    national_id and _legacy_national_id(national_id),
                    national_id and national_id[-3:],
                ),
            )
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public,"
            " category, suggested_category, channel, due_at) values ('PAKN-2026-900001', '08611',"
            " (select path from units where code = '08611'), 'Phản ánh cũ', %s, %s, 'khac', 'khac', 'web',"
            " now())",
            ("Phản ánh gửi trước khi nâng cấp, có thông tin liên hệ.",) * 2,
        )
        conn.execute(
            "insert into petition_contacts (petition_id, unit_path, full_name, phone, email)"
            " select id, unit_path, %s, %s, %s from petitions where tracking_code = 'PAKN-2026-900001'",
            LEGACY_CONTACT,
        )
    return owner


def test_a_previous_release_store_upgrades_then_backup_and_restore_check_the_key(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path_factory.mktemp("legacy") / "data"  # a short path: the server's socket lives in it
    owner = _previous_release_store(data_dir, monkeypatch)
    signing = RSAKey.generate_key(2048, parameters={"kid": "keys-test", "alg": "RS256", "use": "sig"})
    (data_dir / "idp").mkdir()
    (data_dir / "idp" / "jwks.json").write_text(json.dumps({"keys": [signing.as_dict(private=True)]}))
    idp_port = free_port()
    env = cli_env(data_dir, MATTRAN_IDP_PORT=str(idp_port), MATTRAN_DEMO_DATA="false")
    before = subprocess.run([MATTRAN, "backup"], env=env, capture_output=True, text=True, timeout=300)
    assert before.returncode == 0, before.stderr  # an operator's backup before the first start of the new release
    with _up(data_dir, env=env) as (base_url, _log):
        protector = _protector(data_dir)
        with psycopg.connect(owner) as conn:
            conn.execute("select set_config('mattran.scope', '{vn}', false)")
            members = conn.execute(
                "select full_name, phone_enc, email_enc, national_id_hmac from members order by birth_year"
            ).fetchall()
            stored = conn.execute("select full_name_enc, phone_enc, email_enc from petition_contacts").fetchall()
        for (name, _year, phone, email, national_id), row in zip(LEGACY_MEMBERS, members, strict=True):
            assert (row[0], protector.decrypt("phone", row[1]), protector.decrypt("email", row[2])) == (
                name,
                phone,
                email,
            )
            assert all(b is None or bytes(b).startswith(protector.prefix) for b in row[1:3])  # re-encrypted, key id
            if national_id:  # the hash key was carried over: a later entry of the same ID is still a duplicate
                assert bytes(row[3]) == protector.national_id_hash(national_id)
        [blobs] = stored
        assert all(bytes(b).startswith(protector.prefix) for b in blobs)
        assert tuple(protector.decrypt(f, b) for f, b in zip(CONTACT_FIELDS, blobs, strict=True)) == LEGACY_CONTACT
        assert protector.national_id_hash("001061000001") == _legacy_national_id("001061000001")
        # the previous release's chat token no longer opens the chat
        forged = _forged_chat_token(PUBLIC_SECRET, "canbo.xa")
        assert httpx2.get(f"{base_url}/chat/user", headers={"Authorization": f"Bearer {forged}"}).status_code == 401

    made = subprocess.run([MATTRAN, "backup"], env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip())
    for kept in ("personal-data.key", "national-id.key"):
        assert str(data_dir / "keys" / kept) in made.stderr.replace("\n", "")

    right = (data_dir / "keys" / "personal-data.key").read_bytes()
    (data_dir / "keys" / "personal-data.key").write_text(base64.b64encode(os.urandom(32)).decode())  # another key
    wrong = subprocess.run(
        [MATTRAN, "restore", str(dump), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert wrong.returncode == 1, wrong.stderr
    assert "không giải mã được" in wrong.stderr and protector.key_id in wrong.stderr
    assert "Dữ liệu hiện có được giữ nguyên." in wrong.stderr
    (data_dir / "keys" / "personal-data.key").write_bytes(right)
    again = subprocess.run(
        [MATTRAN, "restore", str(dump), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    # the previous release's own backup restores too: its contacts are read with its key, then re-encrypted
    old = subprocess.run(
        [MATTRAN, "restore", before.stdout.strip(), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert old.returncode == 0, old.stderr
    with psycopg.connect(owner) as conn:
        conn.execute("select set_config('mattran.scope', '{vn}', false)")
        [blobs] = conn.execute("select full_name_enc, phone_enc, email_enc from petition_contacts").fetchall()
        phones = [r[0] for r in conn.execute("select phone_enc from members where phone_enc is not null")]
    assert tuple(protector.decrypt(f, b) for f, b in zip(CONTACT_FIELDS, blobs, strict=True)) == LEGACY_CONTACT
    assert len(phones) == 2 and all(bytes(b).startswith(protector.prefix) for b in phones)
