"""`liptako send_reminders --days N`: once a day per pending decision."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from liptako.validation.models import Reminder, VersionState
from liptako.validation.tests.conftest import Signer, approve


def test_reminders_are_sent_once_a_day_to_those_still_awaited(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    approve(signers["MLI"], in_validation.version)
    call_command("send_reminders", "--days", "2")
    assert mail.outbox == []  # not pending long enough
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        call_command("send_reminders", "--days", "2")
        call_command("send_reminders", "--days", "2")  # idempotent
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([signers["BFA"].user.email, signers["NER"].user.email])
    assert Reminder.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        call_command("send_reminders", "--days", "2")
    assert len(mail.outbox) == 4  # the next day, again
