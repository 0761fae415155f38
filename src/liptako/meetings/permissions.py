"""Who may see and change meetings.

Everyone who sees content sees the meetings ``visible_to`` them (marking and releasability);
the secretariat convenes and records meetings, decisions, minutes and communiqués.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.accounts.permissions import is_secretariat, sees_content
from liptako.meetings.models import Communique, Meeting, MeetingDecision

rules.add_perm("meetings.view_meeting", sees_content)
rules.add_perm("meetings.manage_meeting", is_secretariat)


def can_manage_meetings(user: Any) -> bool:
    return bool(user.has_perm("meetings.manage_meeting"))


def require_manage(user: Any) -> None:
    """Services call this first: only the secretariat writes meetings."""
    if not can_manage_meetings(user):
        raise PermissionDenied


def access_meeting(user: Any, meeting_uuid: Any, *, write: bool = False) -> Meeting:
    """The meeting, if ``user`` may see it: 404 when missing or invisible, 403 on write."""
    meeting = (
        Meeting.objects.visible_to(user)
        .select_related(
            "classification", "host_state", "chair", "secretary", "alliance", "preparatory_meeting"
        )
        .filter(uuid=meeting_uuid)
        .first()
    )
    if meeting is None:
        raise Http404
    if write and not can_manage_meetings(user):
        raise PermissionDenied
    return meeting


def access_meeting_decision(
    user: Any, decision_uuid: Any, *, write: bool = False
) -> MeetingDecision:
    """A decision is visible when it and its meeting both are."""
    decision = (
        MeetingDecision.objects.visible_to(user)
        .filter(meeting__in=Meeting.objects.visible_to(user), uuid=decision_uuid)
        .select_related("meeting", "classification", "follow_up_person", "follow_up_state")
        .first()
    )
    if decision is None:
        raise Http404
    if write and not can_manage_meetings(user):
        raise PermissionDenied
    return decision


def access_communique(
    user: Any, meeting: Meeting, language: str, *, write: bool = False
) -> Communique:
    """A communiqué of a meeting the user already may see (see :func:`access_meeting`)."""
    communique = Communique.objects.filter(meeting=meeting, language=language).first()
    if communique is None:
        raise Http404
    if write and not can_manage_meetings(user):
        raise PermissionDenied
    return communique
