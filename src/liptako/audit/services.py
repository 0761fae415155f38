"""Writing to the audit log. Every service of every app calls :func:`audit_record`."""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from liptako.audit.keys import instance_private_key, public_key_hex
from liptako.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditHead
from liptako.core.canonical import canonical_json, digest_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# RFC 8785 numbers are IEEE doubles: larger integers would not survive a round trip.
_LARGEST_EXACT_INTEGER = 2**53 - 1
CHECKPOINT_VERB = "audit.checkpoint"
VERB_MAX_LENGTH = 80  # AuditEvent.verb


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


def timestamp_text(moment: datetime.datetime) -> str:
    """How a stored time enters a hash or a signature: ISO 8601 in UTC, to the microsecond."""
    return moment.astimezone(datetime.UTC).isoformat()


def checkpoint_statement(*, sequence: int, hash: str, created_at: datetime.datetime) -> bytes:
    """The bytes a checkpoint's Ed25519 signature covers (also used by verify)."""
    return canonical_json(
        {"sequence": sequence, "hash": hash, "created_at": timestamp_text(created_at)}
    )


def _check_json(value: Any, where: str) -> None:
    """Raise ``TypeError`` naming the first value of ``value`` that is not plain JSON."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL's jsonb cannot hold it: fail the same way on every database.
            raise TypeError(f"audit payload {where} holds a NUL character")
        return
    if isinstance(value, int):
        if abs(value) > _LARGEST_EXACT_INTEGER:
            raise TypeError(
                f"audit payload {where} is an integer too large for JSON ({value}); "
                "send it as a string"
            )
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"audit payload {where} is {value}, which JSON cannot hold")
        if abs(value) > _LARGEST_EXACT_INTEGER:
            # PostgreSQL's jsonb gives 1e16 back as the integer 10000000000000000, beyond
            # the exact range: the event would no longer hash the same.
            raise TypeError(
                f"audit payload {where} is a number too large for JSON ({value}); "
                "send it as a string"
            )
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"audit payload {where} has a key of type {type(key).__name__} "
                    f"({key!r}); JSON keys are strings"
                )
            if "\x00" in key:
                raise TypeError(f"audit payload {where} has a key holding a NUL character")
            _check_json(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    raise TypeError(
        f"audit payload {where} is a {type(value).__name__} ({value!r:.80}); only JSON values "
        "are allowed (dict, list, str, int, float, bool, None): convert dates, decimals, "
        "UUIDs and model instances to strings first"
    )


def _plain_json(value: Any) -> Any:
    # Tuples become lists, as they come back from the database.
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(item) for item in value]
    return value


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    verb: str,
    target: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``actor`` is the user who acted, or ``None`` for the system itself (commands, the demo
    loader, background jobs); an anonymous user counts as the system. ``verb`` is
    ``<entity>.<verb>`` (``plan.freeze``). ``payload`` is a dict of JSON values only:
    anything else (a date, a Decimal, a model instance) raises ``TypeError`` naming it, before
    anything is written; ``ValueError`` for an unsaved ``target``, or a ``verb`` that is
    empty or longer than 80 characters.

    Must be called inside ``transaction.atomic()`` (the change and its audit row commit or
    roll back together): raises ``RuntimeError`` otherwise. The head row is locked, so
    concurrent writers append one at a time and the chain never forks.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change")
    if not verb or len(verb) > VERB_MAX_LENGTH:
        raise ValueError(f"audit verb must be 1 to {VERB_MAX_LENGTH} characters, got {verb!r}")
    if target is not None and target.pk is None:
        raise ValueError("audit target must be saved before it is recorded")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise TypeError(f"audit payload must be a dict, not {type(payload).__name__}")
    _check_json(payload, "payload")
    payload = _plain_json(payload)

    head, _created = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
    )
    sequence = head.sequence + 1
    occurred_at = timezone.now()
    is_person = actor is not None and actor.is_authenticated
    actor_id = actor.pk if is_person else None  # type: ignore[union-attr]
    actor_label = str(actor)[:200] if is_person else ""
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    target_label = str(target)[:300] if target is not None else ""
    content = event_content(
        sequence=sequence,
        occurred_at=timestamp_text(occurred_at),
        actor_id=actor_id,
        actor_label=actor_label,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        payload=payload,
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
        payload=payload,
        prev_hash=head.hash,
        hash=digest_of(content),
    )
    AuditHead.objects.filter(id=1).update(sequence=sequence, hash=event.hash)
    return event


class ChainHeadMismatch(Exception):
    """The head row does not describe the last event: the chain was altered, do not sign."""


def audit_checkpoint_create(*, actor: AbstractBaseUser | AnonymousUser | None) -> AuditCheckpoint:
    """Sign the chain head with the instance's key and store it as a checkpoint.

    The checkpoint covers the head *before* this call records its own ``audit.checkpoint``
    event: that event (sequence n + 1) names the checkpoint it announces (sequence n, hash,
    signature), so verify can also tell when a checkpoint row was removed. An empty chain is
    checkpointed at sequence 0 with the genesis hash.

    The head is locked for the whole transaction, so no event slips in between the signed
    head and the announcing event. Raises ``ChainHeadMismatch`` when the head row does not
    match the last event (someone altered the tables: run ``liptako audit verify``); generates
    the instance key on first use.
    """
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(
            id=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
        )
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        if (last or (0, GENESIS_HASH)) != (head.sequence, head.hash):
            raise ChainHeadMismatch(
                f"the chain head (#{head.sequence}) does not match the last event "
                f"(#{last[0] if last else 0}); run `liptako audit verify`"
            )
        key = instance_private_key()
        created_at = timezone.now()
        statement = checkpoint_statement(
            sequence=head.sequence, hash=head.hash, created_at=created_at
        )
        checkpoint = AuditCheckpoint.objects.create(
            sequence=head.sequence,
            hash=head.hash,
            created_at=created_at,
            public_key=public_key_hex(key.public_key()),
            signature=key.sign(statement).hex(),
        )
        audit_record(
            actor=actor,
            verb=CHECKPOINT_VERB,
            target=checkpoint,
            payload={
                "sequence": checkpoint.sequence,
                "hash": checkpoint.hash,
                "signature": checkpoint.signature,
            },
        )
    return checkpoint
