"""The database itself refuses UPDATE and DELETE on the audit tables (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from liptako.audit.models import AuditCheckpoint, AuditEvent
from liptako.audit.services import audit_checkpoint_create
from liptako.audit.triggers import create_triggers, drop_triggers

pytestmark = pytest.mark.django_db


def refused(sql: str, params: list[object] | None = None) -> bool:
    """True when the database refuses ``sql`` as an append-only violation."""
    message = ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    except DatabaseError as error:
        message = str(error)
    return "append-only" in message


def test_raw_update_of_an_event_is_refused(chain: list[AuditEvent]) -> None:
    assert refused("UPDATE audit_auditevent SET verb = 'forged' WHERE sequence = 3")
    assert AuditEvent.objects.get(sequence=3).verb == "thing.change"


def test_raw_delete_of_an_event_is_refused(chain: list[AuditEvent]) -> None:
    assert refused("DELETE FROM audit_auditevent WHERE sequence = 3")
    assert refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 10


def test_orm_writes_are_refused_too(chain: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=2).update(verb="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        chain[0].delete()
    assert AuditEvent.objects.filter(verb="forged").count() == 0
    assert AuditEvent.objects.count() == 10


def test_checkpoints_are_append_only(chain: list[AuditEvent]) -> None:
    checkpoint = audit_checkpoint_create(actor=None)
    assert refused("UPDATE audit_auditcheckpoint SET hash = 'x' WHERE id = %s", [checkpoint.pk])
    assert refused("DELETE FROM audit_auditcheckpoint")
    assert AuditCheckpoint.objects.get().hash == chain[-1].hash


def test_dropping_and_recreating_the_triggers(chain: list[AuditEvent]) -> None:
    drop_triggers(connection)
    drop_triggers(connection)  # idempotent
    assert not refused("UPDATE audit_auditevent SET verb = 'edited' WHERE sequence = 1")
    create_triggers(connection)
    create_triggers(connection)  # idempotent
    assert refused("UPDATE audit_auditevent SET verb = 'again' WHERE sequence = 1")
    assert AuditEvent.objects.get(sequence=1).verb == "edited"


def test_inserting_stays_allowed(chain: list[AuditEvent], record) -> None:
    assert record().sequence == 11
