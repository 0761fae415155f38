"""Reminders about decisions pending for more than N days, at most one a day per decision."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from liptako.validation.models import Reminder
from liptako.validation.notifications import send_awaited
from liptako.validation.selectors import Awaited, awaited_decisions, pending_states


def reminders_send(*, days: int, today: date | None = None) -> int:
    """Mail each person whose decision has been awaited ``days`` days or more; idempotent.

    A row per (version, recipient, decision, day) is claimed first (unique constraint), so
    running the command twice a day, or on two machines at once, mails once.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    due = [
        state for state in pending_states() if state.status_changed_at <= now - timedelta(days=days)
    ]
    claimed: list[Awaited] = []
    for awaited in awaited_decisions(due):
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    version=awaited.state.version,
                    recipient=awaited.user,
                    kind=awaited.kind,
                    day=today,
                )
        except IntegrityError:
            continue  # already reminded today
        claimed.append(awaited)
    return send_awaited(claimed, reminder=True)
