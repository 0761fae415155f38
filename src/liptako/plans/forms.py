"""Forms of the plan pages. They clean what people type; the services validate and save.

Item forms carry the ``lock_version`` the editor saw (optimistic locking, decision 0041) and
give the services a ``data`` dict (``changes()``). Field definitions come from the models
(labels, choices, lengths), so pages, API and models agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from liptako.alliance.models import MemberState, Organisation
from liptako.core.models import MarkingLevel
from liptako.plans.models import Action, Axis, Indicator, Milestone, Objective, Plan, Priority

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


class FlexibleDecimalField(forms.DecimalField):
    """Accepts "1 250 000", "1250000" and "12,5" as well as "12.5"."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = _SPACES.sub("", value).replace(",", ".")
        return super().to_python(value)


def _model_fields(model: Any, names: list[str]) -> dict[str, forms.Field]:
    widgets: dict[str, Any] = {
        name: DATE_WIDGET
        for name in (
            "period_start",
            "period_end",
            "start_date",
            "end_date",
            "due_date",
            "baseline_date",
        )
    }
    widgets.update(
        {
            "description": forms.Textarea(attrs={"rows": 3}),
            "means_of_verification": forms.Textarea(attrs={"rows": 2}),
            "partner_states": forms.CheckboxSelectMultiple,
            "releasable_to": forms.CheckboxSelectMultiple,
        }
    )
    fields = fields_for_model(
        model, fields=names, widgets={k: v for k, v in widgets.items() if k in names}
    )
    for name, field in list(fields.items()):
        if isinstance(field, forms.DecimalField) and not isinstance(field, FlexibleDecimalField):
            fields[name] = FlexibleDecimalField(
                label=field.label,
                required=field.required,
                help_text=field.help_text,
                max_digits=field.max_digits,
                decimal_places=field.decimal_places,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
    return fields


class ItemForm(forms.Form):
    """Base of the item forms: the lock version and the optional code (secretariat)."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label=_("code"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for the automatic code."),
    )
    field_order = ["code"]

    def __init__(self, *args: Any, plan: Plan, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        if not with_code:
            self.fields.pop("code", None)
        self.setup(plan)

    def setup(self, plan: Plan) -> None:
        """Limit choices to the plan's alliance (overridden where needed)."""

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "lock_version"}

    @property
    def seen_version(self) -> int:
        value = self.cleaned_data.get("lock_version")
        if value is None:
            raise ValidationError(_("The form is missing its edit version: reload the page."))
        return int(value)


def _limit_states(form: forms.Form, plan: Plan) -> None:
    states = MemberState.objects.filter(alliance_id=plan.alliance_id).order_by("code")
    for name in ("lead_state", "partner_states", "releasable_to"):
        if name in form.fields:
            form.fields[name].queryset = states  # type: ignore[attr-defined]
    if "responsible_organisation" in form.fields:
        form.fields["responsible_organisation"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(alliance_id=plan.alliance_id)
            .select_related("member_state")
            .order_by("member_state__code", "name")
        )
    if "classification" in form.fields:
        form.fields["classification"].queryset = MarkingLevel.objects.order_by("rank")  # type: ignore[attr-defined]
        form.fields["classification"].empty_label = None  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, alliance_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            _model_fields(
                Plan,
                [
                    "title",
                    "description",
                    "period_start",
                    "period_end",
                    "classification",
                    "releasable_to",
                ],
            )
        )
        states = MemberState.objects.filter(alliance_id=alliance_id).order_by("code")
        self.fields["releasable_to"].queryset = states  # type: ignore[attr-defined]
        self.fields["classification"].queryset = MarkingLevel.objects.order_by("rank")  # type: ignore[attr-defined]
        self.fields["classification"].empty_label = None  # type: ignore[attr-defined]
        self.fields["classification"].required = False

    def changes(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "lock_version"}
        if data.get("classification") is None:
            data.pop("classification", None)
        return data


def _item_form(name: str, model: Any, names: list[str]) -> type[ItemForm]:
    form_class: type[ItemForm] = type(name, (ItemForm,), _model_fields(model, names))
    form_class.setup = lambda self, plan: _limit_states(self, plan)  # type: ignore[method-assign]
    return form_class


AxisForm = _item_form("AxisForm", Axis, ["title", "description"])
ObjectiveForm = _item_form("ObjectiveForm", Objective, ["title", "description"])
ActionForm = _item_form(
    "ActionForm",
    Action,
    [
        "title",
        "description",
        "lead_state",
        "partner_states",
        "responsible_organisation",
        "start_date",
        "end_date",
        "budget_amount",
        "budget_currency",
        "priority",
        "classification",
        "releasable_to",
    ],
)
IndicatorForm = _item_form(
    "IndicatorForm",
    Indicator,
    [
        "name",
        "measure",
        "unit",
        "direction",
        "time_aggregation",
        "state_aggregation",
        "baseline_value",
        "baseline_text",
        "baseline_date",
        "target_value",
        "target_text",
        "tolerance",
        "means_of_verification",
    ],
)
MilestoneForm = _item_form("MilestoneForm", Milestone, ["title", "due_date"])
# Milestones have no code.
MilestoneForm.base_fields.pop("code", None)

FORMS: dict[str, type[ItemForm]] = {
    "axis": AxisForm,
    "objective": ObjectiveForm,
    "action": ActionForm,
    "indicator": IndicatorForm,
    "milestone": MilestoneForm,
}


def initial_for(item: Any, form_class: type[ItemForm]) -> dict[str, Any]:
    """The form's initial values from an item (M2M as lists)."""
    initial: dict[str, Any] = {"lock_version": item.lock_version}
    for name in form_class.base_fields:
        if name == "lock_version":
            continue
        value = getattr(item, name)
        if name in {"partner_states", "releasable_to"}:
            value = list(value.all())
        initial[name] = value
    return initial


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    parent = forms.UUIDField(widget=forms.HiddenInput, required=False)


class FreezeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For instance: version reviewed at the experts' workshop."),
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


def _attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes as Django's ``attrs.html`` prints them: ``False`` leaves one out,
    ``True`` prints its bare name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PrintedSelect(forms.Select):
    """A ``<select>`` printed in Python, the same HTML as Django's templates: those include a
    template per option, and the outline's four filters cost more to print that way than
    the plan's axes and objectives (the outline is printed on every filter change). For
    choices labelled with text (a number would not be localized). Each option ends with a
    line break, as the file of Django's option template does."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        name_attribute = conditional_escape(widget["name"])
        parts = [f'<select name="{name_attribute}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                option_value = conditional_escape(str(option["value"]))
                label = conditional_escape(option["label"])
                parts.append(
                    f'\n  <option value="{option_value}"{_attributes(option["attrs"])}>'
                    f"{label}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))


class OutlineFilterForm(forms.Form):
    axis = forms.ChoiceField(label=_("Axis"), required=False, widget=PrintedSelect)
    lead_state = forms.ChoiceField(
        label=_("Lead member state"), required=False, widget=PrintedSelect
    )
    partner_state = forms.ChoiceField(
        label=_("Partner member state"), required=False, widget=PrintedSelect
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("All")), *list(Priority.choices)],
        widget=PrintedSelect,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args: Any, plan: Plan, axes: Sequence[Axis], **kwargs: Any) -> None:
        """``axes``: the plan's, in plan order (``selectors.outline_axes``; the outline shows
        them too)."""
        super().__init__(*args, **kwargs)
        self.fields["axis"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (str(axis.uid), f"{axis.code} {axis.title}") for axis in axes
        ]
        states = [
            (state.code, state.name)
            for state in MemberState.objects.filter(alliance_id=plan.alliance_id).order_by("code")
        ]
        self.fields["lead_state"].choices = [("", _("All")), *states]  # type: ignore[attr-defined]
        self.fields["partner_state"].choices = [("", _("All")), *states]  # type: ignore[attr-defined]


class DiffForm(forms.Form):
    """Two versions to compare; "draft" stands for the live draft."""

    ancien = forms.ChoiceField(label=_("From"))
    nouveau = forms.ChoiceField(label=_("To"))

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("draft", _("Live draft"))] + [
            (str(number), _("Version %(number)s") % {"number": number}) for number in numbers
        ]
        self.fields["ancien"].choices = choices  # type: ignore[attr-defined]
        self.fields["nouveau"].choices = choices  # type: ignore[attr-defined]


MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is too large (%(size)s MB at most).")
                % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload
