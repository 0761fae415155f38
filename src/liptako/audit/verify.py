"""Checking the audit chain and its signed checkpoints (``liptako audit verify``).

:func:`verify_chain` reads, never writes. It streams the events in sequence order (constant
memory, whatever the length of the log) and, in the same pass, the checkpoints, and stops at
the first problem, so ``first_bad_sequence`` is the earliest event that is wrong or missing:

- the sequence starts at 1 and has no gap (a deleted event is named by its number);
- each ``prev_hash`` is the hash of the event before it (the genesis hash for #1);
- each ``hash`` is recomputed from the event's content (an edited event is named);
- each checkpoint is signed by this instance's key over its sequence, hash and time, and the
  event it signed is still there with the same hash (a rewritten history or a truncated
  tail is named, even when every hash was recomputed to match);
- each ``audit.checkpoint`` event still has the checkpoint it announced (a deleted
  checkpoint is noticed);
- the chain head row names the last event (an insertion after it, or a cut tail).

The head is read first and the walk stops there, so events the application appends while
verify runs are not mistaken for forgeries; verify takes no lock and never blocks writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import Max
from django.utils.translation import gettext as _

from liptako.audit.keys import instance_key_path, instance_public_key, public_key_hex
from liptako.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditHead
from liptako.audit.services import (
    CHECKPOINT_VERB,
    checkpoint_statement,
    event_content,
    timestamp_text,
)
from liptako.core.canonical import digest_of

CHUNK_SIZE = 2000

_EVENT_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "verb",
    "target_type",
    "target_id",
    "target_label",
    "payload",
    "prev_hash",
    "hash",
)
_CHECKPOINT_FIELDS = ("id", "sequence", "hash", "created_at", "public_key", "signature")


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_bad_sequence: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class _Checkpoint:
    id: int
    sequence: int
    hash: str
    created_at: Any
    public_key: str
    signature: str


class _Failure(Exception):
    def __init__(self, sequence: int, reason: str) -> None:
        super().__init__(reason)
        self.sequence = sequence
        self.reason = reason


class _Walk:
    """One pass over the events, with the checkpoints merged in by sequence."""

    def __init__(self, public_keys: list[Ed25519PublicKey] | None) -> None:
        self.public_keys = public_keys
        self.trusted_hex = {public_key_hex(key) for key in public_keys or []}
        self.events_checked = 0
        self.checkpoints_checked = 0
        self.checkpoints = self._stream_checkpoints()
        self.next_checkpoint = next(self.checkpoints, None)
        # The signatures of the checkpoints taken at the last event seen (one, normally).
        self.signatures_at_previous: set[str] = set()

    @staticmethod
    def _stream_checkpoints() -> Iterator[_Checkpoint]:
        rows = AuditCheckpoint.objects.order_by("sequence", "id").values_list(*_CHECKPOINT_FIELDS)
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            yield _Checkpoint(*row)

    def check_signature(self, checkpoint: _Checkpoint) -> None:
        if self.public_keys is None:
            # The instance had no key when this verification started; a writer may have made it
            # since, with the first checkpoint (which cannot exist without it).
            instance_key = instance_public_key()
            if instance_key is not None:
                self.public_keys = [instance_key]
                self.trusted_hex = {public_key_hex(instance_key)}
        if self.public_keys is None:
            raise _Failure(
                checkpoint.sequence,
                _(
                    "checkpoint of event #%(sequence)s: the instance key is missing (%(path)s), "
                    "its signature cannot be checked"
                )
                % {"sequence": checkpoint.sequence, "path": instance_key_path()},
            )
        if checkpoint.public_key not in self.trusted_hex:
            raise _Failure(
                checkpoint.sequence,
                _(
                    "checkpoint of event #%(sequence)s: signed with a key that is not "
                    "this instance's"
                )
                % {"sequence": checkpoint.sequence},
            )
        statement = checkpoint_statement(
            sequence=checkpoint.sequence, hash=checkpoint.hash, created_at=checkpoint.created_at
        )
        try:
            signature = bytes.fromhex(checkpoint.signature)
        except ValueError:
            signature = b""
        for key in self.public_keys:
            if public_key_hex(key) != checkpoint.public_key:
                continue
            try:
                key.verify(signature, statement)
            except InvalidSignature:
                break
            self.checkpoints_checked += 1
            return
        raise _Failure(
            checkpoint.sequence,
            _("checkpoint of event #%(sequence)s: invalid signature")
            % {"sequence": checkpoint.sequence},
        )

    def checkpoints_at(self, sequence: int, event_hash: str) -> set[str]:
        """Check every checkpoint taken at ``sequence``; fail on one that skips past it."""
        signatures: set[str] = set()
        while self.next_checkpoint is not None and self.next_checkpoint.sequence <= sequence:
            checkpoint = self.next_checkpoint
            if checkpoint.sequence < sequence:  # defensive: gaps are caught before this
                raise _Failure(
                    checkpoint.sequence,
                    _("event #%(sequence)s: missing, yet a signed checkpoint covers it")
                    % {"sequence": checkpoint.sequence},
                )
            self.check_signature(checkpoint)
            if checkpoint.hash != event_hash:
                raise _Failure(
                    sequence,
                    _("event #%(sequence)s: hash differs from the one signed in a checkpoint")
                    % {"sequence": sequence},
                )
            signatures.add(checkpoint.signature)
            self.next_checkpoint = next(self.checkpoints, None)
        return signatures

    def run(self, up_to: int) -> tuple[int, str]:
        """Walk the chain up to sequence ``up_to``; return the last sequence and hash read."""
        self.signatures_at_previous = self.checkpoints_at(0, GENESIS_HASH)
        previous_sequence = 0
        previous_hash = GENESIS_HASH
        rows = (
            AuditEvent.objects.filter(sequence__lte=up_to)
            .order_by("sequence")
            .values_list(*_EVENT_FIELDS)
        )
        iterator = rows.iterator(chunk_size=CHUNK_SIZE)
        while True:
            try:
                row = next(iterator, None)
            except (ValueError, TypeError) as error:  # a value the database cannot decode
                raise _Failure(
                    previous_sequence + 1,
                    _("event #%(sequence)s: cannot be read (%(error)s)")
                    % {"sequence": previous_sequence + 1, "error": error},
                ) from None
            if row is None:
                return previous_sequence, previous_hash
            self.check_event(
                dict(zip(_EVENT_FIELDS, row, strict=True)), previous_sequence, previous_hash
            )
            previous_sequence, previous_hash = row[0], row[-1]
            self.events_checked += 1

    def check_event(
        self, event: dict[str, Any], previous_sequence: int, previous_hash: str
    ) -> None:
        sequence = event["sequence"]
        expected = previous_sequence + 1
        if sequence != expected:
            if previous_sequence == 0:
                reason = _("event #%(sequence)s: missing (the chain starts at #%(next)s)")
            else:
                reason = _(
                    "event #%(sequence)s: missing (the chain jumps from #%(previous)s to #%(next)s)"
                )
            raise _Failure(
                expected,
                reason % {"sequence": expected, "previous": previous_sequence, "next": sequence},
            )
        if event["prev_hash"] != previous_hash:
            if previous_sequence == 0:
                reason = _("event #%(sequence)s: does not start from the genesis hash")
            else:
                reason = _("event #%(sequence)s: previous hash does not match event #%(previous)s")
            raise _Failure(sequence, reason % {"sequence": sequence, "previous": previous_sequence})
        try:
            recomputed = digest_of(
                event_content(
                    sequence=sequence,
                    occurred_at=timestamp_text(event["occurred_at"]),
                    actor_id=event["actor_id"],
                    actor_label=event["actor_label"],
                    verb=event["verb"],
                    target_type=event["target_type"],
                    target_id=event["target_id"],
                    target_label=event["target_label"],
                    payload=event["payload"],
                    prev_hash=event["prev_hash"],
                )
            )
        except Exception as error:  # any content that cannot be hashed is a bad event
            raise _Failure(
                sequence,
                _("event #%(sequence)s: cannot be read (%(error)s)")
                % {"sequence": sequence, "error": error},
            ) from None
        if recomputed != event["hash"]:
            raise _Failure(
                sequence, _("event #%(sequence)s: hash mismatch") % {"sequence": sequence}
            )
        if event["verb"] == CHECKPOINT_VERB:
            announced = (
                event["payload"].get("signature") if isinstance(event["payload"], dict) else None
            )
            if announced not in self.signatures_at_previous:
                raise _Failure(
                    sequence,
                    _(
                        "event #%(sequence)s: the checkpoint it records (of event "
                        "#%(previous)s) is missing"
                    )
                    % {"sequence": sequence, "previous": previous_sequence},
                )
        self.signatures_at_previous = self.checkpoints_at(sequence, event["hash"])

    def check_tail(self, last_sequence: int, last_hash: str, head: tuple[int, str]) -> None:
        """Compare the end of the walk with the head read before it (``head``).

        Events and checkpoints that the application appends while verify runs lie beyond
        that head; they are legitimate when the head, read again now, covers them.
        """
        head_sequence, head_hash = head
        if head_sequence > last_sequence:
            raise _Failure(
                last_sequence + 1,
                _("event #%(sequence)s: missing (the chain head is #%(head)s)")
                % {"sequence": last_sequence + 1, "head": head_sequence},
            )
        if head_hash != last_hash:
            raise _Failure(
                last_sequence,
                _("event #%(sequence)s: hash differs from the chain head")
                % {"sequence": last_sequence},
            )
        beyond = AuditEvent.objects.filter(sequence__gt=head_sequence).aggregate(
            highest=Max("sequence")
        )["highest"]
        if beyond is None and self.next_checkpoint is None:
            return
        current_sequence, _current_hash = _read_head()
        if self.next_checkpoint is not None and self.next_checkpoint.sequence > current_sequence:
            raise _Failure(
                last_sequence + 1,
                _(
                    "event #%(sequence)s: missing (the chain ends at #%(last)s, yet a signed "
                    "checkpoint covers #%(checkpoint)s)"
                )
                % {
                    "sequence": last_sequence + 1,
                    "last": last_sequence,
                    "checkpoint": self.next_checkpoint.sequence,
                },
            )
        if beyond is not None and beyond > current_sequence:
            raise _Failure(
                current_sequence + 1,
                _("event #%(sequence)s: not recorded by the chain head (#%(head)s)")
                % {"sequence": current_sequence + 1, "head": current_sequence},
            )


def _read_head() -> tuple[int, str]:
    head = AuditHead.objects.filter(id=1).values_list("sequence", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def verify_chain(*, public_keys: Iterable[Ed25519PublicKey] | None = None) -> VerificationResult:
    """Check the whole audit chain and every checkpoint; report the first problem.

    ``public_keys`` are the keys whose checkpoints are trusted; by default the instance's own
    key (a checkpoint cannot be checked, and fails, when the instance has no key file).
    """
    if public_keys is None:
        instance_key = instance_public_key()
        keys = [instance_key] if instance_key is not None else None
    else:
        keys = list(public_keys)
    # The head first: events appended while the walk runs lie beyond it and are left to the
    # next verification, so a busy instance verifies without false alarms and without
    # holding any lock (an IMMEDIATE transaction would stop every writer on SQLite).
    head = _read_head()
    walk = _Walk(keys)
    try:
        last_sequence, last_hash = walk.run(up_to=head[0])
        walk.check_tail(last_sequence, last_hash, head)
    except _Failure as failure:
        return VerificationResult(
            ok=False,
            events_checked=walk.events_checked,
            checkpoints_checked=walk.checkpoints_checked,
            first_bad_sequence=failure.sequence,
            reason=failure.reason,
        )
    return VerificationResult(
        ok=True,
        events_checked=walk.events_checked,
        checkpoints_checked=walk.checkpoints_checked,
    )
