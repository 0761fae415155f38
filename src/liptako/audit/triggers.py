"""Database triggers that make the audit log append-only (SQLite and PostgreSQL).

Both the events and the signed checkpoints are append-only: an UPDATE or a DELETE on either
table is refused by the database itself, whoever sends it. Tests (and an operator repairing
a broken instance) lift the triggers with :func:`drop_triggers` and put them back with
:func:`create_triggers`; both are idempotent.

A PostgreSQL ``TRUNCATE`` fires no row trigger and is not refused here: a statement trigger
would also refuse Django's test flush in every app. ``liptako audit verify`` detects an
emptied table by the chain head, and production should revoke TRUNCATE from the application's
database role (docs/decisions/0030-audit-chain-verification.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper

EVENT_TABLE = "audit_auditevent"
CHECKPOINT_TABLE = "audit_auditcheckpoint"
TABLES = (EVENT_TABLE, CHECKPOINT_TABLE)
TABLE = EVENT_TABLE  # the name the first migration used

# One trigger-name stem per table (kept stable: databases already hold these names).
_STEMS = {EVENT_TABLE: "audit_event", CHECKPOINT_TABLE: "audit_checkpoint"}
_POSTGRES_FUNCTION = "audit_event_refuse_change"


def _sqlite_create(table: str) -> list[str]:
    stem = _STEMS[table]
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {stem}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {stem}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
    ]


def _sqlite_drop(table: str) -> list[str]:
    stem = _STEMS[table]
    return [f"DROP TRIGGER IF EXISTS {stem}_no_update", f"DROP TRIGGER IF EXISTS {stem}_no_delete"]


def _postgres_create(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {_POSTGRES_FUNCTION}() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END;
        $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE TRIGGER {_STEMS[table]}_no_update_delete
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {_POSTGRES_FUNCTION}()""",
    ]


def _postgres_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_STEMS[table]}_no_update_delete ON {table}"]


def _statements(
    connection: BaseDatabaseWrapper, tables: Iterable[str], *, create: bool
) -> list[str]:
    tables = list(tables)
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"not an audit table: {', '.join(sorted(unknown))}")
    statements: list[str] = []
    if connection.vendor == "sqlite":
        for table in tables:
            statements += _sqlite_create(table) if create else _sqlite_drop(table)
        return statements
    if connection.vendor == "postgresql":
        for table in tables:
            statements += _postgres_create(table) if create else _postgres_drop(table)
        if not create and set(tables) == set(TABLES):
            statements.append(f"DROP FUNCTION IF EXISTS {_POSTGRES_FUNCTION}()")
        return statements
    raise RuntimeError(f"Liptako supports SQLite and PostgreSQL, not {connection.vendor}")


def create_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str] = TABLES) -> None:
    """Make ``tables`` (default: both audit tables) refuse UPDATE and DELETE."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, tables, create=True):
            cursor.execute(statement)


def drop_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str] = TABLES) -> None:
    """Lift the append-only triggers of ``tables`` (default: both audit tables)."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, tables, create=False):
            cursor.execute(statement)
