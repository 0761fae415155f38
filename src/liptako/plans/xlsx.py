"""The plan as an Excel logframe workbook (openpyxl): export, and import into the live draft.

Layout (headers in French, first row frozen, the marking in every sheet's header and footer):

- ``Plan``: the plan's own fields (read only: the import ignores this sheet);
- ``Axes``: code, title, description;
- ``Objectifs``: axis code, code, title, description;
- ``Actions``: one row per action with its axis and objective (codes and titles), states,
  organisation, dates, budget, priority, marking; a hidden action is a row with its code and
  marking only (its identifier cell reads ``masqué``);
- ``Indicateurs``: keyed by the action's code; ``Jalons``: likewise.

Every row of an item carries two hidden columns: the item's identifier (uid) and the edit
version it had at export. On import (decision 0052) a row with an identifier updates that item,
a row without one creates an item (codes of new rows only tie rows together inside the file:
new items get automatic codes), items absent from the file are left unchanged. Changed rows
whose item was edited in Liptako since the export are refused (optimistic locking). Titles of
axes and objectives in the ``Actions`` sheet are for reading only: they are edited in their
own sheets.

The import checks every cell first, then applies the rows through the services in one
transaction and rolls everything back if any service refuses any row: problems are reported
by sheet, row and column, and nothing is imported while one remains.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from liptako.alliance.models import MemberState, Organisation
from liptako.core.models import MarkingLevel
from liptako.plans import services
from liptako.plans.exceptions import ConflictError
from liptako.plans.models import (
    Action,
    Axis,
    Direction,
    Indicator,
    Measure,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
    Priority,
    StateAggregation,
    TimeAggregation,
)
from liptako.plans.permissions import can
from liptako.plans.snapshot import highest_marking

if TYPE_CHECKING:
    from liptako.accounts.models import User

REDACTED = "masqué"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 20_000  # per sheet: a plan of 1,000 actions has about 3,000 indicator rows
UID_HEADER = "Identifiant"
VERSION_HEADER = "Version de modification"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 14
    hidden: bool = False


def _columns(*spec: tuple[str, str, int]) -> list[Column]:
    return [
        *(Column(key, title, width) for key, title, width in spec),
        Column("uid", UID_HEADER, 38, hidden=True),
        Column("lock_version", VERSION_HEADER, 8, hidden=True),
    ]


AXIS_COLUMNS = _columns(
    ("code", "Code", 10), ("title", "Intitulé", 50), ("description", "Description", 60)
)
OBJECTIVE_COLUMNS = _columns(
    ("axis", "Axe", 8),
    ("code", "Code", 10),
    ("title", "Intitulé", 50),
    ("description", "Description", 60),
)
ACTION_COLUMNS = _columns(
    ("axis", "Axe", 8),
    ("axis_title", "Intitulé de l'axe", 30),
    ("objective", "Objectif", 10),
    ("objective_title", "Intitulé de l'objectif", 30),
    ("code", "Code", 10),
    ("title", "Intitulé", 50),
    ("description", "Description", 50),
    ("lead_state", "État pilote", 10),
    ("partner_states", "États partenaires", 16),
    ("responsible_organisation", "Organisation responsable", 30),
    ("start_date", "Date de début", 13),
    ("end_date", "Date de fin", 13),
    ("budget_amount", "Budget", 16),
    ("budget_currency", "Devise", 8),
    ("priority", "Priorité", 10),
    ("classification", "Marquage", 10),
    ("releasable_to", "Diffusable à", 14),
)
INDICATOR_COLUMNS = _columns(
    ("action", "Action", 10),
    ("code", "Code", 12),
    ("name", "Nom", 45),
    ("measure", "Mesure", 14),
    ("unit", "Unité", 10),
    ("direction", "Sens", 20),
    ("time_aggregation", "Cumul dans le temps", 18),
    ("state_aggregation", "Cumul entre États", 18),
    ("baseline_value", "Valeur de référence", 14),
    ("baseline_text", "Référence (texte)", 20),
    ("baseline_date", "Date de référence", 13),
    ("target_value", "Cible", 12),
    ("target_text", "Cible (texte)", 20),
    ("tolerance", "Tolérance (%)", 12),
    ("means_of_verification", "Moyen de vérification", 40),
)
MILESTONE_COLUMNS = _columns(
    ("action", "Action", 10), ("title", "Intitulé", 50), ("due_date", "Échéance", 13)
)

SHEETS: dict[str, list[Column]] = {
    "Axes": AXIS_COLUMNS,
    "Objectifs": OBJECTIVE_COLUMNS,
    "Actions": ACTION_COLUMNS,
    "Indicateurs": INDICATOR_COLUMNS,
    "Jalons": MILESTONE_COLUMNS,
}
CHOICES: dict[str, Any] = {
    "priority": Priority,
    "measure": Measure,
    "direction": Direction,
    "time_aggregation": TimeAggregation,
    "state_aggregation": StateAggregation,
}


def french_choice_labels() -> dict[str, dict[str, str]]:
    """The French label of every choice of the workbook's columns, by column key and value.

    Built once per workbook: switching the active translation for each cell made the export
    of a large plan spend a good part of its time in ``translation.override``."""
    with translation.override("fr"):
        return {
            key: {str(value): str(label) for value, label in choices.choices}
            for key, choices in CHOICES.items()
        }


# --- Export ----------------------------------------------------------------------------------


def _decimal_cell(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _date_cell(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class PlanWorkbook:
    content: bytes
    filename: str


def _marking_label(document: dict[str, Any]) -> str:
    """The highest marking among what the document shows, for headers and footers."""
    highest = highest_marking(document)
    return str(highest.label).upper() if highest else ""


def plan_workbook_for_user(*, user: User, plan: Plan, version: PlanVersion | None) -> PlanWorkbook:
    """The workbook of a version, or of the live draft (``version=None``), as ``user`` may see it.

    The live draft's workbook carries each item's edit version, so that its import can detect
    edits made in Liptako since the export. Used by the export page and the API alike.
    """
    from liptako.plans import selectors

    lock_versions = None
    if version is not None:
        document = selectors.version_document_for_user(user=user, version=version)
        label = _("Version %(number)s") % {"number": version.number}
        suffix = f"v{version.number}"
    else:
        document = selectors.plan_document_for_user(user=user, plan=plan)
        lock_versions = {
            str(uid): lock
            for model in (Axis, Objective, Action, Indicator, Milestone)
            for uid, lock in model.objects.filter(plan=plan).values_list("uid", "lock_version")
        }
        label = _("Live draft")
        suffix = "brouillon"
    content = render_plan_xlsx(
        document,
        marking_label=_marking_label(document),
        lock_versions=lock_versions,
        version_label=label,
    )
    return PlanWorkbook(
        content=content, filename=f"{slugify(plan.title)[:60] or 'plan'}-{suffix}.xlsx"
    )


def render_plan_xlsx(
    document: dict[str, Any],
    *,
    marking_label: str,
    lock_versions: dict[str, int] | None = None,
    version_label: str = "",
) -> bytes:
    """The workbook of a (redacted) plan document. ``lock_versions`` (uid → edit version) is
    given for the live draft, so that an import can detect edits made since the export."""
    versions = lock_versions or {}
    labels = french_choice_labels()

    def french(key: str, value: str) -> str:
        return labels[key].get(value, value)

    workbook = Workbook()
    info = workbook.active
    info.title = "Plan"
    plan = document["plan"]
    for label, value in (
        ("Plan", plan["title"]),
        ("Alliance", plan.get("alliance", "")),
        ("Début de la période", _date_cell(plan["period_start"])),
        ("Fin de la période", _date_cell(plan["period_end"])),
        ("Marquage", plan["classification"]),
        ("Version", version_label),
        ("Description", plan.get("description", "")),
    ):
        info.append([label, value])
    for row in info.iter_rows(min_col=1, max_col=1):
        row[0].font = Font(bold=True)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 80

    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}

    def with_ids(node: dict[str, Any]) -> list[Any]:
        return [node["uid"], versions.get(node["uid"])]

    for axis in document["axes"]:
        rows["Axes"].append([axis["code"], axis["title"], axis["description"], *with_ids(axis)])
        for objective in axis["objectives"]:
            rows["Objectifs"].append(
                [
                    axis["code"],
                    objective["code"],
                    objective["title"],
                    objective["description"],
                    *with_ids(objective),
                ]
            )
            context = [axis["code"], axis["title"], objective["code"], objective["title"]]
            for action in objective["actions"]:
                if action.get("redacted"):
                    blank = [None] * 10
                    rows["Actions"].append(
                        [
                            *context,
                            action["code"],
                            *blank,
                            action["classification"],
                            None,
                            REDACTED,
                            None,
                        ]
                    )
                    continue
                rows["Actions"].append(
                    [
                        *context,
                        action["code"],
                        action["title"],
                        action["description"],
                        action["lead_state"],
                        ", ".join(action["partner_states"]),
                        action["responsible_organisation"],
                        _date_cell(action["start_date"]),
                        _date_cell(action["end_date"]),
                        _decimal_cell(action["budget_amount"]),
                        action["budget_currency"],
                        french("priority", action["priority"]),
                        action["classification"],
                        ", ".join(action["releasable_to"]),
                        *with_ids(action),
                    ]
                )
                for indicator in action["indicators"]:
                    rows["Indicateurs"].append(
                        [
                            action["code"],
                            indicator["code"],
                            indicator["name"],
                            french("measure", indicator["measure"]),
                            indicator["unit"],
                            french("direction", indicator["direction"]),
                            french("time_aggregation", indicator["time_aggregation"]),
                            french("state_aggregation", indicator["state_aggregation"]),
                            _decimal_cell(indicator["baseline_value"]),
                            indicator["baseline_text"],
                            _date_cell(indicator["baseline_date"]),
                            _decimal_cell(indicator["target_value"]),
                            indicator["target_text"],
                            _decimal_cell(indicator["tolerance"]),
                            indicator["means_of_verification"],
                            *with_ids(indicator),
                        ]
                    )
                for milestone in action["milestones"]:
                    rows["Jalons"].append(
                        [
                            action["code"],
                            milestone["title"],
                            _date_cell(milestone["due_date"]),
                            *with_ids(milestone),
                        ]
                    )

    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for sheet in [info, *(workbook.create_sheet(name) for name in SHEETS)]:
        if sheet.title in SHEETS:
            columns = SHEETS[sheet.title]
            sheet.append([column.title for column in columns])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for values in rows[sheet.title]:
                sheet.append(values)
            for index, column in enumerate(columns, start=1):
                dimension = sheet.column_dimensions[get_column_letter(index)]
                dimension.width = column.width
                dimension.hidden = column.hidden
                if column.key.endswith("date"):
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                        cell.number_format = "DD/MM/YYYY"
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
        for part in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
            part.center.text = marking_label
            part.center.font = "Arial,Bold"
        sheet.print_title_rows = "1:1" if sheet.title in SHEETS else None
        sheet.page_setup.orientation = "landscape"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Import: problems ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    sheet: str
    row: int
    column: str  # letter, "" for the whole row
    title: str  # the column's header
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Sheet %(sheet)s, row %(row)s, column %(column)s (%(title)s): %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column,
                "title": self.title,
                "message": self.message,
            }
        return _("Sheet %(sheet)s, row %(row)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "message": self.message,
        }


class WorkbookUnreadable(Exception):
    """The file is not an XLSX workbook openpyxl can read."""


@dataclass
class ImportReport:
    problems: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def is_ok(self) -> bool:
        return not self.problems


class _Abort(Exception):
    """Raised inside the transaction to roll back the whole import."""


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]
    columns: dict[str, tuple[str, str]]  # key → (letter, title)
    data: dict[str, Any] = field(default_factory=dict)
    uid: uuid.UUID | None = None
    lock_version: int | None = None
    redacted: bool = False


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _choice_lookup(choices: Any) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[_normalise(value)] = value
        for language in ("fr", "en"):
            with translation.override(language):
                lookup[_normalise(str(label))] = value
    return lookup


class _Reader:
    """Reads the sheets into rows of typed values, collecting every problem."""

    def __init__(self, plan: Plan) -> None:
        self.problems: list[ImportProblem] = []
        self.states = {s.code: s for s in MemberState.objects.filter(alliance_id=plan.alliance_id)}
        self.state_names = {_normalise(s.name): s for s in self.states.values()}
        self.organisations = {
            _normalise(str(o)): o for o in Organisation.objects.filter(alliance_id=plan.alliance_id)
        }
        self.markings = {m.code.upper(): m for m in MarkingLevel.objects.all()}
        self.marking_labels = {_normalise(m.label): m for m in self.markings.values()}
        self.choice_lookups = {key: _choice_lookup(choices) for key, choices in CHOICES.items()}

    def problem(self, row: _Row, key: str, message: str) -> None:
        letter, title = row.columns.get(key, ("", ""))
        self.problems.append(ImportProblem(row.sheet, row.number, letter, title, message))

    def sheet_rows(self, workbook: Any, name: str, *, required: bool) -> list[_Row]:
        if name not in workbook.sheetnames:
            if required:
                self.problems.append(
                    ImportProblem(name, 1, "", "", _("The sheet is missing from the workbook."))
                )
            return []
        sheet = workbook[name]
        iterator = sheet.iter_rows(values_only=True)
        header = next(iterator, None) or ()
        positions = {
            str(title).strip(): index for index, title in enumerate(header) if title is not None
        }
        columns: dict[str, tuple[str, str]] = {}
        indexes: dict[str, int] = {}
        for column in SHEETS[name]:
            index = positions.get(column.title)
            if index is None:
                self.problems.append(
                    ImportProblem(
                        name,
                        1,
                        "",
                        "",
                        _("The column %(title)s is missing.") % {"title": column.title},
                    )
                )
                continue
            columns[column.key] = (get_column_letter(index + 1), column.title)
            indexes[column.key] = index
        rows = []
        for number, values in enumerate(iterator, start=2):
            if number > MAX_ROWS + 1:
                self.problems.append(
                    ImportProblem(
                        name,
                        number,
                        "",
                        "",
                        _("A sheet holds at most %(count)s rows.") % {"count": MAX_ROWS},
                    )
                )
                break
            if values is None or all(v in (None, "") for v in values):
                continue
            cells = {
                key: (values[index] if index < len(values) else None)
                for key, index in indexes.items()
            }
            for key, value in cells.items():
                if isinstance(value, str):
                    cells[key] = value.strip()
            rows.append(_Row(sheet=name, number=number, values=cells, columns=columns))
        return rows

    # Cell converters: each returns the value or records a problem and returns None.

    def text(self, row: _Row, key: str, *, required: bool = False, limit: int = 300) -> str:
        value = row.values.get(key)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problem(row, key, _("This cell must not be empty."))
        elif len(text) > limit:
            self.problem(
                row,
                key,
                _("At most %(limit)s characters, not %(count)s.")
                % {"limit": limit, "count": len(text)},
            )
        return text

    def date(self, row: _Row, key: str, *, required: bool = False) -> dt.date | None:
        value = row.values.get(key)
        if value in (None, ""):
            if required:
                self.problem(row, key, _("A date is required."))
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        day_first = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        try:
            if day_first:
                day, month, year = (int(part) for part in day_first.groups())
                return dt.date(year, month, day)
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        self.problem(row, key, _("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": text})
        return None

    def decimal(self, row: _Row, key: str) -> Decimal | None:
        value = row.values.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            value = int(value)
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if isinstance(value, str):
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.problem(row, key, _("“%(value)s” is not a number.") % {"value": value})
            return None
        if not number.is_finite():
            self.problem(row, key, _("“%(value)s” is not a number.") % {"value": value})
            return None
        return number.normalize() if number == number.to_integral() else number

    def choice(self, row: _Row, key: str) -> str | None:
        value = self.text(row, key)
        if not value:
            self.problem(row, key, _("This cell must not be empty."))
            return None
        found = self.choice_lookups[key].get(_normalise(value))
        if found is None:
            labels = ", ".join(str(label) for label in CHOICES[key].labels)
            self.problem(
                row,
                key,
                _("“%(value)s” is not one of: %(labels)s.") % {"value": value, "labels": labels},
            )
        return found

    def state(self, row: _Row, key: str, text: str) -> MemberState | None:
        state = self.states.get(text.upper()) or self.state_names.get(_normalise(text))
        if state is None:
            self.problem(
                row, key, _("“%(value)s” is not a member state of the alliance.") % {"value": text}
            )
        return state

    def states_list(self, row: _Row, key: str) -> list[MemberState]:
        text = self.text(row, key, limit=2000)
        found = []
        for part in text.replace(";", ",").split(","):
            if part.strip():
                state = self.state(row, key, part.strip())
                if state is not None:
                    found.append(state)
        return found

    def marking(self, row: _Row, key: str) -> MarkingLevel | None:
        text = self.text(row, key)
        if not text:
            self.problem(row, key, _("This cell must not be empty."))
            return None
        level = self.markings.get(text.upper()) or self.marking_labels.get(_normalise(text))
        if level is None:
            self.problem(row, key, _("“%(value)s” is not a marking.") % {"value": text})
        return level

    def identity(self, row: _Row) -> None:
        raw = row.values.get("uid")
        if raw in (None, ""):
            return
        if str(raw).strip() == REDACTED:
            row.redacted = True
            return
        try:
            row.uid = uuid.UUID(str(raw))
        except ValueError:
            self.problem(row, "uid", _("This identifier is damaged: leave it as exported."))
        version = row.values.get("lock_version")
        if version not in (None, ""):
            try:
                row.lock_version = int(version)
            except (TypeError, ValueError):
                self.problem(
                    row, "lock_version", _("This version is damaged: leave it as exported.")
                )


def _read_workbook(content: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken or foreign file
        raise WorkbookUnreadable(
            _(
                "The file is not a readable Excel workbook (.xlsx): export the plan again and "
                "edit that file."
            )
        ) from error


def _parse(reader: _Reader, workbook: Any) -> dict[str, list[_Row]]:
    sheets = {
        name: reader.sheet_rows(workbook, name, required=name in {"Axes", "Objectifs", "Actions"})
        for name in SHEETS
    }
    for row in sheets["Axes"]:
        reader.identity(row)
        row.data = {
            "code": reader.text(row, "code", required=True, limit=40),
            "title": reader.text(row, "title", required=True),
            "description": reader.text(row, "description", limit=20_000),
        }
    for row in sheets["Objectifs"]:
        reader.identity(row)
        row.data = {
            "axis": reader.text(row, "axis", required=True, limit=40),
            "code": reader.text(row, "code", required=True, limit=40),
            "title": reader.text(row, "title", required=True),
            "description": reader.text(row, "description", limit=20_000),
        }
    for row in sheets["Actions"]:
        reader.identity(row)
        if row.redacted:
            continue
        lead = reader.text(row, "lead_state", required=True)
        organisation_text = reader.text(row, "responsible_organisation")
        organisation = None
        if organisation_text:
            organisation = reader.organisations.get(_normalise(organisation_text))
            if organisation is None:
                reader.problem(
                    row,
                    "responsible_organisation",
                    _("“%(value)s” is not an organisation of the directory.")
                    % {"value": organisation_text},
                )
        row.data = {
            "objective": reader.text(row, "objective", required=True, limit=40),
            "code": reader.text(row, "code", required=True, limit=40),
            "title": reader.text(row, "title", required=True),
            "description": reader.text(row, "description", limit=20_000),
            "lead_state": reader.state(row, "lead_state", lead) if lead else None,
            "partner_states": reader.states_list(row, "partner_states"),
            "responsible_organisation": organisation,
            "start_date": reader.date(row, "start_date", required=True),
            "end_date": reader.date(row, "end_date", required=True),
            "budget_amount": reader.decimal(row, "budget_amount"),
            "budget_currency": reader.text(row, "budget_currency", limit=3).upper() or "XOF",
            "priority": reader.choice(row, "priority"),
            "classification": reader.marking(row, "classification"),
            "releasable_to": reader.states_list(row, "releasable_to"),
        }
    for row in sheets["Indicateurs"]:
        reader.identity(row)
        row.data = {
            "action": reader.text(row, "action", required=True, limit=40),
            "code": reader.text(row, "code", required=True, limit=40),
            "name": reader.text(row, "name", required=True),
            "measure": reader.choice(row, "measure"),
            "unit": reader.text(row, "unit", limit=50),
            "direction": reader.choice(row, "direction"),
            "time_aggregation": reader.choice(row, "time_aggregation"),
            "state_aggregation": reader.choice(row, "state_aggregation"),
            "baseline_value": reader.decimal(row, "baseline_value"),
            "baseline_text": reader.text(row, "baseline_text"),
            "baseline_date": reader.date(row, "baseline_date"),
            "target_value": reader.decimal(row, "target_value"),
            "target_text": reader.text(row, "target_text"),
            "tolerance": reader.decimal(row, "tolerance"),
            "means_of_verification": reader.text(row, "means_of_verification", limit=20_000),
        }
    for row in sheets["Jalons"]:
        reader.identity(row)
        row.data = {
            "action": reader.text(row, "action", required=True, limit=40),
            "title": reader.text(row, "title", required=True),
            "due_date": reader.date(row, "due_date", required=True),
        }
    return sheets


# --- Import: applying ------------------------------------------------------------------------


class _Applier:
    """Applies parsed rows through the services, turning every refusal into a problem."""

    def __init__(
        self, *, plan: Plan, actor: User, reader: _Reader, skipped: set[tuple[str, int]]
    ) -> None:
        self.skipped = skipped
        self.plan = plan
        self.actor = actor
        self.reader = reader
        self.report = ImportReport()
        visible = Action.objects.visible_to(actor).filter(plan=plan)
        self.existing: dict[str, dict[uuid.UUID, Any]] = {
            "Axes": {a.uid: a for a in Axis.objects.filter(plan=plan)},
            "Objectifs": {
                o.uid: o for o in Objective.objects.filter(plan=plan).select_related("axis")
            },
            "Actions": {
                a.uid: a
                for a in visible.select_related(
                    "objective", "lead_state", "responsible_organisation", "classification"
                ).prefetch_related("partner_states", "releasable_to")
            },
            "Indicateurs": {
                i.uid: i
                for i in Indicator.objects.filter(action__in=visible).select_related("action")
            },
            "Jalons": {
                m.uid: m
                for m in Milestone.objects.filter(action__in=visible).select_related("action")
            },
        }
        # File code → item (existing or created), per sheet, to resolve parents.
        self.by_code: dict[str, dict[str, Any]] = {name: {} for name in SHEETS}
        # Codes of rows that failed: their children are not reported again.
        self.failed: dict[str, set[str]] = {name: set() for name in SHEETS}

    def problem(self, row: _Row, key: str, message: str) -> None:
        self.reader.problem(row, key, message)

    def service_errors(self, row: _Row, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                key = name if name in row.columns else ""
                for message in messages:
                    self.problem(row, key, message)
        else:
            for message in error.messages:
                self.problem(row, "", message)

    def resolve(self, row: _Row, sheet: str) -> Any:
        """The existing item of a row with an identifier (a problem when unknown)."""
        if row.uid is None:
            return None
        item = self.existing[sheet].get(row.uid)
        if item is None:
            self.problem(row, "uid", _("No such item in this plan (or you may not see it)."))
        return item

    def parent(self, row: _Row, key: str, sheet: str) -> Any:
        code = row.data.get(key) or ""
        parent = self.by_code[sheet].get(code)
        if parent is None and code not in self.failed[sheet]:
            # A parent absent from the file: an existing item with that code.
            parent = next(
                (item for item in self.existing[sheet].values() if item.code == code), None
            )
        if parent is None and code not in self.failed[sheet]:
            self.problem(
                row,
                key,
                _("No row of the sheet %(sheet)s has the code “%(code)s”.")
                % {"sheet": sheet, "code": code},
            )
        return parent

    def run(self, row: _Row, spec: _Spec, item: Any, parent: Any) -> Any:
        """Create or update the row's item (and move it under ``parent``); None on a refusal."""
        data = {key: row.data[key] for key in spec.keys}
        kind, actor = spec.kind, self.actor
        parent_argument = {spec.parent_field or "plan": parent if spec.parent_field else self.plan}
        try:
            if item is None:
                data.pop("code", None)  # new rows get automatic codes
                created = getattr(services, f"{kind}_create")(
                    **parent_argument, actor=actor, data=data
                )
                self.report.created += 1
                return created
            changed = {
                name: value
                for name, value in data.items()
                if services.plain(value) != services.plain(_current(item, name))
            }
            if "code" in changed and not can(actor, "plans.change_code", self.plan):
                self.problem(row, "code", _("Only the secretariat changes codes."))
                return None
            if spec.parent_field and getattr(item, f"{spec.parent_field}_id") != parent.pk:
                item = getattr(services, f"{kind}_move")(
                    **{kind: item}, actor=actor, position=10**6, **parent_argument
                )
            if not changed:
                self.report.unchanged += 1
                return item
            version = row.lock_version if row.lock_version is not None else item.lock_version
            updated = getattr(services, f"{kind}_update")(
                **{kind: item}, actor=actor, lock_version=version, data=changed
            )
            self.report.updated += 1
            return updated
        except ValidationError as error:
            self.service_errors(row, error)
        except ConflictError as error:
            self.problem(
                row,
                "",
                _(
                    "This item was changed in Liptako since the export (%(fields)s): export the "
                    "plan again and redo your change."
                )
                % {"fields": ", ".join(c.field for c in error.conflicts) or "—"},
            )
        except PermissionDenied as error:
            self.problem(row, "", str(error))
        return None

    def apply(self, sheets: dict[str, list[_Row]]) -> None:
        for spec in SPECS:
            for row in sheets[spec.sheet]:
                code = row.data.get("code", "")
                if row.redacted:
                    continue
                if (spec.sheet, row.number) in self.skipped:
                    self.failed[spec.sheet].add(code)
                    continue
                item = self.resolve(row, spec.sheet)
                parent = None
                if spec.parent_key is not None:
                    parent = self.parent(row, spec.parent_key, spec.parent_sheet or "")
                    if parent is None:
                        self.failed[spec.sheet].add(code)
                        continue
                if row.uid is not None and item is None:
                    self.failed[spec.sheet].add(code)
                    continue
                result = self.run(row, spec, item, parent)
                if result is None:
                    self.failed[spec.sheet].add(code)
                elif code:
                    self.by_code[spec.sheet][code] = result


INDICATOR_KEYS = (
    "code", "name", "measure", "unit", "direction", "time_aggregation", "state_aggregation",
    "baseline_value", "baseline_text", "baseline_date", "target_value", "target_text",
    "tolerance", "means_of_verification",
)  # fmt: skip


ACTION_KEYS = (
    "code", "title", "description", "lead_state", "partner_states", "responsible_organisation",
    "start_date", "end_date", "budget_amount", "budget_currency", "priority", "classification",
    "releasable_to",
)  # fmt: skip


@dataclass(frozen=True)
class _Spec:
    sheet: str
    kind: str
    keys: tuple[str, ...]
    parent_key: str | None = None  # the column holding the parent's code
    parent_sheet: str | None = None
    parent_field: str | None = None  # the service's argument naming the parent


# In dependency order: parents are created before their children refer to them.
SPECS = (
    _Spec("Axes", "axis", ("code", "title", "description")),
    _Spec("Objectifs", "objective", ("code", "title", "description"), "axis", "Axes", "axis"),
    _Spec("Actions", "action", ACTION_KEYS, "objective", "Objectifs", "objective"),
    _Spec("Indicateurs", "indicator", INDICATOR_KEYS, "action", "Actions", "action"),
    _Spec("Jalons", "milestone", ("title", "due_date"), "action", "Actions", "action"),
)


def _current(item: Any, name: str) -> Any:
    value = getattr(item, name)
    if name in {"partner_states", "releasable_to"}:
        return list(value.all())
    return value


def _duplicate_codes(reader: _Reader, rows: Iterable[_Row]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        code = row.data.get("code")
        if not code or row.redacted:
            continue
        if code in seen:
            reader.problem(
                row,
                "code",
                _("The code “%(code)s” is already used on row %(row)s.")
                % {"code": code, "row": seen[code]},
            )
        else:
            seen[code] = row.number


def import_plan_xlsx(*, plan: Plan, actor: User, content: bytes) -> ImportReport:
    """Import a workbook of the export's layout into the live draft of ``plan``.

    Every row is checked, then applied through the services inside one transaction; any
    problem rolls back everything. ``WorkbookUnreadable`` when the file is not an XLSX
    workbook; ``PermissionDenied`` when the actor may not edit the plan."""
    if not can(actor, "plans.change_plan", plan):
        raise PermissionDenied(_("You may not edit this plan."))
    workbook = _read_workbook(content)
    reader = _Reader(plan)
    try:
        sheets = _parse(reader, workbook)
    except Exception as error:  # a damaged archive can fail while rows are read
        raise WorkbookUnreadable(
            _(
                "The file is not a readable Excel workbook (.xlsx): export the plan again and "
                "edit that file."
            )
        ) from error
    finally:
        workbook.close()
    for name in SHEETS:
        _duplicate_codes(reader, sheets[name])
    if any(problem.row == 1 for problem in reader.problems):
        # A missing sheet or column: the rows cannot be read reliably.
        return ImportReport(problems=_sorted(reader.problems))
    # Rows with unreadable cells are skipped; every other row still goes through the
    # services (inside a transaction rolled back at the end) so that their problems are
    # reported in the same pass.
    skipped = {(problem.sheet, problem.row) for problem in reader.problems}
    applier = _Applier(plan=plan, actor=actor, reader=reader, skipped=skipped)
    try:
        with transaction.atomic():
            applier.apply(sheets)
            if reader.problems:
                raise _Abort
    except _Abort:
        return ImportReport(problems=_sorted(reader.problems))
    return applier.report


def _sorted(problems: Sequence[ImportProblem]) -> list[ImportProblem]:
    order = {name: index for index, name in enumerate(SHEETS)}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order.get(p.sheet, -1), p.row, len(p.column), p.column))
