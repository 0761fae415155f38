"""The quarterly report as PDF (WeasyPrint) and DOCX (python-docx): a report in, bytes out.

Pure renderers at the documents layer: they reuse the documents app's wording and the project's
one WeasyPrint set-up (``core.pdf``), which fetches nothing (``data:`` URIs only, 0108). The
marking is printed at the top and bottom of every page (CSS margin boxes; DOCX header and
footer). The DOCX carries the charts as bars of text characters: Word needs a PNG fallback
for SVG images.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

from liptako.core.pdf import css_string, render_html_pdf
from liptako.documents.wording import long_date, long_datetime, short_date
from liptako.monitoring.quarterly import QuarterlyReport
from liptako.monitoring.rollups import Rollup

MARKING_COLOUR = RGBColor(0x8B, 0x00, 0x00)
TEXT_BAR_CELLS = 20


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_quarterly_pdf(report: QuarterlyReport) -> bytes:
    context = {
        "report": report,
        "marking_css": css_string(report.marking.label),
        "axis_chart_uri": _svg_uri(report.axis_chart_svg),
        "state_chart_uri": _svg_uri(report.state_chart_svg),
    }
    return render_html_pdf("monitoring/quarterly/report.html", context, report.language)


# --- DOCX ------------------------------------------------------------------------------------


def _text_bar(percent: Decimal | None) -> str:
    """``██████░░░░ 60 %``: the chart's bar in characters Word shows everywhere."""
    if percent is None:
        return "-"
    filled = round(TEXT_BAR_CELLS * max(0, min(float(percent), 100.0)) / 100)
    return "█" * filled + "░" * (TEXT_BAR_CELLS - filled) + f" {percent} %"


def _table(document: DocumentObject, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    document.add_paragraph()


def _rollup(document: DocumentObject, rollup: Rollup, *, chart: bool) -> None:
    if chart:
        _table(
            document,
            ["", _("Percent complete")],
            [[f"{row.code} {row.label}", _text_bar(row.percent_complete)] for row in rollup.rows],
        )
    _table(
        document,
        ["", _("Actions"), _("Complete"), _("Late"), _("By status")],
        [
            [
                f"{row.code} {row.label}",
                str(row.actions),
                f"{row.percent_complete} %" if row.percent_complete is not None else "-",
                str(row.late),
                "\n".join(
                    _("%(label)s: %(count)s") % {"label": label, "count": count}
                    for _s, label, count in row.count_items
                    if count
                ),
            ]
            for row in rollup.rows
        ],
    )


def _withheld(document: DocumentObject, text: str) -> None:
    document.add_paragraph().add_run(text).italic = True


def _more(document: DocumentObject, text: str) -> None:
    document.add_paragraph().add_run(text).bold = True


def render_quarterly_docx(report: QuarterlyReport) -> bytes:
    with translation.override(report.language):
        document = Document()
        for section in document.sections:
            for part in (section.header, section.footer):
                paragraph = part.paragraphs[0] if part.paragraphs else part.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = paragraph.add_run(report.marking.label)
                run.bold = True
                run.font.size = Pt(9)
                run.font.color.rgb = MARKING_COLOUR
        document.add_paragraph(report.alliance.upper())
        document.add_heading(_("Quarterly implementation report"), level=0)
        document.add_paragraph().add_run(report.plan_title).bold = True
        document.add_paragraph(
            _("Period %(label)s, from %(start)s to %(end)s")
            % {
                "label": report.period_label,
                "start": long_date(report.period_start),
                "end": long_date(report.period_end),
            }
        )
        marking = document.add_paragraph().add_run(report.marking.label)
        marking.bold = True
        marking.font.color.rgb = MARKING_COLOUR

        document.add_heading(_("Summary"), level=1)
        headline = report.headline
        if headline is not None:
            percent = (
                f"{headline.percent_complete} %" if headline.percent_complete is not None else "-"
            )
            _table(
                document,
                [
                    _("complete"),
                    _("actions"),
                    _("late actions"),
                    _("actions without an accepted report"),
                ],
                [[percent, str(headline.actions), str(headline.late), str(headline.not_reported)]],
            )
            _table(
                document,
                [label for _s, label, _c in headline.count_items],
                [[str(count) for _s, _l, count in headline.count_items]],
            )
        else:
            document.add_paragraph(_("No action to show."))
        document.add_heading(_("Reports of the member states for the period"), level=2)
        _table(
            document,
            [_("Member state"), _("Report"), _("Counted in the figures")],
            [
                [
                    item.member_state,
                    item.status + (f" — {_('late')}" if item.is_late else ""),
                    _("yes") if item.is_counted else _("no"),
                ]
                for item in report.state_reports
            ],
        )
        for line in report.by_axis.explanation:
            document.add_paragraph(line)
        if report.actions_withheld:
            _withheld(
                document,
                ngettext(
                    "%(counter)s item withheld: an action you may not see.",
                    "%(counter)s items withheld: actions you may not see.",
                    report.actions_withheld,
                )
                % {"counter": report.actions_withheld},
            )
        document.add_paragraph(
            _("Generated on %(date)s.") % {"date": long_datetime(report.generated_at)}
        )

        document.add_heading(_("Progress by axis"), level=1)
        _rollup(document, report.by_axis, chart=True)
        document.add_heading(_("Progress by member state"), level=1)
        document.add_heading(_("By lead member state"), level=2)
        _rollup(document, report.by_lead_state, chart=True)
        document.add_heading(_("By partner member state"), level=2)
        _rollup(document, report.by_partner_state, chart=False)

        document.add_heading(_("Late actions"), level=1)
        if report.late_actions:
            document.add_paragraph(
                ngettext(
                    "The most overdue action, by days late. The tables by axis and by member "
                    "state above count every late action.",
                    "The %(counter)s most overdue actions, by days late. The tables by axis and "
                    "by member state above count every late action.",
                    len(report.late_actions),
                )
                % {"counter": len(report.late_actions)}
            )
            _table(
                document,
                [
                    _("Code"),
                    _("Action"),
                    _("Lead state"),
                    _("End date"),
                    _("Days late"),
                    _("Status"),
                    _("Reason"),
                ],
                [
                    [
                        action.code,
                        action.title,
                        action.lead_state,
                        short_date(action.end_date),
                        str(action.days_late),
                        f"{action.status} ({action.percent} %)",
                        action.reason,
                    ]
                    for action in report.late_actions
                ],
            )
            if report.late_actions_more:
                _more(
                    document,
                    ngettext(
                        "And %(counter)s more late action: see the plan's data workbook "
                        "(XLSX), downloadable from its dashboard.",
                        "And %(counter)s more late actions: see the plan's data workbook "
                        "(XLSX), downloadable from its dashboard.",
                        report.late_actions_more,
                    )
                    % {"counter": report.late_actions_more},
                )
        else:
            document.add_paragraph(_("No action is late."))

        document.add_heading(_("Decisions of the meetings held in the period"), level=1)
        if report.decisions:
            _table(
                document,
                [_("Reference"), _("Meeting"), _("Decision"), _("Follow-up")],
                [
                    [
                        decision.reference,
                        f"{decision.meeting}, {short_date(decision.held_on)}",
                        f"{decision.text} ({decision.kind})",
                        (decision.follow_up or "-")
                        + (f" ({short_date(decision.due_date)})" if decision.due_date else "")
                        + f" — {decision.follow_up_status}",
                    ]
                    for decision in report.decisions
                ],
            )
        else:
            document.add_paragraph(
                _("No decision on this plan was taken in a meeting held in the period.")
            )
        if report.decisions_withheld:
            _withheld(
                document,
                ngettext(
                    "%(counter)s item withheld: a decision you may not see.",
                    "%(counter)s items withheld: decisions you may not see.",
                    report.decisions_withheld,
                )
                % {"counter": report.decisions_withheld},
            )

        document.add_heading(_("Indicators"), level=1)
        if report.indicator_summary:
            _table(
                document,
                [
                    _("Axis"),
                    _("Indicators"),
                    _("Target met"),
                    _("Within tolerance"),
                    _("Off track"),
                    _("No accepted value"),
                    _("Not compared"),
                ],
                [
                    [
                        row.axis,
                        str(row.indicators),
                        str(row.met),
                        str(row.on_track),
                        str(row.off_track),
                        str(row.no_data),
                        str(row.other),
                    ]
                    for row in report.indicator_summary
                ],
            )
            document.add_heading(_("Indicators furthest from their target"), level=2)
            if report.indicators:
                _table(
                    document,
                    [
                        _("Indicator"),
                        _("By member state"),
                        _("Actual"),
                        _("Target"),
                        _("Assessment"),
                        _("Rule"),
                    ],
                    [
                        [
                            row.indicator,
                            row.by_state,
                            row.actual,
                            row.target,
                            row.assessment,
                            row.rule,
                        ]
                        for row in report.indicators
                    ],
                )
                if report.indicators_off_track_more:
                    _more(
                        document,
                        ngettext(
                            "And %(counter)s more off-track indicator: see the plan's data "
                            "workbook (XLSX), downloadable from its dashboard.",
                            "And %(counter)s more off-track indicators: see the plan's data "
                            "workbook (XLSX), downloadable from its dashboard.",
                            report.indicators_off_track_more,
                        )
                        % {"counter": report.indicators_off_track_more},
                    )
            else:
                document.add_paragraph(_("No indicator is off track."))
        else:
            document.add_paragraph(_("No indicator to show."))
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
