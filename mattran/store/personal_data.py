"""SQL for the encrypted personal-data columns as a whole: re-encryption at start, a sample for restore checks.

Run on the owner's connection; the transaction's scope is the whole country (the tables force row-level security).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from mattran.scope import Scope

# Each table with encrypted columns: its key column and the encrypted columns (``<field>_enc``).
ENCRYPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "members": ("id", ("phone_enc", "email_enc")),
    "petition_contacts": ("petition_id", ("full_name_enc", "phone_enc", "email_enc")),
    "cadres": ("id", ("email_enc",)),
}


def whole_country(conn: psycopg.Connection) -> None:
    """Let this transaction see every row (row-level security applies to the owner too when not a superuser)."""
    conn.execute("select set_config('mattran.scope', %s, true)", (Scope.everything().as_pg_array(),))


def stale(conn: psycopg.Connection, table: str, current: bytes, after: int, limit: int) -> list[tuple]:
    """Rows after key ``after`` with a value not encrypted under ``current`` (version and key id), by key."""
    key, columns = ENCRYPTED[table]
    prefix_len = len(current)
    differs = sql.SQL(" or ").join(
        sql.SQL("({c} is not null and substring({c} from 1 for {n}) <> {p})").format(
            c=sql.Identifier(c), n=sql.Literal(prefix_len), p=sql.Literal(current)
        )
        for c in columns
    )
    query = sql.SQL("select {k}, {cols} from {t} where {k} > %s and ({differs}) order by {k} limit %s").format(
        k=sql.Identifier(key),
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        t=sql.Identifier(table),
        differs=differs,
    )
    return conn.execute(query, (after, limit)).fetchall()


def rewrite(conn: psycopg.Connection, table: str, rows: Sequence[tuple]) -> None:
    """Store new values for ``rows`` (key first, then every encrypted column)."""
    key, columns = ENCRYPTED[table]
    query = sql.SQL("update {t} set {sets} where {k} = %s").format(
        t=sql.Identifier(table),
        k=sql.Identifier(key),
        sets=sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns),
    )
    with conn.cursor() as cur:
        cur.executemany(query, [(*row[1:], row[0]) for row in rows])


def sample(conn: psycopg.Connection, per_table: int) -> list[tuple[str, bytes]]:
    """(column, value) of a few encrypted values of each table that has them (the first rows, then the latest)."""
    found: list[tuple[str, bytes]] = []
    for table, (key, columns) in ENCRYPTED.items():
        present = {
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = current_schema()"
                " and table_name = %s",
                (table,),
            )
        }  # a backup of an earlier version may lack some
        for column in (c for c in columns if c in present):
            query = sql.SQL(
                "(select {c} from {t} where {c} is not null order by {k} limit %s) union all"
                " (select {c} from {t} where {c} is not null order by {k} desc limit %s)"
            ).format(c=sql.Identifier(column), t=sql.Identifier(table), k=sql.Identifier(key))
            found += [(column, bytes(r[0])) for r in conn.execute(query, (per_table, per_table))]
    return found


def has_national_id_hashes(conn: psycopg.Connection) -> bool:
    """Whether any member has a national-ID hash (made with the key the store already uses)."""
    if conn.execute("select to_regclass('members')").fetchone() == (None,):
        return False
    return conn.execute("select exists (select 1 from members where national_id_hmac is not null)").fetchone() == (
        True,
    )
