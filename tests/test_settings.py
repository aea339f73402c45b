"""Settings refuse insecure defaults outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mattran.settings import Settings


def test_production_refuses_the_development_secrets() -> None:
    with pytest.raises(ValidationError, match="MATTRAN_SECRET_KEY"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="MATTRAN_APP_DB_PASSWORD"):
        Settings(env="production", secret_key="s" * 40)
    with pytest.raises(ValidationError, match="MATTRAN_OIDC_ISSUER"):
        Settings(env="production", secret_key="s" * 40, app_db_password="a-real-password")
    ok = Settings(env="production", secret_key="s" * 40, app_db_password="a-real-password",
                  oidc_issuer="https://sso.example.vn/realms/mattran", oidc_client_secret="real")
    assert ok.env == "production"


def test_database_url_switches_off_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATTRAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/mattran")
    settings = Settings()
    assert not settings.embedded and settings.database_url == "postgresql://u@db.example/mattran"
    monkeypatch.delenv("DATABASE_URL")
    assert Settings().embedded
