"""The audit page's filter form (GET): invalid fields are reported and left out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liptako.audit.selectors import EventFilters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class EventFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=200,
        help_text=_("Name or username."),
    )
    verb = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("E.g. plan.freeze, or plan. for all."),
        widget=forms.TextInput(attrs={"list": "audit-verbs"}),
    )
    target_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"list": "audit-target-types"}),
    )
    target = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=300,
        help_text=_("Identifier or part of the name."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d"]
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d"]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> EventFilters:
        """The filters of the valid fields (an invalid field filters nothing)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        return EventFilters(
            actor=(data["actor"] or "").strip(),
            verb=(data["verb"] or "").strip(),
            target_type=(data["target_type"] or "").strip(),
            target=(data["target"] or "").strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
