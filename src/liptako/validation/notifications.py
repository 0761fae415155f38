"""Mail to the people whose decision is awaited, in their language, after the commit.

Above the lowest marking the mail names no plan, only the version number and the link
(DESIGN.md: mail never carries content above NP).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from liptako.core.links import absolute_url
from liptako.core.models import MarkingLevel

if TYPE_CHECKING:
    from liptako.accounts.models import User
    from liptako.validation.models import VersionState
    from liptako.validation.selectors import Awaited


def after_commit_notify(state_pk: int) -> None:
    transaction.on_commit(lambda: notify_state(state_pk))


def notify_state(state_pk: int) -> int:
    """Mail everyone the version now awaits (or, when sent back, the secretariat)."""
    from liptako.accounts.models import Role
    from liptako.validation.models import VersionState, VersionStatus
    from liptako.validation.selectors import Awaited, awaited_decisions
    from liptako.validation.services import active_members

    state = VersionState.objects.select_related("version", "plan", "plan__classification").get(
        pk=state_pk
    )
    if state.status in (VersionStatus.CHANGES_REQUESTED, VersionStatus.RETURNED):
        informed = [
            Awaited(user, state, "sent_back", None)
            for user in active_members(Role.SECRETARIAT, None)
        ]
        return send_awaited(informed)
    return send_awaited(awaited_decisions([state]))


def send_awaited(awaited: Iterable[Awaited], *, reminder: bool = False) -> int:
    lowest = MarkingLevel.lowest()
    sent = 0
    for item in awaited:
        user: User = item.user
        if not user.email:
            continue
        state: VersionState = item.state
        plan = state.plan
        url = absolute_url(reverse("validation:plan", args=[plan.uid]))
        context = {
            "user": user,
            "kind": item.kind,
            "member_state": item.member_state,
            "version": state.version,
            "plan_title": plan.title if plan.classification.rank <= lowest.rank else "",
            "status": state.status,
            "url": url,
            "reminder": reminder,
        }
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = render_to_string("validation/mail/awaited_subject.txt", context).strip()
            body = render_to_string("validation/mail/awaited_body.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
