"""Database triggers that make a table immutable (no UPDATE, no DELETE), SQLite and PostgreSQL.

Used by migrations of tables whose rows are records that must never change once written
(frozen plan versions, signed decisions…). ``audit/triggers.py`` keeps its own statements
(its migration is already applied everywhere); new tables use this helper.
"""

from __future__ import annotations

import re

from django.db.backends.base.base import BaseDatabaseWrapper

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _statements(
    connection: BaseDatabaseWrapper, *, table: str, prefix: str, what: str, create: bool
) -> list[str]:
    # Names and labels come from migrations, never from users; still refuse anything that
    # could break out of the SQL statement.
    if not _NAME.match(table) or not _NAME.match(prefix) or "'" in what or "$" in what:
        raise ValueError("Trigger names must be lowercase identifiers.")
    if connection.vendor == "sqlite":
        if not create:
            return [
                f"DROP TRIGGER IF EXISTS {prefix}_no_update",
                f"DROP TRIGGER IF EXISTS {prefix}_no_delete",
            ]
        return [
            f"""CREATE TRIGGER IF NOT EXISTS {prefix}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{what} is immutable: UPDATE refused'); END""",
            f"""CREATE TRIGGER IF NOT EXISTS {prefix}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{what} is immutable: DELETE refused'); END""",
        ]
    if connection.vendor == "postgresql":
        if not create:
            return [
                f"DROP TRIGGER IF EXISTS {prefix}_no_update_delete ON {table}",
                f"DROP FUNCTION IF EXISTS {prefix}_refuse_change()",
            ]
        return [
            f"""CREATE OR REPLACE FUNCTION {prefix}_refuse_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION '{what} is immutable: % refused', TG_OP; END;
               $$ LANGUAGE plpgsql""",
            f"""CREATE OR REPLACE TRIGGER {prefix}_no_update_delete
                BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {prefix}_refuse_change()""",
        ]
    raise RuntimeError(f"Liptako supports SQLite and PostgreSQL, not {connection.vendor}")


def create_immutable_triggers(
    connection: BaseDatabaseWrapper, *, table: str, prefix: str, what: str
) -> None:
    """Refuse every UPDATE and DELETE on ``table`` (``what`` names it in the error)."""
    with connection.cursor() as cursor:
        for statement in _statements(
            connection, table=table, prefix=prefix, what=what, create=True
        ):
            cursor.execute(statement)


def drop_immutable_triggers(
    connection: BaseDatabaseWrapper, *, table: str, prefix: str, what: str = ""
) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(
            connection, table=table, prefix=prefix, what=what, create=False
        ):
            cursor.execute(statement)
