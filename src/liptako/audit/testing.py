"""Pytest fixtures for tests that meet the append-only audit log.

``audit_transactional_db``
    Use it instead of ``transactional_db`` (or together with
    ``@pytest.mark.django_db(transaction=True)``) in any test that commits audit events for
    real. After such a test pytest-django empties every table with Django's ``flush``; on
    SQLite that is a ``DELETE``, which the append-only trigger refuses, and the test errors at
    teardown. This fixture's teardown, which runs before the flush, lifts the triggers,
    empties the two audit tables, and puts the triggers back: the flush then finds nothing to
    delete there, and the next test meets an append-only log again. (On PostgreSQL the flush
    is a ``TRUNCATE``, which fires no row trigger; the fixture does the same work there, so a
    test behaves alike on both databases.)

    The flush also empties the rows that data migrations wrote (the default marking scale…),
    which later tests expect. So the fixture notes those rows the first time it is used (the
    database is then as migrations left it: transactional tests run after the others) and
    writes them back right after the flush, from the ``post_migrate`` signal the flush sends.
    Content types and permissions are left out: ``post_migrate`` itself re-creates them.

``run_concurrently`` and ``as_sqlite_waits``
    Start eight writers at once, each in its own thread and connection; retry only where the
    in-memory SQLite test database fails instead of waiting (see their docstrings).

``instance_key_in_tmp_path``
    Points ``settings.INSTANCE_SIGNING_KEY_PATH`` at a fresh temporary file, so a test that
    signs a checkpoint never creates or reads the real instance key in ``LIPTAKO_HOME``.

To use them from another app, in ``<app>/tests/conftest.py``::

    from liptako.audit.testing import audit_transactional_db  # noqa: F401

and in the test::

    def test_it_commits(audit_transactional_db: None) -> None: ...
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.db import OperationalError, connection, connections, router
from django.db.models import Model
from django.db.models.signals import post_migrate
from pytest_django.fixtures import Settings

from liptako.audit.triggers import TABLES, create_triggers, drop_triggers

# Rows that post_migrate re-creates by itself, or that no test needs back.
_NOT_RESTORED = {"contenttypes", "auth.permission", "sessions", "audit", "axes"}
_rows_after_migrations: dict[str, str] = {}


def empty_audit_tables(using: str = "default") -> None:
    """Remove every audit event and checkpoint, leaving the triggers in place (tests only)."""
    connection = connections[using]
    drop_triggers(connection)
    try:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            cursor.execute("DELETE FROM audit_audithead")
    finally:
        create_triggers(connection)


def _restored_models(alias: str) -> list[type[Model]]:
    tables = set(connections[alias].introspection.table_names())
    models = [
        model
        for model in apps.get_models()
        if model._meta.db_table in tables
        and model._meta.app_label not in _NOT_RESTORED
        and model._meta.label_lower not in _NOT_RESTORED
        and model._meta.managed
        and not model._meta.proxy
        and router.allow_migrate_model(alias, model)
    ]
    return serializers.sort_dependencies([(None, models)], allow_cycles=True)


def _note_rows_after_migrations(alias: str) -> None:
    if alias in _rows_after_migrations:
        return

    def rows() -> Iterator[Model]:
        for model in _restored_models(alias):
            yield from model._base_manager.using(alias).order_by(model._meta.pk.name).iterator()

    _rows_after_migrations[alias] = serializers.serialize("json", rows())


def _restore_after_flush(alias: str) -> None:
    """Write the noted rows back once the coming flush has emptied the tables."""

    def restore(sender: Any, using: str = "default", **kwargs: Any) -> None:
        if using != alias:
            return
        post_migrate.disconnect(restore, dispatch_uid=uid)
        connection = connections[alias]
        with connection.constraint_checks_disabled():
            for row in serializers.deserialize("json", _rows_after_migrations[alias], using=alias):
                row.save(using=alias)

    uid = f"liptako.audit.testing.restore.{alias}"
    post_migrate.connect(restore, dispatch_uid=uid, weak=False)


@pytest.fixture
def audit_transactional_db(transactional_db: None) -> Iterator[None]:
    """``transactional_db`` whose teardown flush is not refused by the audit triggers, and
    after which the rows of the data migrations are back."""
    aliases = list(connections)
    for alias in aliases:
        _note_rows_after_migrations(alias)
    yield
    for alias in aliases:
        # Threads of the test close their own connections; this is the test's own one.
        empty_audit_tables(alias)
        _lift_other_sqlite_triggers_during_flush(alias)
        _restore_after_flush(alias)


def _lift_other_sqlite_triggers_during_flush(alias: str) -> None:
    """Drop the other append-only triggers (frozen plan versions…) until the flush is done.

    On SQLite the flush is a ``DELETE`` that they would refuse; their statements are read from
    the schema and run again from the ``post_migrate`` signal the flush sends. (PostgreSQL
    flushes with ``TRUNCATE``, which fires no row trigger.)
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')

    def recreate(sender: Any, using: str = "default", **kwargs: Any) -> None:
        if using != alias:
            return
        post_migrate.disconnect(recreate, dispatch_uid=uid)
        with connections[alias].cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)

    uid = f"liptako.audit.testing.triggers.{alias}"
    post_migrate.connect(recreate, dispatch_uid=uid, weak=False)


@pytest.fixture
def instance_key_in_tmp_path(settings: Settings, tmp_path: Path) -> Path:
    """A fresh, not yet generated, instance key file for this test."""
    path = tmp_path / "instance_ed25519.pem"
    settings.INSTANCE_SIGNING_KEY_PATH = path
    return path


def as_sqlite_waits(step: Callable[[], object]) -> None:
    """Run ``step``; on the in-memory SQLite *test* database only, retry it while locked.

    That database shares one cache between threads, where a busy writer makes the others fail
    at once ("database table is locked") instead of waiting as a file database does with its
    busy timeout; the retry stands in for that wait. Anywhere else an error is raised as is
    (``LIPTAKO_TEST_SQLITE_NAME=/tmp/test.sqlite3`` runs the suite on a file, with no retry).
    """
    for _attempt in range(2000):
        try:
            step()
        except OperationalError as error:
            in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
            if not in_memory:
                raise
            if "locked" not in str(error):
                raise
            time.sleep(0.002)
        else:
            return
    raise AssertionError("a writer waited too long for the database")


def run_concurrently(target: Callable[[int], None], writers: int = 8) -> list[BaseException]:
    """Start ``writers`` threads together (each its own connection) running ``target(n)``;
    the errors they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(number)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors
