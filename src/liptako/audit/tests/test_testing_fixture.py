"""``audit_transactional_db`` leaves the database as migrations made it, triggers included.

pytest-django runs transactional tests after the others and tests that ask for no database
last: the last two tests below therefore run after the first one and its flush.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from liptako.audit.models import AuditEvent
from liptako.audit.services import audit_record
from liptako.core.models import MarkingLevel


def test_a_transactional_test_commits_audit_events(audit_transactional_db: None) -> None:
    with transaction.atomic():
        audit_record(actor=None, verb="thing.change")

    assert AuditEvent.objects.count() == 1
    assert MarkingLevel.objects.count() == 3


def test_the_data_migration_rows_are_back_after_the_flush(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("db")

    assert list(MarkingLevel.objects.order_by("rank").values_list("code", flat=True)) == [
        "NP",
        "DR",
        "C",
    ]
    assert AuditEvent.objects.count() == 0


def test_the_log_is_append_only_again_after_the_flush(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("db")
    with transaction.atomic():
        audit_record(actor=None, verb="thing.change")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1
