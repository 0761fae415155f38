"""``liptako audit verify`` and ``liptako audit checkpoint`` as an operator meets them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from liptako.__main__ import main
from liptako.audit.models import AuditCheckpoint, AuditEvent
from liptako.audit.triggers import drop_triggers

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def tamper_payload(sequence: int) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET payload = %s WHERE sequence = %s",
            [json.dumps({"forged": True}), sequence],
        )


def test_verify_prints_the_count_in_french(chain: list[AuditEvent]) -> None:
    assert run("verify").strip() == (
        "Journal intègre : 10 événements vérifiés, 0 point de contrôle"
    )


def test_verify_counts_the_checkpoints(chain: list[AuditEvent]) -> None:
    run("checkpoint")
    run("checkpoint")

    assert run("verify").strip() == (
        "Journal intègre : 12 événements vérifiés, 2 points de contrôle"
    )


def test_verify_names_the_first_bad_event(chain: list[AuditEvent]) -> None:
    tamper_payload(7)

    with pytest.raises(CommandError) as error:
        run("verify")

    assert error.value.returncode == 1
    assert str(error.value) == "Journal altéré : événement #7 : empreinte incorrecte"


def test_verify_exits_0_then_1_from_the_command_line(
    chain: list[AuditEvent], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["liptako", "audit", "verify"])
    # run_from_argv closes every connection at the end: keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    main()  # no SystemExit: exit status 0
    assert "10 événements vérifiés" in capsys.readouterr().out

    tamper_payload(3)
    with pytest.raises(SystemExit) as exit_status:
        main()

    assert exit_status.value.code == 1
    assert "événement #3" in capsys.readouterr().err


def test_checkpoint_signs_the_head_and_records_it(chain: list[AuditEvent]) -> None:
    output = run("checkpoint")

    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.sequence == 10
    assert checkpoint.hash == chain[-1].hash
    assert f"#{checkpoint.sequence}" in output
    assert checkpoint.hash in output
    event = AuditEvent.objects.get(sequence=11)
    assert event.verb == "audit.checkpoint"
    assert event.actor_id is None
    assert event.payload == {
        "sequence": 10,
        "hash": checkpoint.hash,
        "signature": checkpoint.signature,
    }


def test_checkpoint_refuses_to_sign_a_broken_chain(chain: list[AuditEvent]) -> None:
    tamper_payload(2)

    with pytest.raises(CommandError, match="#2") as error:
        run("checkpoint")

    assert error.value.returncode == 1
    assert AuditCheckpoint.objects.count() == 0


def test_checkpoint_refuses_a_head_that_does_not_match(
    chain: list[AuditEvent], record: Callable[..., AuditEvent]
) -> None:
    from liptako.audit.services import ChainHeadMismatch, audit_checkpoint_create

    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_audithead SET sequence = 9")

    with pytest.raises(ChainHeadMismatch):
        audit_checkpoint_create(actor=None)
    assert AuditCheckpoint.objects.count() == 0
