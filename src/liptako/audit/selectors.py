"""Reading the audit log: one scoped, filtered queryset, paginated by the views."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from liptako.audit.models import AuditEvent
from liptako.audit.permissions import can_view_log
from liptako.audit.visibility import events_visible_to


@dataclass(frozen=True)
class EventFilters:
    actor: str = ""
    verb: str = ""
    target_type: str = ""
    target: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of_day(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def event_list_for_user(*, user: Any, filters: EventFilters) -> QuerySet[AuditEvent]:
    """The events ``user`` may read that match ``filters``, newest first.

    Only the secretariat reads the log; anyone else gets an empty queryset. Text filters are
    case-insensitive: ``actor`` is part of the recorded name (or the exact username),
    ``verb`` a prefix (``plan.`` for every plan event), ``target_type`` a prefix of the
    object's type (``plans``, ``plans.action``), ``target`` the object's id or part of its
    label. Dates are whole days in the current time zone (the user's), both included.
    Events whose target is hidden from ``user`` (marking, releasability) are left out.
    """
    if not can_view_log(user):
        return AuditEvent.objects.none()
    events = events_visible_to(AuditEvent.objects.all(), user)
    if filters.actor:
        events = events.filter(
            Q(actor_label__icontains=filters.actor) | Q(actor__username__iexact=filters.actor)
        )
    if filters.verb:
        events = events.filter(verb__istartswith=filters.verb)
    if filters.target_type:
        events = events.filter(target_type__istartswith=filters.target_type)
    if filters.target:
        events = events.filter(
            Q(target_id=filters.target) | Q(target_label__icontains=filters.target)
        )
    zone = timezone.get_current_timezone()
    if filters.date_from is not None:
        events = events.filter(occurred_at__gte=_start_of_day(filters.date_from, zone))
    if filters.date_to is not None:
        next_day = filters.date_to + datetime.timedelta(days=1)
        events = events.filter(occurred_at__lt=_start_of_day(next_day, zone))
    return events.order_by("-sequence")


def known_verbs() -> list[str]:
    """Every verb in the log (for the filter's suggestions), in one query."""
    return list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct())


def known_target_types() -> list[str]:
    """Every object type in the log (for the filter's suggestions), in one query."""
    return list(
        AuditEvent.objects.exclude(target_type="")
        .order_by("target_type")
        .values_list("target_type", flat=True)
        .distinct()
    )


__all__ = ["EventFilters", "event_list_for_user", "known_target_types", "known_verbs"]
