"""Concurrent writers append one at a time: the chain never forks and has no gap.

On PostgreSQL writers queue on the head row's lock (``SELECT ... FOR UPDATE``); on SQLite on
the database write lock taken at ``BEGIN IMMEDIATE``, waited for by the busy timeout. The
default SQLite *test* database is in memory with a shared cache, where a busy writer makes
the others fail at once ("database table is locked") instead of waiting: there, and only
there, ``as_sqlite_waits`` retries, standing in for the busy timeout of a file database.
(``LIPTAKO_TEST_SQLITE_NAME=/tmp/test.sqlite3`` runs the suite on a file, with no retry.)
"""

from __future__ import annotations

import threading

from django.db import connection, transaction

from liptako.audit.models import AuditEvent, AuditHead
from liptako.audit.services import audit_checkpoint_create, audit_record
from liptako.audit.testing import as_sqlite_waits, run_concurrently
from liptako.audit.verify import verify_chain

WRITERS = 8  # run_concurrently's default
EVENTS_PER_WRITER = 5


def test_eight_concurrent_writers_make_one_chain(audit_transactional_db: None) -> None:
    def append(number: int) -> None:
        for index in range(EVENTS_PER_WRITER):

            def step(index: int = index) -> None:
                with transaction.atomic():
                    audit_record(
                        actor=None, verb="thing.change", payload={"writer": number, "index": index}
                    )

            as_sqlite_waits(step)

    errors = run_concurrently(append)

    assert errors == []
    total = WRITERS * EVENTS_PER_WRITER
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))  # no gap, no duplicate
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == total  # no two events share a parent: no fork
    assert AuditHead.objects.get().sequence == total
    result = verify_chain()
    assert result.ok, result.reason
    assert result.events_checked == total
    # Every writer's events are all there.
    for number in range(WRITERS):
        assert AuditEvent.objects.filter(payload__writer=number).count() == EVENTS_PER_WRITER


def test_concurrent_checkpoints_and_writers_keep_the_chain_whole(
    audit_transactional_db: None,
) -> None:
    def work(number: int) -> None:
        for index in range(3):
            if number % 2:
                as_sqlite_waits(lambda: audit_checkpoint_create(actor=None))
            else:

                def step(index: int = index) -> None:
                    with transaction.atomic():
                        audit_record(actor=None, verb="thing.change", payload={"n": index})

                as_sqlite_waits(step)

    errors = run_concurrently(work)

    assert errors == []
    result = verify_chain()
    assert result.ok, result.reason
    assert result.events_checked == WRITERS * 3
    assert result.checkpoints_checked == WRITERS // 2 * 3


def test_verify_while_writers_append_raises_no_false_alarm(
    audit_transactional_db: None,
) -> None:
    results = []
    done = threading.Event()

    def verify_repeatedly() -> None:
        try:
            while not done.is_set():
                as_sqlite_waits(lambda: results.append(verify_chain()))
        finally:
            connection.close()

    def append(number: int) -> None:
        for index in range(EVENTS_PER_WRITER):
            if number == 0 and index % 2:
                as_sqlite_waits(lambda: audit_checkpoint_create(actor=None))
                continue

            def step(index: int = index) -> None:
                with transaction.atomic():
                    audit_record(actor=None, verb="thing.change", payload={"n": index})

            as_sqlite_waits(step)

    verifier = threading.Thread(target=verify_repeatedly)
    verifier.start()
    try:
        errors = run_concurrently(append)
    finally:
        done.set()
        verifier.join(timeout=120)

    assert errors == []
    assert results, "verify never ran"
    assert [result.reason for result in results if not result.ok] == []
    final = verify_chain()
    assert final.ok, final.reason
    assert final.events_checked == WRITERS * EVENTS_PER_WRITER
