"""A store made by the previous release, upgraded by ``mattran up``: the new migrations applied, every row there, every
key the same and working (a member's phone and a petitioner's contact decrypted, the national-ID hash found, the
receipt opening the petition's public status).

The previous release's store is this code's migrations up to ``PREVIOUS_RELEASE`` (raise it at each release), its
rows written through the domain on that schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import psycopg
import pytest

from compose.services import build_services
from mattran.auth.principal import Principal
from mattran.bootstrap import prepare_store
from mattran.domain.access import system_principal
from mattran.domain.members import add_member, list_members
from mattran.domain.petitions import PetitionIn
from mattran.domain.petitions.models import Contact
from mattran.domain.privacy import personal_data
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import DEV_APP_DB_PASSWORD, Settings
from mattran.store import migrate
from mattran.store import personal_data as encrypted_columns
from tests.support.checks import present
from tests.support.platform import MODELS_DIR, cli_env, free_port, serving
from tests.support.store import open_pool

PREVIOUS_RELEASE = "0070_jobs"  # the newest migration the previous release shipped
KEPT = ("petitions", "petition_events", "petition_contacts", "members", "units")
PREVIOUS_ENCRYPTED = {t: c for t, c in encrypted_columns.ENCRYPTED.items() if t != "cadres"} | {
    "cadre_contacts": ("id", ("email_enc",))
}  # the columns the previous release encrypts (0082 moved the cadres' e-mail)
PHONE, NATIONAL_ID, CADRE_EMAIL = "0912345678", "001079012345", "can.bo@vanmieu.example.vn"


@dataclass(frozen=True)
class Previous:
    """The previous release's store: settings, owner URL, the receipt of a petition, row counts, the key files."""

    settings: Settings
    owner: str
    receipt: str
    counts: dict[str, int]
    keys: dict[str, bytes]


def _counts(owner: str) -> dict[str, int]:
    with psycopg.connect(owner) as conn:
        return {t: present(conn.execute(f"select count(*) from {t}").fetchone())[0] for t in KEPT}


def _keys(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data_dir / "keys").iterdir())}


@pytest.fixture(scope="module")
async def previous(tmp_path_factory: pytest.TempPathFactory) -> Previous:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("previous"), database_url=None, demo_data=False, models_dir=MODELS_DIR
    )
    shipped = migrate.migration_files()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "migration_files", lambda: [m for m in shipped if m[0] <= PREVIOUS_RELEASE])
        patch.setattr(encrypted_columns, "ENCRYPTED", PREVIOUS_ENCRYPTED)
        urls = prepare_store(settings)
    async with open_pool(urls.app, max_size=2) as db:
        async with db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        intake = build_services(settings, db, resolver).petitions.intake
        body = PetitionIn(
            title="Đèn đường thôn Đông hỏng",
            content="Cả dãy đèn đường thôn Đông tắt đã hai tuần, đi lại ban đêm rất nguy hiểm.",
            unit_code="08611",
            contact=Contact(full_name="Hà Thị Nâng Cấp", phone=PHONE),
            consent=True,
        )
        filed = await intake.file(Principal.anonymous(), body, "api")
        province = system_principal(resolver.units["25"])
        async with db.transaction(province.scope()) as conn:
            await add_member(
                conn,
                province,
                personal_data(settings),
                "08611",
                {"full_name": "Hà Văn Nâng Cấp", "birth_year": 1979, "gender": "nam", "phone": PHONE,
                 "national_id": NATIONAL_ID},
            )  # fmt: skip
    with psycopg.connect(urls.owner) as conn:  # two cadres signed in, one with an e-mail and a reminder queued to it
        conn.execute("select set_config('mattran.scope', '{vn}', true)")
        for cadre in ("nang-cap-a", "nang-cap-b"):
            conn.execute("select cadre_seen(%s, %s, '08611', '{commune_cadre}')", (cadre, f"Cán bộ {cadre}"))
        email = personal_data(settings).encrypt("email", CADRE_EMAIL)
        conn.execute("select cadre_contact_seen('nang-cap-b', '08611', %s)", (email,))
        conn.execute(
            "with r as (insert into petition_reminders (petition_id, kind, deadline, unit_code)"
            " select id, 'due', now(), unit_code from petitions returning id, petition_id)"
            " insert into notification_outbox (petition_id, reminder_id, cadre_id, channel)"
            " select r.petition_id, r.id, c.id, 'email' from r, cadre_contacts c"
        )
    return Previous(settings, urls.owner, filed.tracking_code, _counts(urls.owner), _keys(settings.data_dir))


@pytest.fixture(scope="module")
def upgraded(previous: Previous) -> Iterator[str]:
    """``mattran up`` of this release on the previous release's data dir: its address while it runs."""
    data_dir = previous.settings.data_dir
    port = free_port()
    env = cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port()), MATTRAN_DEMO_DATA="false")
    with serving(port, env, data_dir, data_dir / "up.log"):
        yield f"http://127.0.0.1:{port}"


async def test_the_upgrade_keeps_every_row_and_key(previous: Previous, upgraded: str) -> None:
    shipped = {version for version, _body in migrate.migration_files()}
    newer = {v for v in shipped if v > PREVIOUS_RELEASE}
    assert newer, "nothing to upgrade: raise PREVIOUS_RELEASE"
    with psycopg.connect(previous.owner) as conn:
        applied = {r[0] for r in conn.execute("select version from schema_migrations")}
    assert applied == shipped
    assert _counts(previous.owner) == previous.counts
    assert _keys(previous.settings.data_dir) == previous.keys  # no key made again, none lost

    status = httpx2.get(f"{upgraded}/api/petitions/{previous.receipt}", timeout=30)  # the receipt still opens it
    assert status.status_code == 200 and status.json()["tracking_code"] == previous.receipt

    protector = personal_data(previous.settings)
    with psycopg.connect(previous.owner) as conn:
        contact = present(conn.execute("select full_name_enc, phone_enc from petition_contacts").fetchone())
        by_hash = conn.execute(
            "select full_name from members where national_id_hmac = %s", (protector.national_id_hash(NATIONAL_ID),)
        ).fetchall()
    assert protector.read("full_name", bytes(contact[0])) == "Hà Thị Nâng Cấp"
    assert protector.read("phone", bytes(contact[1])) == PHONE
    assert by_hash == [("Hà Văn Nâng Cấp",)]

    app_url = psycopg.conninfo.make_conninfo(previous.owner, user=migrate.APP_ROLE, password=DEV_APP_DB_PASSWORD)
    async with open_pool(app_url, max_size=1) as db:
        async with db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        province = system_principal(resolver.units["25"])
        async with db.transaction(province.scope()) as conn:  # the application role, under row-level security
            members = await list_members(conn, province, protector)
    assert [(m.full_name, m.phone) for m in members] == [("Hà Văn Nâng Cấp", PHONE)]

    with psycopg.connect(previous.owner) as conn:  # the cadres' two tables made one, the queued reminder still theirs
        cadres = conn.execute("select subject, id, email_enc from cadres order by subject").fetchall()
        queued = conn.execute("select cadre_id from notification_outbox where reminder_id is not null").fetchall()
        assert conn.execute("select to_regclass('cadre_contacts')").fetchone() == (None,)
    assert [(subject, email is None) for subject, _id, email in cadres] == [("nang-cap-a", True), ("nang-cap-b", False)]
    assert protector.read("email", bytes(cadres[1][2])) == CADRE_EMAIL
    assert queued == [(cadres[1][1],)]
