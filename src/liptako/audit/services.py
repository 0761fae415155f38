"""Writing to the audit log. Every service of every app calls :func:`audit_record`."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from liptako.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from liptako.core.canonical import digest_of


def event_content(
    *,
    sequence: int,
    occurred_at: str,
    actor_id: int | None,
    actor_label: str,
    verb: str,
    target_type: str,
    target_id: str,
    target_label: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    """What an event's hash covers (also used by ``liptako audit verify``)."""
    return {
        "sequence": sequence,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "verb": verb,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label,
        "payload": payload,
        "prev_hash": prev_hash,
    }


def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Must be called inside ``transaction.atomic()`` (the change and its audit row commit or
    roll back together). The head row is locked, so concurrent writers append one at a time.
    ``payload`` must hold JSON values only.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change")
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
    )
    sequence = head.sequence + 1
    occurred_at = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_label = str(actor) if actor_id is not None else ""
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    target_label = str(target)[:300] if target is not None else ""
    content = event_content(
        sequence=sequence,
        occurred_at=occurred_at.isoformat(),
        actor_id=actor_id,
        actor_label=actor_label,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        payload=payload or {},
        prev_hash=head.hash,
    )
    event = AuditEvent.objects.create(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        payload=payload or {},
        prev_hash=head.hash,
        hash=digest_of(content),
    )
    AuditHead.objects.filter(id=1).update(sequence=sequence, hash=event.hash)
    return event
