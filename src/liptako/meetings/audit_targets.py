"""The meetings' objects a journal reader may see (audit/visibility.py): those of visible
meetings; a decision also needs its own marking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from liptako.audit.visibility import register_target_visibility
from liptako.meetings.models import (
    AgendaItem,
    Attendance,
    Communique,
    Meeting,
    MeetingDecision,
    Minutes,
    MinutesSection,
)


def visible_meetings(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user)


def _in_visible_meetings(model: Any) -> Any:
    return lambda user: model.objects.filter(meeting__in=visible_meetings(user))


def register() -> None:
    register_target_visibility("meetings.meeting", visible_meetings)
    register_target_visibility(
        "meetings.meetingdecision",
        lambda user: MeetingDecision.objects.visible_to(user).filter(
            meeting__in=visible_meetings(user)
        ),
    )
    for model in (AgendaItem, Attendance, Communique, Minutes):
        register_target_visibility(model._meta.label_lower, _in_visible_meetings(model))
    register_target_visibility(
        "meetings.minutessection",
        lambda user: MinutesSection.objects.filter(minutes__meeting__in=visible_meetings(user)),
    )
