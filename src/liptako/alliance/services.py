"""Writes on the alliance directory: every change goes through here, with its audit event.

Every service checks ``alliance.change_directory`` for its ``actor`` (``actor=None`` is the
system itself: migrations, ``liptako demo``), validates the row completely (the model's own
validation, its constraints, and the rules below) before writing, and records one audit
event in the same transaction. Invalid input raises ``ValidationError`` with messages per
field and changes nothing.

Updates are guarded against lost updates: the caller passes the ``updated_at`` it displayed
(``expected_updated_at``) and the row is locked and compared before writing; a concurrent
edit raises :class:`ConcurrentEditError` instead of being silently overwritten.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from liptako.alliance.models import (
    Alliance,
    MemberState,
    Organisation,
    OrganisationKind,
    Person,
    Position,
)
from liptako.alliance.permissions import require_change_directory
from liptako.audit.services import audit_record

if TYPE_CHECKING:
    from liptako.accounts.models import User

ModelT = TypeVar("ModelT", bound=models.Model)


class ConcurrentEditError(ValidationError):
    """The row changed since the editor loaded it."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this record while you were editing it. "
                "Reload the page to see their changes, then apply yours again."
            ),
            code="concurrent_edit",
        )


def _authorise(actor: User | None) -> None:
    if actor is not None:
        require_change_directory(actor)


def _locked(instance: ModelT, expected_updated_at: datetime.datetime | None) -> ModelT:
    """Lock ``instance``'s row and refuse when it changed since ``expected_updated_at``."""
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_updated_at is not None and current.updated_at != expected_updated_at:  # type: ignore[attr-defined]
        raise ConcurrentEditError
    return current


def _changes(instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    """Apply ``fields`` and return the JSON-able ``{field: [old, new]}`` of what changed."""
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changed[name] = [_json(old), _json(value)]
            setattr(instance, name, value)
    return changed


def _json(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- Alliance and member states -------------------------------------------------------------


def alliance_create(
    *,
    actor: User | None,
    name: str,
    acronym: str,
    founded_on: datetime.date | None = None,
    founding_text: str = "",
    description: str = "",
    default_currency: str = "XOF",
) -> Alliance:
    """Create the alliance (one per deployment in practice)."""
    _authorise(actor)
    alliance = Alliance(
        name=name,
        acronym=acronym,
        founded_on=founded_on,
        founding_text=founding_text,
        description=description,
        default_currency=default_currency,
    )
    alliance.full_clean()
    with transaction.atomic():
        alliance.save()
        audit_record(
            actor=actor,
            verb="alliance.create",
            target=alliance,
            payload={"name": name, "acronym": acronym},
        )
    return alliance


def member_state_create(
    *,
    actor: User | None,
    alliance: Alliance,
    code: str,
    name: str,
    capital: str = "",
    timezone: str = "Africa/Bamako",
) -> MemberState:
    """Add a member state. ``code`` is its ISO 3166 alpha-3 code (three capital letters)."""
    _authorise(actor)
    member_state = MemberState(
        alliance=alliance, code=code, name=name, capital=capital, timezone=timezone
    )
    _validate_member_state(member_state)
    with transaction.atomic():
        member_state.save()
        audit_record(
            actor=actor,
            verb="member_state.create",
            target=member_state,
            payload={"code": code, "name": name, "capital": capital, "timezone": timezone},
        )
    return member_state


def member_state_update(
    *,
    actor: User | None,
    member_state: MemberState,
    expected_updated_at: datetime.datetime | None = None,
    name: str,
    capital: str,
    timezone: str,
) -> MemberState:
    """Rename a member state or change its capital or time zone (its code never changes:
    other records and signed statements refer to it)."""
    _authorise(actor)
    with transaction.atomic():
        current = _locked(member_state, expected_updated_at)
        changed = _changes(current, {"name": name, "capital": capital, "timezone": timezone})
        if not changed:
            return current
        _validate_member_state(current)
        current.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, verb="member_state.update", target=current, payload={"changes": changed}
        )
    return current


def _validate_member_state(member_state: MemberState) -> None:
    errors: dict[str, list[str]] = {}
    try:
        member_state.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if member_state.timezone not in zoneinfo.available_timezones():
        errors.setdefault("timezone", []).append(
            _("Unknown time zone. Use a name such as Africa/Bamako or Africa/Niamey.")
        )
    if not (len(member_state.code) == 3 and member_state.code.isascii()) or not (
        member_state.code.isalpha() and member_state.code.isupper()
    ):
        errors.setdefault("code", []).append(
            _("The code must be three capital letters (ISO 3166 alpha-3), e.g. MLI.")
        )
    if errors:
        raise ValidationError(errors)


# --- Organisations --------------------------------------------------------------------------


def organisation_create(
    *,
    actor: User | None,
    alliance: Alliance,
    kind: str,
    name: str,
    acronym: str = "",
    member_state: MemberState | None = None,
    parent: Organisation | None = None,
) -> Organisation:
    """Add an organisation of a member state, or a body of the alliance (no member state).

    A sub-organisation belongs to the same member state as its parent.
    """
    _authorise(actor)
    organisation = Organisation(
        alliance=alliance,
        member_state=member_state,
        parent=parent,
        kind=kind,
        name=name,
        acronym=acronym,
    )
    _validate_organisation(organisation)
    with transaction.atomic():
        organisation.save()
        audit_record(
            actor=actor,
            verb="organisation.create",
            target=organisation,
            payload={
                "name": name,
                "acronym": acronym,
                "kind": kind,
                "member_state": member_state.code if member_state else None,
                "parent": parent.pk if parent else None,
            },
        )
    return organisation


def organisation_update(
    *,
    actor: User | None,
    organisation: Organisation,
    expected_updated_at: datetime.datetime | None = None,
    kind: str,
    name: str,
    acronym: str,
    parent: Organisation | None,
) -> Organisation:
    """Rename, re-classify or move an organisation within its member state (or the
    alliance's bodies). Its member state does not change: people and positions hang on it."""
    _authorise(actor)
    with transaction.atomic():
        current = _locked(organisation, expected_updated_at)
        changed = _changes(
            current, {"kind": kind, "name": name, "acronym": acronym, "parent": parent}
        )
        if not changed:
            return current
        _validate_organisation(current)
        current.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, verb="organisation.update", target=current, payload={"changes": changed}
        )
    return current


def _validate_organisation(organisation: Organisation) -> None:
    errors: dict[str, list[str]] = {}
    try:
        # The unique constraints are conditional (per member state, or among the alliance's
        # bodies); they are checked below with a message naming the field.
        organisation.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    namesakes = Organisation.objects.filter(
        alliance_id=organisation.alliance_id,
        member_state_id=organisation.member_state_id,
        name__iexact=organisation.name,
    ).exclude(pk=organisation.pk)
    if organisation.name and namesakes.exists():
        errors.setdefault("name", []).append(
            _("An organisation with this name already exists in this member state.")
            if organisation.member_state_id
            else _("A body of the alliance with this name already exists.")
        )
    parent = organisation.parent
    if parent is not None:
        if parent.member_state_id != organisation.member_state_id:
            errors.setdefault("parent", []).append(
                _("The parent organisation must belong to the same member state.")
            )
        if parent.alliance_id != organisation.alliance_id:
            errors.setdefault("parent", []).append(
                _("The parent organisation must belong to the same alliance.")
            )
        ancestor: Organisation | None = parent
        seen: set[int] = set()
        while ancestor is not None and organisation.pk is not None:
            if ancestor.pk == organisation.pk:
                errors.setdefault("parent", []).append(
                    _("An organisation cannot be placed under itself or one of its units.")
                )
                break
            if ancestor.pk in seen:
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
    if organisation.kind == OrganisationKind.ALLIANCE_BODY and organisation.member_state_id:
        errors.setdefault("kind", []).append(
            _("A body of the alliance belongs to no member state.")
        )
    if errors:
        raise ValidationError(errors)


# --- People ---------------------------------------------------------------------------------


def person_create(
    *,
    actor: User | None,
    first_name: str,
    last_name: str,
    member_state: MemberState | None = None,
    rank: int | None = None,
    title: str = "",
    email: str = "",
    user: User | None = None,
) -> Person:
    """Add a person: a military rank or a civil title (not both), optionally their account."""
    _authorise(actor)
    person = Person(
        member_state=member_state,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        rank=rank,
        title=title.strip(),
        email=email,
        user=user,
    )
    _validate_person(person)
    with transaction.atomic():
        person.save()
        audit_record(
            actor=actor,
            verb="person.create",
            target=person,
            payload={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "rank": rank,
                "title": person.title,
                "member_state": member_state.code if member_state else None,
                "user": user.pk if user else None,
            },
        )
    return person


def person_update(
    *,
    actor: User | None,
    person: Person,
    expected_updated_at: datetime.datetime | None = None,
    first_name: str,
    last_name: str,
    member_state: MemberState | None,
    rank: int | None,
    title: str,
    email: str,
    user: User | None,
) -> Person:
    """Correct a person's names, state, rank or title, e-mail or linked account."""
    _authorise(actor)
    with transaction.atomic():
        current = _locked(person, expected_updated_at)
        changed = _changes(
            current,
            {
                "first_name": first_name.strip(),
                "last_name": last_name.strip(),
                "member_state": member_state,
                "rank": rank,
                "title": title.strip(),
                "email": email,
                "user": user,
            },
        )
        if not changed:
            return current
        _validate_person(current)
        current.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, verb="person.update", target=current, payload={"changes": changed}
        )
    return current


def _validate_person(person: Person) -> None:
    errors: dict[str, list[str]] = {}
    try:
        person.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if person.rank and person.title:
        errors.setdefault("title", []).append(
            _(
                "Give either a military rank or a civil title, not both: functions such as "
                "Ministre are positions."
            )
        )
    if errors:
        raise ValidationError(errors)


# --- Positions ------------------------------------------------------------------------------


def position_create(
    *,
    actor: User | None,
    person: Person,
    organisation: Organisation,
    title: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Position:
    """Record that ``person`` holds (or held, with ``end_date``) a post in ``organisation``."""
    _authorise(actor)
    position = Position(
        person=person,
        organisation=organisation,
        title=title.strip(),
        start_date=start_date,
        end_date=end_date,
    )
    _validate_position(position)
    with transaction.atomic():
        position.save()
        audit_record(
            actor=actor,
            verb="position.create",
            target=position,
            payload={
                "person": person.pk,
                "organisation": organisation.pk,
                "title": position.title,
                "start_date": _json(start_date),
                "end_date": _json(end_date),
            },
        )
    return position


def position_update(
    *,
    actor: User | None,
    position: Position,
    expected_updated_at: datetime.datetime | None = None,
    organisation: Organisation,
    title: str,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
) -> Position:
    """Correct a position's organisation, title or dates (its person does not change)."""
    _authorise(actor)
    with transaction.atomic():
        current = _locked(position, expected_updated_at)
        changed = _changes(
            current,
            {
                "organisation": organisation,
                "title": title.strip(),
                "start_date": start_date,
                "end_date": end_date,
            },
        )
        if not changed:
            return current
        _validate_position(current)
        current.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, verb="position.update", target=current, payload={"changes": changed}
        )
    return current


def position_end(
    *,
    actor: User | None,
    position: Position,
    end_date: datetime.date,
    expected_updated_at: datetime.datetime | None = None,
) -> Position:
    """Close a current position on ``end_date`` (the person left the post).

    Refused when the position has already ended or ``end_date`` is before its start.
    """
    _authorise(actor)
    with transaction.atomic():
        current = _locked(position, expected_updated_at)
        if current.end_date is not None:
            raise ValidationError(
                {"end_date": [_("This position has already ended.")]}, code="already_ended"
            )
        current.end_date = end_date
        _validate_position(current)
        current.save(update_fields=["end_date", "updated_at"])
        audit_record(
            actor=actor,
            verb="position.end",
            target=current,
            payload={"end_date": end_date.isoformat()},
        )
    return current


def _validate_position(position: Position) -> None:
    errors: dict[str, list[str]] = {}
    try:
        position.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if position.start_date and position.end_date and position.end_date < position.start_date:
        errors.setdefault("end_date", []).append(
            _("The end date must not be before the start date.")
        )
    if errors:
        raise ValidationError(errors)
