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

``instance_key_in_tmp_path``
    Points ``settings.INSTANCE_SIGNING_KEY_PATH`` at a fresh temporary file, so a test that
    signs a checkpoint never creates or reads the real instance key in ``LIPTAKO_HOME``.

To use them from another app, in ``<app>/tests/conftest.py``::

    from liptako.audit.testing import audit_transactional_db  # noqa: F401

and in the test::

    def test_it_commits(audit_transactional_db: None) -> None: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.db import connections, router
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
        _restore_after_flush(alias)


@pytest.fixture
def instance_key_in_tmp_path(settings: Settings, tmp_path: Path) -> Path:
    """A fresh, not yet generated, instance key file for this test."""
    path = tmp_path / "instance_ed25519.pem"
    settings.INSTANCE_SIGNING_KEY_PATH = path
    return path
