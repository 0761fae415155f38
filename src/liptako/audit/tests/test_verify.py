"""``verify_chain`` names the first bad event after any change made behind the application."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.utils import translation

from liptako.audit.models import AuditCheckpoint, AuditEvent
from liptako.audit.services import audit_checkpoint_create, event_content, timestamp_text
from liptako.audit.triggers import drop_triggers
from liptako.audit.verify import verify_chain
from liptako.core.canonical import digest_of

pytestmark = pytest.mark.django_db


def raw(sql: str, params: list[object] | None = None) -> None:
    """Change the audit tables behind the application's back."""
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def content_hash(event: AuditEvent, **changes: object) -> str:
    fields = {
        "sequence": event.sequence,
        "occurred_at": timestamp_text(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
    }
    fields.update(changes)
    return digest_of(event_content(**fields))  # type: ignore[arg-type]


def rewrite_from(sequence: int) -> None:
    """Recompute every hash from ``sequence`` on, as a forger who knows the algorithm would."""
    previous = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else "0" * 64
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        new_hash = content_hash(event, prev_hash=previous)
        raw(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE sequence = %s",
            [previous, new_hash, event.sequence],
        )
        previous = new_hash
    raw("UPDATE audit_audithead SET sequence = sequence, hash = %s", [previous])


def test_an_empty_log_is_whole() -> None:
    result = verify_chain()
    assert result.ok
    assert (result.events_checked, result.checkpoints_checked) == (0, 0)
    assert result.first_bad_sequence is None


def test_it_checks_every_event_and_checkpoint_of_a_whole_chain(
    chain: list[AuditEvent], record: Callable[..., AuditEvent]
) -> None:
    audit_checkpoint_create(actor=None)  # signs #10, records #11
    record()
    audit_checkpoint_create(actor=None)  # signs #12, records #13

    result = verify_chain()

    assert result.ok, result.reason
    assert result.events_checked == 13
    assert result.checkpoints_checked == 2


def test_an_edited_payload_is_named(chain: list[AuditEvent]) -> None:
    raw(
        "UPDATE audit_auditevent SET payload = %s WHERE sequence = 7",
        [json.dumps({"number": 700})],
    )

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == 7
    assert result.events_checked == 6
    assert "#7" in result.reason


@pytest.mark.parametrize(
    ("column", "value"),
    [("verb", "thing.delete"), ("actor_label", "Someone else"), ("target_label", "Other")],
)
def test_any_edited_field_is_named(chain: list[AuditEvent], column: str, value: str) -> None:
    raw(f"UPDATE audit_auditevent SET {column} = %s WHERE sequence = 3", [value])  # noqa: S608

    assert verify_chain().first_bad_sequence == 3


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(chain: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(sequence=4)
    forged = content_hash(event, payload={"number": 400})
    raw(
        "UPDATE audit_auditevent SET payload = %s, hash = %s WHERE sequence = 4",
        [json.dumps({"number": 400}), forged],
    )

    result = verify_chain()

    assert result.first_bad_sequence == 5
    assert "#5" in result.reason
    assert "#4" in result.reason


def test_a_deleted_middle_event_is_named(chain: list[AuditEvent]) -> None:
    raw("DELETE FROM audit_auditevent WHERE sequence = 5")

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == 5
    assert result.events_checked == 4
    assert "#5" in result.reason


def test_a_deleted_first_event_is_named(chain: list[AuditEvent]) -> None:
    raw("DELETE FROM audit_auditevent WHERE sequence = 1")

    result = verify_chain()

    assert result.first_bad_sequence == 1
    assert result.events_checked == 0


def test_a_forged_event_inserted_in_the_middle_is_named(chain: list[AuditEvent]) -> None:
    # Make room after #6, then insert a well-formed forgery linked to #6.
    for sequence in range(10, 6, -1):
        raw(
            "UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s",
            [sequence + 1, sequence],
        )
    six = AuditEvent.objects.get(sequence=6)
    forged = AuditEvent(
        sequence=7,
        occurred_at=six.occurred_at,
        verb="thing.change",
        payload={"number": 666},
        prev_hash=six.hash,
    )
    forged_hash = content_hash(forged)
    raw(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_label, verb, target_type,"
        " target_id, target_label, payload, prev_hash, hash)"
        " VALUES (7, %s, '', 'thing.change', '', '', '', %s, %s, %s)",
        [six.occurred_at, json.dumps({"number": 666}), six.hash, forged_hash],
    )

    result = verify_chain()

    # The forgery itself hashes correctly; the event after it no longer links.
    assert result.first_bad_sequence == 8
    assert "#8" in result.reason


def test_a_forged_event_with_a_made_up_hash_is_named(chain: list[AuditEvent]) -> None:
    ten = AuditEvent.objects.get(sequence=10)
    raw(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_label, verb, target_type,"
        " target_id, target_label, payload, prev_hash, hash)"
        " VALUES (11, %s, '', 'thing.change', '', '', '', '{}', %s, %s)",
        [ten.occurred_at, ten.hash, "f" * 64],
    )

    result = verify_chain()

    assert result.first_bad_sequence == 11
    assert result.reason.endswith("hash mismatch") or "#11" in result.reason


def test_a_well_forged_event_appended_after_the_head_is_named(chain: list[AuditEvent]) -> None:
    ten = AuditEvent.objects.get(sequence=10)
    forged = AuditEvent(
        sequence=11, occurred_at=ten.occurred_at, verb="thing.change", prev_hash=ten.hash
    )
    raw(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_label, verb, target_type,"
        " target_id, target_label, payload, prev_hash, hash)"
        " VALUES (11, %s, '', 'thing.change', '', '', '', '{}', %s, %s)",
        [ten.occurred_at, ten.hash, content_hash(forged, payload={})],
    )

    result = verify_chain()

    assert result.events_checked == 10
    assert result.first_bad_sequence == 11
    assert "#11" in result.reason


def test_a_truncated_tail_after_a_checkpoint_is_named(
    chain: list[AuditEvent], record: Callable[..., AuditEvent]
) -> None:
    audit_checkpoint_create(actor=None)  # signs #10, records #11
    record()  # #12
    # Cut the tail back to #8 and make the head agree, as a careful forger would.
    eight = AuditEvent.objects.get(sequence=8)
    raw("DELETE FROM audit_auditevent WHERE sequence > 8")
    raw("UPDATE audit_audithead SET sequence = 8, hash = %s", [eight.hash])

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == 9
    assert "#9" in result.reason
    assert "#10" in result.reason  # what the checkpoint vouches for


def test_a_truncated_tail_is_named_by_the_head_without_checkpoint(
    chain: list[AuditEvent],
) -> None:
    raw("DELETE FROM audit_auditevent WHERE sequence > 6")

    result = verify_chain()

    assert result.first_bad_sequence == 7
    assert result.events_checked == 6


def test_a_rewritten_history_is_caught_by_the_checkpoint(chain: list[AuditEvent]) -> None:
    audit_checkpoint_create(actor=None)  # signs #10
    event = AuditEvent.objects.get(sequence=3)
    raw(
        "UPDATE audit_auditevent SET payload = %s WHERE sequence = 3",
        [json.dumps({"number": 333})],
    )
    rewrite_from(3)  # every link and hash is consistent again

    result = verify_chain()

    assert event.hash != AuditEvent.objects.get(sequence=3).hash
    assert not result.ok
    assert result.first_bad_sequence == 10
    assert "point de contrôle" in result.reason


def test_a_forged_checkpoint_signature_is_named(chain: list[AuditEvent]) -> None:
    checkpoint = audit_checkpoint_create(actor=None)
    forged = bytearray(bytes.fromhex(checkpoint.signature))
    forged[0] ^= 0xFF
    raw(
        "UPDATE audit_auditcheckpoint SET signature = %s WHERE id = %s",
        [forged.hex(), checkpoint.pk],
    )

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == 10
    assert result.checkpoints_checked == 0
    assert "signature" in result.reason


def test_a_checkpoint_moved_to_another_event_is_named(chain: list[AuditEvent]) -> None:
    checkpoint = audit_checkpoint_create(actor=None)
    five = AuditEvent.objects.get(sequence=5)
    raw(
        "UPDATE audit_auditcheckpoint SET sequence = 5, hash = %s WHERE id = %s",
        [five.hash, checkpoint.pk],
    )

    result = verify_chain()

    assert result.first_bad_sequence == 5
    assert "signature" in result.reason


def test_a_checkpoint_signed_by_an_outside_key_is_named(chain: list[AuditEvent]) -> None:
    checkpoint = audit_checkpoint_create(actor=None)
    outsider = Ed25519PrivateKey.generate()
    from liptako.audit.keys import public_key_hex
    from liptako.audit.services import checkpoint_statement

    statement = checkpoint_statement(
        sequence=checkpoint.sequence, hash=checkpoint.hash, created_at=checkpoint.created_at
    )
    raw(
        "UPDATE audit_auditcheckpoint SET public_key = %s, signature = %s WHERE id = %s",
        [public_key_hex(outsider.public_key()), outsider.sign(statement).hex(), checkpoint.pk],
    )

    result = verify_chain()

    assert result.first_bad_sequence == 10
    assert "clé" in result.reason


def test_a_deleted_checkpoint_is_noticed_by_its_event(chain: list[AuditEvent]) -> None:
    checkpoint = audit_checkpoint_create(actor=None)  # signs #10, recorded by #11
    raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint.pk])

    result = verify_chain()

    assert result.first_bad_sequence == 11
    assert "#11" in result.reason


def test_checkpoints_cannot_be_checked_without_the_instance_key(
    chain: list[AuditEvent], instance_key_in_tmp_path: Path
) -> None:
    audit_checkpoint_create(actor=None)
    instance_key_in_tmp_path.unlink()

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == 10
    assert str(instance_key_in_tmp_path) in result.reason


def test_a_payload_that_cannot_be_hashed_is_named(chain: list[AuditEvent]) -> None:
    raw("UPDATE audit_auditevent SET payload = %s WHERE sequence = 2", ['{"n": 1e400}'])

    result = verify_chain()

    assert result.first_bad_sequence == 2


def test_the_reason_is_translated(chain: list[AuditEvent]) -> None:
    raw("UPDATE audit_auditevent SET verb = 'x.y' WHERE sequence = 4")

    with translation.override("fr"):
        assert verify_chain().reason == "événement #4 : empreinte incorrecte"
    with translation.override("en"):
        assert verify_chain().reason == "event #4: hash mismatch"


def test_checkpoint_rows_are_kept_in_the_same_order_as_the_chain(
    chain: list[AuditEvent],
) -> None:
    first = audit_checkpoint_create(actor=None)
    second = audit_checkpoint_create(actor=None)
    assert (first.sequence, second.sequence) == (10, 11)
    assert AuditCheckpoint.objects.count() == 2
    assert verify_chain().ok


def test_events_appended_while_verify_runs_are_not_forgeries(
    chain: list[AuditEvent], record: Callable[..., AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    from liptako.audit import verify

    audit_checkpoint_create(actor=None)  # signs #10, records #11
    walk = verify._Walk.run

    def walk_while_the_application_writes(self: verify._Walk, up_to: int) -> tuple[int, str]:
        record()  # #12, after verify read the head
        audit_checkpoint_create(actor=None)  # signs #12, records #13
        return walk(self, up_to)

    monkeypatch.setattr(verify._Walk, "run", walk_while_the_application_writes)

    result = verify_chain()

    assert result.ok, result.reason
    assert result.events_checked == 11
    assert result.checkpoints_checked == 1


def test_a_first_checkpoint_made_while_a_verification_starts_is_no_false_alarm(
    db: None, instance_key_in_tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found under load in CI: the verification read "no instance key" at its start, a writer
    # then made the key with the first checkpoint, and the walk met that checkpoint.
    from liptako.audit import verify
    from liptako.audit.services import audit_record

    audit_record(actor=None, verb="thing.change", payload={})
    assert not instance_key_in_tmp_path.exists()
    read_head = verify._read_head

    def head_after_a_writer() -> tuple[int, str]:
        audit_checkpoint_create(actor=None)  # generates the key, signs the chain
        return read_head()

    monkeypatch.setattr(verify, "_read_head", head_after_a_writer)
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checkpoints_checked == 1
