"""Forms of monitoring. The report form is one page with a block per action, built from
:class:`~liptako.monitoring.selectors.LineForm` entries; field names are those of
``services.line_error_key`` so service errors land next to their field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liptako.monitoring.models import LineStatus, Weighting
from liptako.monitoring.selectors import LineForm
from liptako.monitoring.services import LineInput, line_error_key


class ReportForm:
    """Parses the POSTed report into ``LineInput``s; keeps what was typed and the errors.

    A block whose status is left empty is not reported yet and is not saved.
    """

    def __init__(self, entries: Sequence[LineForm], data: Mapping[str, Any] | None = None):
        self.entries = entries
        self.data = data
        self.errors: dict[str, list[str]] = {}
        self.lock_version = 0

    def initial(self, name: str, default: Any = "") -> Any:
        return self.data.get(name, default) if self.data is not None else default

    def parse(self) -> list[LineInput]:
        assert self.data is not None
        try:
            self.lock_version = int(self.data.get("lock_version", "0"))
        except ValueError:
            self.lock_version = 0
        lines = []
        for entry in self.entries:
            action = entry.action
            status = self.data.get(line_error_key(action, "status"), "")
            if not status:
                continue
            percent_text = str(
                self.data.get(line_error_key(action, "percent_complete"), "")
            ).strip()
            percent: int | None
            try:
                percent = int(percent_text) if percent_text else 0
            except ValueError:
                percent = None
                self.errors.setdefault(line_error_key(action, "percent_complete"), []).append(
                    _("Enter a whole number from 0 to 100.")
                )
            milestones: dict[Any, dt.date | None] = {}
            for milestone in entry.milestones:
                name = line_error_key(action, f"milestone-{milestone.uid}")
                text = str(self.data.get(name, "")).strip()
                if not text:
                    continue
                try:
                    milestones[milestone] = dt.date.fromisoformat(text)
                except ValueError:
                    self.errors.setdefault(name, []).append(_("Enter a date (YYYY-MM-DD)."))
            values: dict[Any, Decimal | str | None] = {
                indicator: str(
                    self.data.get(line_error_key(action, f"indicator-{indicator.uid}"), "")
                )
                for indicator in entry.indicators
            }
            lines.append(
                LineInput(
                    action=action,
                    status=status,
                    percent_complete=percent,
                    narrative=str(self.data.get(line_error_key(action, "narrative"), "")),
                    difficulties=str(self.data.get(line_error_key(action, "difficulties"), "")),
                    next_steps=str(self.data.get(line_error_key(action, "next_steps"), "")),
                    milestones=milestones,
                    values=values,
                )
            )
        return lines

    def add_errors(self, message_dict: Mapping[str, Sequence[str]]) -> None:
        for key, messages in message_dict.items():
            self.errors.setdefault(key, []).extend(messages)

    def _value(self, name: str, saved: Any) -> Any:
        if self.data is not None:
            return self.data.get(name, "")
        return "" if saved is None else saved

    def blocks(self) -> list[dict[str, Any]]:
        """What the template draws: per action its fields, each with name, value and errors."""
        result = []
        for entry in self.entries:
            action, line = entry.action, entry.line

            def field(name: str, saved: Any, label: Any, action: Any = action) -> dict[str, Any]:
                key = line_error_key(action, name)
                return {
                    "name": key,
                    "label": label,
                    "value": self._value(key, saved),
                    "errors": self.errors.get(key, []),
                }

            result.append(
                {
                    "entry": entry,
                    "action": action,
                    "errors": self.errors.get(line_error_key(action, "action"), []),
                    "status": field("status", line.status if line else "", _("Status")),
                    "percent": field(
                        "percent_complete",
                        line.percent_complete if line else "",
                        _("Percent complete"),
                    ),
                    "narrative": field(
                        "narrative", line.narrative if line else "", _("What was done")
                    ),
                    "difficulties": field(
                        "difficulties", line.difficulties if line else "", _("Difficulties")
                    ),
                    "next_steps": field(
                        "next_steps", line.next_steps if line else "", _("Next steps")
                    ),
                    "indicators": [
                        {
                            "indicator": indicator,
                            **field(
                                f"indicator-{indicator.uid}",
                                _saved_value(entry.values.get(indicator.pk)),
                                indicator.name,
                            ),
                        }
                        for indicator in entry.indicators
                    ],
                    "milestones": [
                        {
                            "milestone": milestone,
                            **field(
                                f"milestone-{milestone.uid}",
                                entry.reached[milestone.pk].isoformat()
                                if milestone.pk in entry.reached
                                else "",
                                milestone.title,
                            ),
                        }
                        for milestone in entry.milestones
                    ],
                    "review_comment": line.review_comment if line else "",
                }
            )
            result[-1]["texts"] = [
                result[-1]["narrative"],
                result[-1]["difficulties"],
                result[-1]["next_steps"],
            ]
        return result

    @property
    def general_errors(self) -> list[str]:
        return self.errors.get("__all__", [])

    @property
    def status_choices(self) -> list[tuple[str, Any]]:
        return [("", _("— not reported yet —")), *LineStatus.choices]


def _saved_value(value: Any) -> str:
    if value is None:
        return ""
    if value.value is not None:
        return format(value.value.normalize(), "f")
    return str(value.text)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("accept", gettext_lazy("Accept")), ("return", gettext_lazy("Return"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reasons (required to return)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why must the accepted report be corrected?"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for reopening"), max_length=500)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (PDF, image or office document, 10 MB at most)")
    )
    line = forms.CharField(required=False, widget=forms.HiddenInput)


class SettingsForm(forms.Form):
    period_months = forms.IntegerField(
        label=gettext_lazy("Length of a reporting period (months)"), min_value=1, max_value=12
    )
    report_due_days = forms.IntegerField(
        label=gettext_lazy("Days after the end of a period to hand in the report"),
        min_value=0,
        max_value=90,
    )
    weighting = forms.ChoiceField(
        label=gettext_lazy("Weighting of actions in percent complete"), choices=Weighting.choices
    )
