"""``audit_record``: who, what, on which object, with which details; nothing else gets in."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable

import pytest
from django.db import transaction

from liptako.accounts.models import User
from liptako.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from liptako.audit.services import audit_record
from liptako.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_events_are_chained_in_sequence(record: Callable[..., AuditEvent]) -> None:
    first, second, third = record(), record(), record()

    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert AuditHead.objects.get().sequence == 3
    assert AuditHead.objects.get().hash == third.hash


def test_it_records_the_actor_and_the_target(secretariat: User) -> None:
    with transaction.atomic():
        event = audit_record(
            actor=secretariat, verb="user.update", target=secretariat, payload={"a": [1, "b"]}
        )

    event.refresh_from_db()
    assert event.actor_id == secretariat.pk
    assert event.actor_label == str(secretariat)
    assert event.target_type == "accounts.user"
    assert event.target_id == str(secretariat.pk)
    assert event.target_label == str(secretariat)
    assert event.payload == {"a": [1, "b"]}
    assert verify_chain().ok


def test_the_system_may_act_without_a_user(record: Callable[..., AuditEvent]) -> None:
    event = record(actor=None)

    assert event.actor_id is None
    assert event.actor_label == ""
    assert verify_chain().ok


def test_an_anonymous_user_is_recorded_as_the_system() -> None:
    from django.contrib.auth.models import AnonymousUser

    with transaction.atomic():
        event = audit_record(actor=AnonymousUser(), verb="login.fail")

    assert event.actor_id is None


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"when": datetime.date(2024, 11, 6)}, "['when']"),
        ({"amount": decimal.Decimal("1.5")}, "Decimal"),
        ({"nested": {"id": uuid.uuid4()}}, "['nested']['id']"),
        ({"items": [1, {2, 3}]}, "['items'][1]"),
        ({1: "not a string key"}, "key of type int"),
        ({"big": 2**60}, "too large"),
        ({"big_real": 1e16}, "too large"),
        ({"nan": float("nan")}, "nan"),
        ({"nul": "a\x00b"}, "NUL"),
    ],
)
def test_a_payload_that_is_not_json_is_refused_before_anything_is_written(
    payload: dict, named: str
) -> None:
    with pytest.raises(TypeError, match="audit payload") as error, transaction.atomic():
        audit_record(actor=None, verb="thing.change", payload=payload)

    assert named in str(error.value)
    assert AuditEvent.objects.count() == 0
    assert not AuditHead.objects.exists()


def test_a_payload_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match="dict"), transaction.atomic():
        audit_record(actor=None, verb="thing.change", payload=["a"])  # type: ignore[arg-type]


def test_tuples_are_stored_as_lists(record: Callable[..., AuditEvent]) -> None:
    event = record(pair=("a", 1))

    event.refresh_from_db()
    assert event.payload == {"pair": ["a", 1]}
    assert verify_chain().ok


def test_json_values_of_every_kind_verify(record: Callable[..., AuditEvent]) -> None:
    record(
        text="sécurité « défense »",
        integer=-(2**53 - 1),
        real=0.1,
        whole_real=1e15,
        small_real=1e-7,
        long_real=0.1 + 0.2,
        flag=False,
        nothing=None,
        nested={"list": [{"deep": [1.5, "x"]}], "empty": {}},
    )

    assert verify_chain().ok


def test_it_refuses_to_run_outside_a_transaction(audit_transactional_db: None) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        audit_record(actor=None, verb="thing.change")
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("verb", ["", "x" * 81])
def test_it_refuses_a_verb_that_does_not_fit(db: None, verb: str) -> None:
    with pytest.raises(ValueError, match="verb"), transaction.atomic():
        audit_record(actor=None, verb=verb)
    assert AuditEvent.objects.count() == 0


def test_the_event_rolls_back_with_the_change(record: Callable[..., AuditEvent]) -> None:
    record()

    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=None, verb="thing.change")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()

    assert AuditEvent.objects.count() == 1
    assert record().sequence == 2
    assert verify_chain().ok


def test_it_refuses_an_unsaved_target(db: None) -> None:
    with pytest.raises(ValueError, match="saved"), transaction.atomic():
        audit_record(actor=None, verb="user.create", target=User(username="ghost"))
    assert AuditEvent.objects.count() == 0
