"""The meetings app's panels on the home page: the follow-ups the user owns, and what's next."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liptako.core.home import HomeItem, HomePanel, register_home_panel
from liptako.meetings import selectors
from liptako.meetings.models import MeetingDecision

PANEL_SIZE = 5
CONTENT_ROLES = ("secretariat", "validator", "authority", "expert", "focal_point", "observer")


def _follow_up_item(decision: MeetingDecision, today: dt.date) -> HomeItem:
    due = decision.due_date
    detail = ""
    if due is not None:
        detail = _("due %(date)s") % {"date": date_format(due, "j F Y")}
        if due < today:
            detail = _("overdue since %(date)s") % {"date": date_format(due, "j F Y")}
    label = f"{decision.reference} — {decision.follow_up or decision.text}"
    url = reverse("meetings:meeting-detail", args=[decision.meeting.uuid]) + "#decisions"
    return HomeItem(label=label[:200], url=url, detail=detail)


def follow_ups_panel(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel | None:
    """Secretariat: every open follow-up. Others: those owned by them or their member states."""
    user = request.user
    if not user.has_perm("meetings.view_meeting"):
        return None
    today = timezone.localdate()
    if user.access.sees_all_member_states:  # type: ignore[union-attr]
        follow_ups = selectors.follow_up_list_for_user(user=user, today=today)
        title = gettext_lazy("Open follow-ups of decisions")
    else:
        person = getattr(user, "person", None)
        follow_ups = selectors.follow_up_list_for_user(
            user=user,
            today=today,
            person_id=person.pk if person is not None else None,
            member_state_ids=member_state_ids,
        )
        title = gettext_lazy("Follow-ups you own")
    return HomePanel(
        title=title,
        items=[_follow_up_item(decision, today) for decision in follow_ups[:PANEL_SIZE]],
        empty_message=gettext_lazy("No follow-up is open."),
        more_url=reverse("meetings:follow-up-list"),
    )


def register() -> None:
    for role in CONTENT_ROLES:
        register_home_panel(
            key=f"meetings.follow-ups.{role}", role=role, order=40, build=follow_ups_panel
        )
