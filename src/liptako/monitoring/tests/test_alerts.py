"""send_digests and the home page alerts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from liptako.monitoring import services
from liptako.monitoring.models import DigestSent

pytestmark = pytest.mark.django_db

# Q1 2025 reports were due on 15 April; Q2 ones are due on 15 July.
APRIL_20 = dt.datetime(2025, 4, 20, 8, tzinfo=dt.UTC)
JULY_10 = dt.datetime(2025, 7, 10, 8, tzinfo=dt.UTC)


@time_machine.travel(APRIL_20, tick=False)
def test_digests_are_sent_once_a_day_with_what_is_late(
    monitored, aes, secretariat, focal_point_ner, focal_point_bfa, expert_mli
):
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [
        "focal.bfa@example.org",
        "focal.ner@example.org",
        "secretariat@example.org",
    ]
    niger = next(m for m in mail.outbox if m.to == ["focal.ner@example.org"])
    assert "Rapports d'avancement en retard" in niger.body
    assert "T1 2025, Niger" in niger.body
    assert "Burkina" not in niger.body  # only their own state's reports
    secretariat_mail = next(m for m in mail.outbox if m.to == ["secretariat@example.org"])
    assert "T1 2025, Burkina Faso" in secretariat_mail.body
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 3
    assert DigestSent.objects.count() == 3


@time_machine.travel(JULY_10, tick=False)
def test_the_digest_announces_reports_due_this_week_and_reviews(
    monitored, aes, secretariat, focal_point_ner
):
    report = services.report_open(period=monitored.q1, member_state=aes.niger, actor=secretariat)
    report = services.report_save(
        report=report,
        actor=secretariat,
        lock_version=1,
        lines=[
            services.LineInput(action=monitored.small.action_np, percent_complete=5),
            services.LineInput(action=monitored.small.action_c, percent_complete=5),
        ],
    )
    services.report_submit(report=report, actor=secretariat, lock_version=report.lock_version)
    from liptako.monitoring.alerts import digests_send

    assert digests_send() == 2
    niger = next(m for m in mail.outbox if m.to == ["focal.ner@example.org"])
    assert "Rapports attendus cette semaine" in niger.body
    assert "T2 2025, Niger" in niger.body
    secretariat_mail = next(m for m in mail.outbox if m.to == ["secretariat@example.org"])
    assert "Rapports en attente de votre examen" in secretariat_mail.body
    assert "T1 2025, Niger" in secretariat_mail.body


@time_machine.travel(APRIL_20, tick=False)
def test_the_home_page_shows_the_reports_awaiting_the_focal_point(
    client, monitored, focal_point_ner
):
    client.force_login(focal_point_ner)
    text = client.get("/").content.decode()
    assert "Rapports d\u2019avancement attendus" in text
    assert "T1 2025 — Niger" in text
    assert f"/suivi/periodes/{monitored.q1.uid}/rapports/NER/" in text
