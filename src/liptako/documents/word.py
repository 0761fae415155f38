"""Word documents (python-docx): a report or a letter in, the DOCX's bytes out.

For staff who rework the text in Word. The marking is in the header and the footer of every
section. The roadmap (an SVG timeline) is not embedded: Word's SVG support needs a PNG
fallback we do not produce; the actions table carries the same dates.
"""

from __future__ import annotations

import io
from datetime import date

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt, RGBColor

from liptako.documents.reports import Marking, PlanReport, RedactedRow, TransmissionLetter
from liptako.documents.wording import amount, long_date, long_datetime, short_date

MARKING_COLOUR = RGBColor(0x8B, 0x00, 0x00)


def _mark_pages(document: DocumentObject, marking: Marking) -> None:
    for section in document.sections:
        for part in (section.header, section.footer):
            paragraph = part.paragraphs[0] if part.paragraphs else part.add_paragraph()
            paragraph.text = ""
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(marking.label)
            run.bold = True
            run.font.size = Pt(9)
            run.font.color.rgb = MARKING_COLOUR


def _centred(document: DocumentObject, text: str, *, size: int = 11, bold: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _page_break(document: DocumentObject) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(document: DocumentObject, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    document.add_paragraph()


def _period(start: date | None, end: date | None) -> str:
    return f"{short_date(start)} \N{EN DASH} {short_date(end)}"


def _save(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_plan_docx(report: PlanReport) -> bytes:
    """The plan document as DOCX: cover, contents, tables, validation with QR code."""
    with translation.override(report.language):
        document = Document()
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.left_margin = section.right_margin = Cm(1.8)
        document.styles["Normal"].font.size = Pt(9.5)
        _cover(document, report)
        _contents(document, report)
        _axes(document, report)
        _validation(document, report)
        _mark_pages(document, report.marking)
        return _save(document)


def _cover(document: DocumentObject, report: PlanReport) -> None:
    _centred(document, report.alliance.upper(), size=13)
    _centred(document, report.plan_title, size=22, bold=True)
    _centred(
        document,
        _("Period from %(start)s to %(end)s")
        % {"start": long_date(report.period_start), "end": long_date(report.period_end)},
    )
    if report.is_draft:
        _centred(document, _("Working draft (not a frozen version)"), size=13)
    else:
        _centred(document, _("Version %(number)s") % {"number": report.version_number}, size=13)
        _centred(document, _("Frozen on %(date)s") % {"date": long_date(report.frozen_at)})
        _centred(document, _("Digest of the version (SHA-256)"), size=9)
        _centred(document, report.digest, size=9)
    _centred(document, report.marking.label, size=13, bold=True)
    _centred(
        document,
        _("Document generated on %(date)s") % {"date": long_date(report.generated_at)},
        size=8,
    )
    _page_break(document)


def _contents(document: DocumentObject, report: PlanReport) -> None:
    document.add_heading(_("Contents"), level=1)
    for axis in report.axes:
        document.add_paragraph(f"{axis.code} {axis.title}", style="List Bullet")
    document.add_paragraph(_("Validation"), style="List Bullet")
    if report.redacted_count:
        document.add_paragraph(
            ngettext(
                "%(counter)s action is above your clearance or outside your member states: "
                "only its code and marking are shown.",
                "%(counter)s actions are above your clearance or outside your member states: "
                "only their code and marking are shown.",
                report.redacted_count,
            )
            % {"counter": report.redacted_count}
        )
    _page_break(document)


def _axes(document: DocumentObject, report: PlanReport) -> None:
    headers = [
        _("Code"),
        _("Action"),
        _("Lead state"),
        _("Partner states"),
        _("Period"),
        _("Budget"),
        _("Priority"),
        _("Marking"),
    ]
    indicator_headers = [
        _("Code"),
        _("Indicator"),
        _("Baseline"),
        _("Target"),
        _("Unit"),
        _("Means of verification"),
    ]
    restricted = _("Restricted action: not shown at your clearance.")
    for axis in report.axes:
        document.add_heading(f"{axis.code} {axis.title}", level=1)
        if axis.description:
            document.add_paragraph(axis.description)
        for objective in axis.objectives:
            document.add_heading(f"{objective.code} {objective.title}", level=2)
            if objective.description:
                document.add_paragraph(objective.description)
            rows = []
            for action in objective.actions:
                if isinstance(action, RedactedRow):
                    rows.append([action.code, restricted, "", "", "", "", "", action.marking.code])
                    continue
                rows.append(
                    [
                        action.code,
                        action.title,
                        action.lead_state,
                        action.partner_states,
                        _period(action.start_date, action.end_date),
                        amount(action.budget_amount, action.budget_currency),
                        action.priority,
                        action.marking.code,
                    ]
                )
            if rows:
                _table(document, headers, rows)
            if objective.indicators:
                document.add_heading(_("Indicators"), level=3)
                _table(
                    document,
                    indicator_headers,
                    [
                        [
                            indicator.code,
                            indicator.name,
                            indicator.baseline,
                            indicator.target,
                            indicator.unit,
                            indicator.means_of_verification,
                        ]
                        for indicator in objective.indicators
                    ],
                )


def _validation(document: DocumentObject, report: PlanReport) -> None:
    _page_break(document)
    document.add_heading(_("Validation"), level=1)
    if report.is_draft:
        document.add_paragraph(
            _(
                "This working draft is not a frozen version: it has not been submitted for "
                "validation."
            )
        )
        return
    if report.decisions:
        _table(
            document,
            [_("Signer"), _("Member state"), _("Decision"), _("Time"), _("Key fingerprint")],
            [
                [
                    ", ".join(p for p in (row.signer_name, row.signer_position) if p),
                    row.member_state,
                    row.decision,
                    long_datetime(row.decided_at),
                    row.key_fingerprint or _("(not signed)"),
                ]
                for row in report.decisions
            ],
        )
    else:
        document.add_paragraph(_("No decision has been recorded on this version yet."))
    image = io.BytesIO()
    segno.make(report.digest, error="m").save(image, kind="png", scale=6, border=2)
    image.seek(0)
    document.add_picture(image, width=Cm(4))
    document.add_paragraph(_("The QR code holds the digest of the version:"))
    document.add_paragraph(report.digest)


def render_letter_docx(letter: TransmissionLetter) -> bytes:
    """The transmission letter as DOCX, marked in the header and the footer."""
    with translation.override(letter.language):
        document = Document()
        document.styles["Normal"].font.size = Pt(11)
        date = document.add_paragraph(letter.place_and_date)
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        recipients = document.add_paragraph()
        recipients.add_run(
            _("To Their Excellencies the Heads of State of the member states")
        ).bold = True
        subject = document.add_paragraph()
        subject.add_run(_("Subject:")).underline = True
        subject.add_run(" " + letter.subject)
        for text in letter.paragraphs:
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            lines = text.split("\n")
            for index, line in enumerate(lines):
                run = paragraph.add_run(line)
                if index < len(lines) - 1:
                    run.add_break()
        if letter.signature_block:
            signature = document.add_paragraph(letter.signature_block)
            signature.paragraph_format.left_indent = Cm(9)
        _mark_pages(document, letter.marking)
        return _save(document)
