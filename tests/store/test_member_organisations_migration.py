"""Migration 0030 on a store of the previous release: each unit's distinct organisation texts become records,
linked to the one of the same name at the level above, and every member refers to its own unit's record."""

from __future__ import annotations

import uuid

import psycopg

from mattran.bootstrap import StoreUrls
from mattran.store.migrate import migration_files

UNITS = [
    ("TW", "Trung ương", "trung_uong", 0, None, None, "vn"),
    ("15", "Tỉnh Lào Cai", "tinh", 1, "TW", "15", "vn.15"),
    ("02989", "Xã Bảo Hà", "xa", 2, "15", "15", "vn.15.02989"),
    ("02647", "Phường Lào Cai", "phuong", 2, "15", "15", "vn.15.02647"),
]
MEMBERS = [  # unit, name, organisation as typed before
    ("15", "Lò Văn Tỉnh", "Hội Nông dân"),
    ("02989", "Lò Văn A", "Hội Nông dân"),
    ("02989", "Lò Văn B", "hội nông dân"),
    ("02989", "Lò Thị C", "Hội Người cao tuổi"),
    ("02647", "Lò Văn D", "Hoi Nong Dan"),
    ("02647", "Lò Văn E", None),
]


def test_the_old_organisation_texts_become_records(urls: StoreUrls) -> None:
    name = f"to_chuc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(urls.owner, dbname=name), autocommit=True) as conn:
            for version, body in migration_files():
                if version < "0030":  # the store of the previous release
                    conn.execute(body)
            for code, unit_name, kind, level, parent, province, path in UNITS:
                conn.execute(
                    "insert into units (code, name, short_name, type, level, parent_code, province_code, path,"
                    " name_key) values (%s, %s, %s, %s, %s, %s, %s, %s, lower(%s))",
                    (code, unit_name, unit_name, kind, level, parent, province, path, unit_name),
                )
            for code, full_name, organisation in MEMBERS:
                conn.execute(
                    "insert into members (unit_code, full_name, organisation) values (%s, %s, %s)",
                    (code, full_name, organisation),
                )
            for version, body in migration_files():
                if version >= "0030":
                    conn.execute(body)
            organisations = conn.execute(
                "select o.unit_code, o.name, o.kind, p.unit_code from organisations o"
                " left join organisations p on p.id = o.parent_id order by o.unit_code, o.name"
            ).fetchall()
            members = conn.execute(
                "select m.full_name, m.organisation, o.unit_code, o.name from members m"
                " left join organisations o on o.id = m.organisation_id order by m.full_name"
            ).fetchall()
    finally:
        with psycopg.connect(urls.owner, autocommit=True) as conn:
            conn.execute(f"drop database {name} with (force)")
    assert organisations == [
        ("02647", "Hoi Nong Dan", "political_social", "15"),
        ("02989", "Hội Người cao tuổi", "other", None),
        ("02989", "Hội Nông dân", "political_social", "15"),
        ("15", "Hội Nông dân", "political_social", None),
    ]
    assert members == [
        ("Lò Thị C", "Hội Người cao tuổi", "02989", "Hội Người cao tuổi"),
        ("Lò Văn A", "Hội Nông dân", "02989", "Hội Nông dân"),
        ("Lò Văn B", "Hội Nông dân", "02989", "Hội Nông dân"),
        ("Lò Văn D", "Hoi Nong Dan", "02647", "Hoi Nong Dan"),
        ("Lò Văn E", None, None, None),
        ("Lò Văn Tỉnh", "Hội Nông dân", "15", "Hội Nông dân"),
    ]
