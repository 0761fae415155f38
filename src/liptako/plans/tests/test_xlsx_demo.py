"""The Excel round trip on the demo plan (« Plan d'action Défense et Sécurité 2025 »)."""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from openpyxl import load_workbook

from liptako.accounts.models import User
from liptako.demo import accounts as demo_accounts
from liptako.demo import alliance as demo_alliance
from liptako.demo import plans as demo_plans
from liptako.demo.context import DemoContext
from liptako.plans import services
from liptako.plans.models import Plan
from liptako.plans.selectors import plan_document_for_user, plan_snapshot
from liptako.plans.xlsx import import_plan_xlsx, render_plan_xlsx


@pytest.fixture
def demo_plan(db, settings, tmp_path) -> Plan:
    settings.LIPTAKO_HOME = tmp_path
    context = DemoContext()
    with transaction.atomic():
        demo_alliance.load(context)
        demo_accounts.load(context)
        return demo_plans.load_demo_plan(context)


def without_uids(value):
    if isinstance(value, dict):
        return {k: without_uids(v) for k, v in value.items() if k != "uid"}
    if isinstance(value, list):
        return [without_uids(v) for v in value]
    return value


def exported(plan: Plan, user: User) -> bytes:
    return render_plan_xlsx(plan_document_for_user(user=user, plan=plan), marking_label="C")


def test_exporting_then_importing_the_demo_plan_changes_nothing(demo_plan):
    secretariat = User.objects.get(username="secretariat")
    before = plan_snapshot(plan=demo_plan)
    report = import_plan_xlsx(
        plan=demo_plan, actor=secretariat, content=exported(demo_plan, secretariat)
    )
    assert report.is_ok, [str(p) for p in report.problems]
    assert report.created == 0
    assert report.updated == 0
    assert plan_snapshot(plan=demo_plan) == before


def test_the_demo_plan_rebuilt_from_its_workbook_is_the_same_plan(demo_plan):
    secretariat = User.objects.get(username="secretariat")
    workbook = load_workbook(io.BytesIO(exported(demo_plan, secretariat)))
    for sheet in workbook.worksheets[1:]:
        headers = [cell.value for cell in sheet[1]]
        for title in ("Identifiant", "Version de modification"):
            column = headers.index(title) + 1
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.value = None
    output = io.BytesIO()
    workbook.save(output)
    copy = services.plan_create(
        actor=secretariat,
        alliance=demo_plan.alliance,
        title=demo_plan.title,
        period_start=demo_plan.period_start,
        period_end=demo_plan.period_end,
    )
    report = import_plan_xlsx(plan=copy, actor=secretariat, content=output.getvalue())
    assert report.is_ok, [str(p) for p in report.problems]
    # Everything the workbook carries comes back; identifiers are new (rows had none).
    assert (
        without_uids(plan_snapshot(plan=copy))["axes"]
        == without_uids(plan_snapshot(plan=demo_plan))["axes"]
    )
