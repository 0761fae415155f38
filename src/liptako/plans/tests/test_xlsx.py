"""The Excel workbook: export (draft and versions, redacted), import (validated first, all or
nothing, problems by sheet/row/column), and the round trip."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.models import Action, Axis
from liptako.plans.selectors import plan_snapshot
from liptako.plans.xlsx import import_plan_xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response) -> str:
    return html.unescape(response.content.decode())


def export(client, user, plan, **params) -> bytes:
    client.force_login(user)
    response = client.get(f"/plans/{plan.uid}/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return response.content


def workbook_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def save(workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def column_of(sheet, title: str) -> int:
    return [cell.value for cell in sheet[1]].index(title) + 1


def upload(client, plan, content: bytes, name: str = "plan.xlsx"):
    return client.post(
        f"/plans/{plan.uid}/importer/", {"file": SimpleUploadedFile(name, content, XLSX)}
    )


def without_uids(value):
    if isinstance(value, dict):
        return {k: without_uids(v) for k, v in value.items() if k != "uid"}
    if isinstance(value, list):
        return [without_uids(v) for v in value]
    return value


def test_export_is_a_readable_logframe_workbook(client, small_plan, secretariat):
    workbook = workbook_of(export(client, secretariat, small_plan.plan))
    assert workbook.sheetnames == ["Plan", "Axes", "Objectifs", "Actions", "Indicateurs", "Jalons"]
    actions = workbook["Actions"]
    headers = [cell.value for cell in actions[1]]
    assert headers[:6] == [
        "Axe",
        "Intitulé de l'axe",
        "Objectif",
        "Intitulé de l'objectif",
        "Code",
        "Intitulé",
    ]
    assert "Date de fin" in headers
    assert "Identifiant" in headers
    assert actions.freeze_panes == "A2"
    assert actions.column_dimensions["F"].width == 50
    uid_letter = actions.cell(row=1, column=column_of(actions, "Identifiant")).column_letter
    assert actions.column_dimensions[uid_letter].hidden
    row = [cell.value for cell in actions[2]]
    assert row[4] == "A1.1.1"
    assert row[5] == "Harmoniser les procédures de transmission"
    assert row[headers.index("Budget")] == 1250000
    assert row[headers.index("Priorité")] == "Moyenne"
    indicators = workbook["Indicateurs"]
    assert indicators["A2"].value == "A1.1.1"
    assert indicators["D2"].value == "Pourcentage"
    assert workbook["Jalons"]["B2"].value == "Guide validé"
    # The highest marking of the content, in every sheet's header and footer.
    for sheet in workbook.worksheets:
        assert sheet.oddHeader.center.text == "CONFIDENTIEL"
        assert sheet.oddFooter.center.text == "CONFIDENTIEL"


def test_export_redacts_hidden_actions_to_their_code_and_marking(client, small_plan, observer):
    content = export(client, observer, small_plan.plan)
    workbook = workbook_of(content)
    actions = workbook["Actions"]
    values = [[cell.value for cell in row] for row in actions.iter_rows(min_row=2)]
    redacted = next(row for row in values if row[4] == small_plan.action_dr.code)
    assert redacted[5] is None
    assert "DR" in redacted
    assert "masqué" in redacted
    flat = " ".join(str(v) for row in values for v in row)
    assert "Plan de fréquences partagé" not in flat
    assert "Cursus confidentiel" not in flat
    for sheet in workbook.worksheets:
        assert sheet.oddHeader.center.text == "NON PROTÉGÉ"
    raw = b"".join(
        zipfile.ZipFile(io.BytesIO(content)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(content)).namelist()
    )
    assert "fréquences".encode() not in raw


def test_export_of_a_frozen_version(client, small_plan, secretariat):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    action = small_plan.action_np
    services.action_update(
        action=action, actor=secretariat, lock_version=action.lock_version, data={"title": "Après"}
    )
    workbook = workbook_of(export(client, secretariat, small_plan.plan, version="1"))
    assert workbook["Actions"]["F2"].value == "Harmoniser les procédures de transmission"
    assert workbook["Plan"]["B6"].value == "Version 1"


def test_importing_an_unchanged_export_changes_nothing(client, small_plan, secretariat):
    before = plan_snapshot(plan=small_plan.plan)
    content = export(client, secretariat, small_plan.plan)
    events = AuditEvent.objects.count()
    response = upload(client, small_plan.plan, content)
    assert response.status_code == 302
    assert plan_snapshot(plan=small_plan.plan) == before
    assert AuditEvent.objects.count() == events


def test_round_trip_into_an_empty_plan_gives_back_the_same_plan(
    client, small_plan, secretariat, aes
):
    """Export, drop the identifiers (new rows), import into an empty plan: same content."""
    content = export(client, secretariat, small_plan.plan)
    workbook = workbook_of(content)
    for name in ("Axes", "Objectifs", "Actions", "Indicateurs", "Jalons"):
        sheet = workbook[name]
        for title in ("Identifiant", "Version de modification"):
            column = column_of(sheet, title)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.value = None
    target = services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title=small_plan.plan.title,
        period_start=small_plan.plan.period_start,
        period_end=small_plan.plan.period_end,
    )
    report = import_plan_xlsx(plan=target, actor=secretariat, content=save(workbook))
    assert report.is_ok, [str(p) for p in report.problems]
    assert report.created == 2 + 3 + 3 + 1 + 1
    original = without_uids(plan_snapshot(plan=small_plan.plan))
    copy = without_uids(plan_snapshot(plan=target))
    assert copy["axes"] == original["axes"]


def test_an_edited_cell_is_imported_through_the_services(client, small_plan, expert_mli):
    content = export(client, expert_mli, small_plan.plan)
    workbook = workbook_of(content)
    actions = workbook["Actions"]
    actions.cell(row=2, column=column_of(actions, "Intitulé")).value = "Guide commun"
    actions.cell(row=2, column=column_of(actions, "Budget")).value = 3000000
    new_row = [None] * actions.max_column
    for title, value in {
        "Objectif": "O1.2",
        "Code": "NOUVEAU-1",
        "Intitulé": "Doctrine commune d'emploi",
        "État pilote": "NER",
        "États partenaires": "MLI, BFA",
        "Date de début": date(2025, 4, 1),
        "Date de fin": date(2025, 8, 31),
        "Priorité": "Haute",
        "Marquage": "NP",
    }.items():
        new_row[column_of(actions, title) - 1] = value
    actions.append(new_row)
    workbook["Jalons"].append(["NOUVEAU-1", "Doctrine adoptée", date(2025, 8, 1)])
    response = upload(client, small_plan.plan, save(workbook))
    assert response.status_code == 302, text(response)
    action = Action.objects.get(pk=small_plan.action_np.pk)
    assert action.title == "Guide commun"
    assert action.budget_amount == Decimal(3000000)
    created = Action.objects.get(title="Doctrine commune d'emploi")
    assert created.code == "A1.2.1"
    assert created.priority == "high"
    assert created.milestones.get().title == "Doctrine adoptée"
    assert AuditEvent.objects.filter(verb="action.update", actor=expert_mli).exists()


def test_every_problem_is_reported_by_sheet_row_and_column_and_nothing_is_imported(
    client, small_plan, expert_mli
):
    before = plan_snapshot(plan=small_plan.plan)
    workbook = workbook_of(export(client, expert_mli, small_plan.plan))
    actions = workbook["Actions"]
    actions.cell(row=2, column=column_of(actions, "Intitulé")).value = "Titre changé"
    actions.cell(row=2, column=column_of(actions, "Date de fin")).value = date(2025, 1, 15)
    actions.cell(row=3, column=column_of(actions, "État pilote")).value = "FRA"
    actions.cell(row=3, column=column_of(actions, "Date de début")).value = "demain"
    workbook["Indicateurs"].cell(row=2, column=4).value = "Couleur"
    response = upload(client, small_plan.plan, save(workbook))
    body = text(response)
    assert response.status_code == 200
    assert "rien n'a été importé" in body
    assert (
        "Feuille Actions, ligne 2, colonne L (Date de fin) : La date de fin ne peut pas "
        "précéder la date de début." in body
    )
    assert "Feuille Actions, ligne 3, colonne H (État pilote)" in body
    assert "Feuille Actions, ligne 3, colonne K (Date de début)" in body
    assert "Feuille Indicateurs, ligne 2, colonne D (Mesure)" in body
    assert plan_snapshot(plan=small_plan.plan) == before


def test_a_service_refusal_on_one_row_rolls_back_the_others(client, small_plan, expert_mli):
    before = plan_snapshot(plan=small_plan.plan)
    workbook = workbook_of(export(client, expert_mli, small_plan.plan))
    axes = workbook["Axes"]
    axes["B2"].value = "Axe renommé"  # valid on its own
    actions = workbook["Actions"]
    actions.cell(row=2, column=column_of(actions, "Date de fin")).value = date(2025, 1, 15)
    report = import_plan_xlsx(plan=small_plan.plan, actor=expert_mli, content=save(workbook))
    assert not report.is_ok
    assert plan_snapshot(plan=small_plan.plan) == before
    assert Axis.objects.get(pk=small_plan.axis1.pk).title == "Interopérabilité"


def test_an_item_changed_since_the_export_is_a_conflict(
    client, small_plan, expert_mli, secretariat
):
    workbook = workbook_of(export(client, expert_mli, small_plan.plan))
    action = small_plan.action_np
    services.action_update(
        action=action,
        actor=secretariat,
        lock_version=action.lock_version,
        data={"title": "Entre-temps"},
    )
    actions = workbook["Actions"]
    actions.cell(row=2, column=column_of(actions, "Intitulé")).value = "Depuis Excel"
    report = import_plan_xlsx(plan=small_plan.plan, actor=expert_mli, content=save(workbook))
    assert not report.is_ok
    assert "modifié dans Liptako depuis l'export" in str(report.problems[0])
    action.refresh_from_db()
    assert action.title == "Entre-temps"


def test_an_expert_may_not_change_codes(client, small_plan, expert_mli):
    workbook = workbook_of(export(client, expert_mli, small_plan.plan))
    workbook["Axes"]["A2"].value = "AX-1"
    report = import_plan_xlsx(plan=small_plan.plan, actor=expert_mli, content=save(workbook))
    assert [p.column for p in report.problems] == ["A"]
    assert Axis.objects.get(pk=small_plan.axis1.pk).code == "A1"


@pytest.mark.parametrize(
    "content",
    [b"not a workbook at all", b"PK\x03\x04truncated", b""],
    ids=["text", "truncated-zip", "empty"],
)
def test_a_broken_file_gives_a_clear_message_never_a_500(client, small_plan, expert_mli, content):
    client.force_login(expert_mli)
    before = plan_snapshot(plan=small_plan.plan)
    response = upload(client, small_plan.plan, content)
    assert response.status_code == 200
    assert "n'est pas un classeur Excel" in text(response) or "fichier" in text(response)
    assert plan_snapshot(plan=small_plan.plan) == before


def test_a_truncated_export_is_refused(client, small_plan, expert_mli):
    content = export(client, expert_mli, small_plan.plan)
    response = upload(client, small_plan.plan, content[: len(content) // 2])
    assert response.status_code == 200
    assert "n'est pas un classeur Excel" in text(response)


def test_a_file_over_the_limit_is_refused_before_reading(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    response = upload(client, small_plan.plan, b"0" * (5 * 1024 * 1024 + 100_000))
    assert response.status_code == 413
    assert "trop volumineux" in text(response)


@pytest.mark.parametrize(("persona", "status"), [("observer", 403), ("outsider", 404)])
def test_readers_may_not_import(client, small_plan, secretariat, persona, status, request):
    content = export(client, secretariat, small_plan.plan)
    client.force_login(request.getfixturevalue(persona))
    before = plan_snapshot(plan=small_plan.plan)
    assert upload(client, small_plan.plan, content).status_code == status
    assert plan_snapshot(plan=small_plan.plan) == before


def test_rows_of_hidden_actions_are_left_alone(client, small_plan, expert_mli, secretariat):
    """An expert with DR clearance imports a file holding the C action as a redacted row."""
    before_c = plan_snapshot(plan=small_plan.plan)
    content = export(client, expert_mli, small_plan.plan)
    report = import_plan_xlsx(plan=small_plan.plan, actor=expert_mli, content=content)
    assert report.is_ok
    assert plan_snapshot(plan=small_plan.plan) == before_c
