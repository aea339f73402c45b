"""Loading reference data (the administrative map) into the store, once per source version."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from mattran.domain import admin_map

_UNITS = "units"


def load_units(owner_url: str, progress: Callable[[str], None] = lambda _m: None, force: bool = False) -> bool:
    """Load or refresh the administrative map; return True when data was written."""
    wanted = admin_map.source_version()
    with psycopg.connect(owner_url) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('mattran.reference.units'))")
        row = conn.execute("select version from reference_data where name = %s", (_UNITS,)).fetchone()
        if row and row[0] == wanted and not force:
            return False
        progress("Nạp danh mục đơn vị hành chính (34 tỉnh, 3.321 xã)…")
        units = admin_map.current_units()
        with conn.cursor() as cur:
            cur.executemany(
                "insert into units (code, name, short_name, type, level, parent_code, province_code, path,"
                " latitude, longitude, area_km2, name_key)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s::ltree, %s, %s, %s, %s)"
                " on conflict (code) do update set name = excluded.name, short_name = excluded.short_name,"
                " type = excluded.type, level = excluded.level, parent_code = excluded.parent_code,"
                " province_code = excluded.province_code, path = excluded.path, latitude = excluded.latitude,"
                " longitude = excluded.longitude, area_km2 = excluded.area_km2, name_key = excluded.name_key",
                [
                    (
                        u.code,
                        u.name,
                        u.short_name,
                        u.type,
                        u.level,
                        u.parent_code,
                        u.province_code,
                        u.path,
                        u.latitude,
                        u.longitude,
                        u.area_km2,
                        u.name_key,
                    )
                    for u in units
                ],
            )
        progress("Chuyển đổi 10.040 đơn vị cũ (trước 7/2025) sang đơn vị mới…")
        legacy = list(admin_map.legacy_units(lambda i, n: progress(f"  {i}/{n} đơn vị cũ") if i == n else None))
        conn.execute("delete from legacy_units")
        with conn.cursor().copy(
            "copy legacy_units (code, name, type, district_name, district_type, province_name, province_code,"
            " new_code, name_key) from stdin"
        ) as copy:
            for r in legacy:
                copy.write_row(
                    (
                        r.code,
                        r.name,
                        r.type,
                        r.district_name,
                        r.district_type,
                        r.province_name,
                        r.province_code,
                        r.new_code,
                        r.name_key,
                    )
                )
        conn.execute(
            "insert into reference_data (name, version) values (%s, %s)"
            " on conflict (name) do update set version = excluded.version, loaded_at = now()",
            (_UNITS, wanted),
        )
    return True
