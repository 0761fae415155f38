"""The monitoring pages as people use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from liptako.audit.models import AuditEvent
from liptako.monitoring import services
from liptako.monitoring.models import Evidence, ProgressLine, ProgressReport, ReportStatus

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 4, 20, 10, tzinfo=dt.UTC)


def _report_url(period, code):
    return f"/suivi/periodes/{period.uid}/rapports/{code}/"


def _form_data(action, lock_version=0, **fields):
    data = {"lock_version": str(lock_version)}
    for name, value in fields.items():
        data[f"{action.uid}-{name}"] = value
    return data


def _latest_report(state):
    return ProgressReport.objects.get(member_state=state)


@time_machine.travel(TODAY, tick=False)
def test_burkina_reports_returned_corrected_accepted_and_the_dashboard_moves(
    client, monitored, aes, focal_point_bfa, secretariat
):
    small = monitored.small
    url = _report_url(monitored.q1, "BFA")
    client.force_login(focal_point_bfa)
    page = client.get(url)
    assert page.status_code == 200
    assert "Rapport d'avancement" in page.content.decode()
    # Burkina Faso partners action_np and leads action_dr: one block each
    assert str(small.action_np.uid) in page.content.decode()
    assert str(small.action_dr.uid) in page.content.decode()
    data = _form_data(
        small.action_np, status="on_track", percent_complete="30", narrative="Atelier"
    )
    data.update(
        _form_data(small.action_dr, status="at_risk", percent_complete="10", difficulties="Budget")
    )
    data.pop("lock_version")
    data["lock_version"] = "0"
    data["submit"] = "1"
    response = client.post(url, data)
    report = _latest_report(aes.burkina)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert report.status == ReportStatus.SUBMITTED

    client.force_login(secretariat)
    detail = f"/suivi/rapports/{report.uid}/"
    response = client.post(
        f"{detail}examen/",
        {
            "decision": "return",
            "reason": "Chiffres à préciser",
            f"{small.action_dr.uid}-review_comment": "Quel budget manque ?",
            "lock_version": report.lock_version,
        },
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert ProgressLine.objects.get(report=report, action=small.action_dr).review_comment

    client.force_login(focal_point_bfa)
    page = client.get(url).content.decode()
    assert "Quel budget manque ?" in page
    data["lock_version"] = str(report.lock_version)
    data[f"{small.action_dr.uid}-percent_complete"] = "15"
    client.post(url, data)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    client.force_login(secretariat)
    client.post(f"{detail}examen/", {"decision": "accept", "lock_version": report.lock_version})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    page = client.get(f"/suivi/plans/{monitored.plan.uid}/etats/BFA/?periode={monitored.q1.uid}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "15,0 %" in text or "15.0 %" in text  # the action Burkina Faso leads
    assert "<svg" in text
    assert "Comment ces chiffres sont calculés" in text


@time_machine.travel(TODAY, tick=False)
def test_a_niger_focal_point_cannot_report_for_burkina(client, monitored, focal_point_ner):
    client.force_login(focal_point_ner)
    url = _report_url(monitored.q1, "BFA")
    assert client.get(url).status_code == 403
    data = _form_data(monitored.small.action_np, status="on_track", percent_complete="50")
    assert client.post(url, data).status_code == 403
    assert not ProgressReport.objects.exists()


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("admin_user", 404),
        ("observer", 403),
        ("expert_mli", 403),
        ("validator_bfa", 403),
        ("focal_point_ner", 403),
        ("focal_point_mli", 302),
        ("secretariat", 302),
    ],
)
def test_who_may_save_mali_s_report(client, request, monitored, persona, expected):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    data = _form_data(monitored.small.action_np, status="on_track", percent_complete="50")
    response = client.post(_report_url(monitored.q1, "MLI"), data)
    assert response.status_code == expected
    if expected != 302 or persona == "anonymous":
        assert not ProgressReport.objects.exists()
    else:
        assert ProgressLine.objects.get().percent_complete == 50


@time_machine.travel(TODAY, tick=False)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client, monitored, focal_point_ner
):
    client.force_login(focal_point_ner)
    action = monitored.small.action_np
    data = _form_data(action, status="done", percent_complete="40")
    data[f"{action.uid}-indicator-{monitored.small.indicator.uid}"] = "beaucoup"
    response = client.post(_report_url(monitored.q1, "NER"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Une action terminée est complète : indiquez 100." in text
    assert "Saisissez un nombre." in text
    assert 'value="beaucoup"' in text
    assert not ProgressLine.objects.exists()


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("focal_point_ner", 403), ("expert_mli", 404), ("outsider", 404), ("secretariat", 302)],
)
def test_only_the_secretariat_reviews(
    client, request, monitored, aes, secretariat, persona, expected
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
    report = services.report_submit(
        report=report, actor=secretariat, lock_version=report.lock_version
    )
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        f"/suivi/rapports/{report.uid}/examen/",
        {"decision": "accept", "lock_version": report.lock_version},
    )
    assert response.status_code == expected
    report.refresh_from_db()
    assert (report.status == ReportStatus.ACCEPTED) is (persona == "secretariat")


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("focal_point_ner", 403), ("expert_mli", 403), ("observer", 403), ("secretariat", 302)],
)
def test_only_the_secretariat_closes_a_period(client, request, monitored, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/suivi/periodes/{monitored.q1.uid}/cloturer/")
    assert response.status_code == expected
    monitored.q1.refresh_from_db()
    assert monitored.q1.is_open is (persona != "secretariat")


@time_machine.travel(TODAY, tick=False)
def test_periods_page_flags_late_and_missing_reports(client, monitored, secretariat):
    client.force_login(secretariat)
    text = client.get(f"/suivi/plans/{monitored.plan.uid}/periodes/").content.decode()
    assert "T1 2025" in text
    # Q1 was due on 15 April 2025: every state is late on 20 April
    assert text.count("Manquant") == 3


@time_machine.travel(TODAY, tick=False)
def test_evidence_is_served_only_to_those_who_may_read_the_report(
    client, monitored, aes, focal_point_ner, focal_point_bfa, secretariat
):
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    client.force_login(focal_point_ner)
    upload = SimpleUploadedFile("preuve.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(f"/suivi/rapports/{report.uid}/preuves/", {"file": upload})
    evidence = Evidence.objects.get()
    url = f"/suivi/preuves/{evidence.uid}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    client.force_login(focal_point_bfa)  # a draft of another state
    assert client.get(url).status_code == 404
    fake = SimpleUploadedFile("image.png", b"MZ\x90\x00 not an image", content_type="image/png")
    client.force_login(focal_point_ner)
    client.post(f"/suivi/rapports/{report.uid}/preuves/", {"file": fake})
    assert Evidence.objects.count() == 1
    assert AuditEvent.objects.filter(verb="evidence.add").count() == 1


def _accept_all(monitored, aes, secretariat, periods):
    from liptako.plans.models import Action

    for period in periods:
        for state in aes.states:
            report = services.report_open(period=period, member_state=state, actor=secretariat)
            actions = services.actions_of_state(monitored.plan, state.pk)
            report = services.report_save(
                report=report,
                actor=secretariat,
                lock_version=report.lock_version,
                lines=[
                    services.LineInput(action=action, status="on_track", percent_complete=20)
                    for action in Action.objects.filter(pk__in=actions.values("pk"))
                ],
            )
            report = services.report_submit(
                report=report, actor=secretariat, lock_version=report.lock_version
            )
            services.report_review(
                report=report, actor=secretariat, lock_version=report.lock_version, accept=True
            )


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@time_machine.travel(dt.datetime(2025, 10, 20, 10, tzinfo=dt.UTC), tick=False)
def test_page_query_counts_do_not_grow_with_reports_and_lines(
    client, monitored, aes, secretariat, django_assert_max_num_queries
):
    client.force_login(secretariat)
    urls = [
        f"/suivi/plans/{monitored.plan.uid}/",
        f"/suivi/plans/{monitored.plan.uid}/periodes/",
        _report_url(monitored.q1, "MLI"),
        f"/suivi/plans/{monitored.plan.uid}/actions/{monitored.small.action_np.uid}/",
    ]
    _accept_all(monitored, aes, secretariat, monitored.periods[:1])
    small = [_count_queries(client, url, django_assert_max_num_queries) for url in urls]
    _accept_all(monitored, aes, secretariat, monitored.periods[1:3])
    from liptako.plans.tests.conftest import make_actions

    make_actions(monitored.plan, monitored.small.objective12, 20)
    larger = [_count_queries(client, url, django_assert_max_num_queries) for url in urls]
    assert small == larger


@time_machine.travel(TODAY, tick=False)
def test_the_action_page_shows_its_progress_history(client, monitored, aes, secretariat):
    _accept_all(monitored, aes, secretariat, [monitored.q1])
    client.force_login(secretariat)
    text = client.get(
        f"/suivi/plans/{monitored.plan.uid}/actions/{monitored.small.action_np.uid}/"
    ).content.decode()
    assert "<svg" in text
    assert len(re.findall(r"<rect ", text)) == 3  # Mali, Burkina Faso and Niger reported on Q1
    assert "Accepté" in text


@time_machine.travel(TODAY, tick=False)
def test_the_xlsx_holds_only_what_the_user_may_see(client, monitored, aes, secretariat, expert_mli):
    import io

    from openpyxl import load_workbook

    _accept_all(monitored, aes, secretariat, [monitored.q1])
    client.force_login(expert_mli)
    response = client.get(f"/suivi/plans/{monitored.plan.uid}/donnees.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Rapports",
        "Lignes d'avancement",
        "Valeurs d'indicateurs",
        "Par axe",
    ]
    lines = workbook["Lignes d'avancement"]
    assert lines["A1"].value == "Diffusion restreinte (DR)"
    codes = {row[3] for row in lines.iter_rows(min_row=3, values_only=True)}
    assert monitored.small.action_c.code not in codes  # confidential: withheld
    assert monitored.small.action_np.code in codes


@time_machine.travel(TODAY, tick=False)
def test_the_secretariat_sets_period_targets_all_or_nothing(
    client, monitored, secretariat, focal_point_ner
):
    from liptako.monitoring.models import IndicatorTarget

    url = f"/suivi/periodes/{monitored.q1.uid}/cibles/"
    name = f"target-{monitored.small.indicator.uid}"
    client.force_login(focal_point_ner)
    assert client.post(url, {name: "30"}).status_code == 403
    assert not IndicatorTarget.objects.exists()
    client.force_login(secretariat)
    response = client.post(url, {name: "130"})  # a percentage above 100
    assert response.status_code == 400
    assert "Un pourcentage est compris entre 0 et 100." in response.content.decode()
    assert not IndicatorTarget.objects.exists()
    assert client.post(url, {name: "30"}).status_code == 302
    assert IndicatorTarget.objects.get().value == 30
