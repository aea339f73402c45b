"""Settings refuse insecure defaults outside development."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from mattran.settings import Settings


def test_production_refuses_the_development_secrets(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="MATTRAN_SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="MATTRAN_SECRET_KEY"):  # the earlier releases' public default
        Settings(secret_key="dev-only-secret-key-change-me", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="MATTRAN_APP_DB_PASSWORD"):
        Settings(env="production", secret_key="s" * 40)
    with pytest.raises(ValidationError, match="MATTRAN_OIDC_ISSUER"):
        Settings(env="production", secret_key="s" * 40, app_db_password="a-real-password")
    ok = Settings(
        env="production",
        secret_key="s" * 40,
        app_db_password="a-real-password",
        oidc_issuer="https://sso.example.vn/realms/mattran",
        oidc_client_secret="real",
    )
    assert ok.env == "production"


def test_database_url_switches_off_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATTRAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/mattran")
    settings = Settings()
    assert not settings.embedded and settings.database_url == "postgresql://u@db.example/mattran"
    monkeypatch.delenv("DATABASE_URL")
    assert Settings().embedded


def test_production_takes_its_keys_from_files_and_never_creates_them(tmp_path: Path) -> None:
    from mattran.keys import KeyFileError, key_ring

    real = {
        "app_db_password": "a-real-password",
        "oidc_issuer": "https://sso.example.vn/realms/mattran",
        "oidc_client_secret": "real",
    }
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    signing = base64.urlsafe_b64encode(b"signing key of this installation").decode().rstrip("=")
    (keys / "signing.key").write_text(signing + "\n")
    (keys / "signing.key").chmod(0o600)
    settings = Settings(env="production", data_dir=tmp_path, **real)  # the signing key file stands for the variable
    with pytest.raises(KeyFileError, match="personal-data"):
        key_ring(settings)
    assert sorted(p.name for p in keys.iterdir()) == ["signing.key"]  # nothing created
    for name in ("personal-data.key", "national-id.key"):
        (keys / name).write_text("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=\n")
        (keys / name).chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        key_ring(Settings(env="production", data_dir=tmp_path, **real))
    for name in ("personal-data.key", "national-id.key"):
        (keys / name).chmod(0o600)
    settings = Settings(env="production", data_dir=tmp_path, **real)
    ring = key_ring(settings)
    assert settings.secret_key == signing and len(ring.personal_data.id) == 8
