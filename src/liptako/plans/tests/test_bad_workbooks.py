"""Damaged workbooks fed to the plan import page (issue #7, bad input; hypothesis).

An export of the draft, then truncated, with bytes overwritten, or with random values written in
random cells: the import never answers 500; either it imports everything (a redirect) or it
changes nothing at all (the plan's snapshot and the audit log are as before) and the page says
why in French. The number of examples comes from ``LIPTAKO_FUZZ_FILES``
(docs/security/bad-input.md). The size limit is tested in test_xlsx.py (413 before reading).
"""

from __future__ import annotations

import html
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from liptako.audit.models import AuditEvent
from liptako.plans.selectors import plan_snapshot

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("LIPTAKO_FUZZ_FILES", "30"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

cell_values = (
    st.none()
    | st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.sampled_from(["NP", "DR", "C", "TS", "MLI", "BFA", "XXX", "2025-13-45", "=1/0", "A1"])
)


def damaged(export: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["truncate", "overwrite", "cells"]), label="damage")
    if how == "truncate":
        return export[: data.draw(st.integers(0, len(export) - 1), label="length")]
    if how == "overwrite":
        content = bytearray(export)
        for _ in range(data.draw(st.integers(1, 8), label="writes")):
            at = data.draw(st.integers(0, len(content) - 1), label="at")
            content[at] = data.draw(st.integers(0, 255), label="byte")
        return bytes(content)
    workbook = load_workbook(io.BytesIO(export))
    for _ in range(data.draw(st.integers(1, 6), label="cells")):
        sheet = workbook[data.draw(st.sampled_from(workbook.sheetnames), label="sheet")]
        row = data.draw(st.integers(1, sheet.max_row + 2), label="row")
        column = data.draw(st.integers(1, sheet.max_column + 1), label="column")
        sheet.cell(row=row, column=column).value = data.draw(cell_values, label="value")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_damaged_workbook_imports_all_or_nothing(small_plan, expert_mli) -> None:
    client = Client()
    client.force_login(expert_mli)
    url = f"/plans/{small_plan.plan.uid}/importer/"
    export = client.get(f"/plans/{small_plan.plan.uid}/export.xlsx").content
    outcomes: dict[str, int] = {"refused": 0, "imported": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        content = damaged(export, data)
        before = plan_snapshot(plan=small_plan.plan)
        events = AuditEvent.objects.count()
        response = client.post(url, {"file": SimpleUploadedFile("plan.xlsx", content, XLSX)})
        if response.status_code == 302:  # everything was valid: imported as a whole
            outcomes["imported"] += 1
            return
        assert response.status_code == 200
        outcomes["refused"] += 1
        assert plan_snapshot(plan=small_plan.plan) == before
        assert AuditEvent.objects.count() == events
        page = html.unescape(response.content.decode())
        messages = [str(p) for p in response.context.get("problems") or []]
        form = response.context["form"]
        messages += [str(error) for errors in form.errors.values() for error in errors]
        if response.context.get("file_error"):
            messages.append(str(response.context["file_error"]))
        assert messages, "refused without saying why"
        assert all(message in page for message in messages)

    check()
    assert outcomes["refused"] > 0
