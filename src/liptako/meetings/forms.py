"""Forms of the meetings pages. They validate input; the services hold the rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liptako.alliance.models import MemberState, Person
from liptako.core.models import MarkingLevel
from liptako.meetings.models import (
    AgendaItem,
    DecisionKind,
    FollowUpStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Presence,
)
from liptako.meetings.selectors import MEETING_SORTS
from liptako.plans.models import Action, Plan, PlanVersion

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIMEZONES = ["Africa/Bamako", "Africa/Ouagadougou", "Africa/Niamey", "UTC"]


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to its field, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _people() -> Any:
    return Person.objects.select_related("member_state").order_by("last_name", "first_name")


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *MeetingKind.choices]
    )
    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        required=False,
        queryset=MemberState.objects.order_by("name"),
        empty_label=_("All member states"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *MeetingStatus.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-date", _("Latest first")),
            ("date", _("Earliest first")),
            ("title", _("Title")),
            ("city", _("City")),
        ],
    )

    def clean_sort(self) -> str:
        value = self.cleaned_data.get("sort") or "-date"
        return value if value in MEETING_SORTS else "-date"


class MeetingForm(forms.ModelForm):
    """Create or edit a meeting. Times are the local times of the meeting's city."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at (local time)"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends at (local time)"), widget=DATETIME_WIDGET)
    timezone = forms.ChoiceField(label=_("Local time zone"), choices=[(z, z) for z in TIMEZONES])
    releasable_to = forms.ModelMultipleChoiceField(
        label=_("Releasable to"),
        queryset=MemberState.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to release to every member state."),
    )

    class Meta:
        model = Meeting
        fields = [
            "title", "kind", "purpose", "starts_at", "ends_at", "timezone", "city", "venue",
            "host_state", "chair", "secretary", "classification", "releasable_to",
            "preparatory_meeting", "plan", "plan_version",
        ]  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["secretary"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["classification"].queryset = MarkingLevel.objects.order_by("rank")  # type: ignore[attr-defined]
        # The choices are what the user may see: a title above their clearance is not listed.
        preparatory = Meeting.objects.visible_to(user).order_by("-starts_at")
        if self.instance.pk:
            preparatory = preparatory.exclude(pk=self.instance.pk)
            zone = self._zone(self.instance.timezone)
            self.initial["starts_at"] = timezone.localtime(self.instance.starts_at, zone)
            self.initial["ends_at"] = timezone.localtime(self.instance.ends_at, zone)
            self.initial["revision"] = self.instance.revision
        self.fields["preparatory_meeting"].queryset = preparatory  # type: ignore[attr-defined]
        plans = Plan.objects.visible_to(user)
        self.fields["plan"].queryset = plans.order_by("title")  # type: ignore[attr-defined]
        versions = (
            PlanVersion.objects.filter(plan__in=plans).defer("canonical").select_related("plan")
        )
        self.fields["plan_version"].queryset = versions  # type: ignore[attr-defined]

    @staticmethod
    def _zone(name: str) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = self._zone(data.get("timezone") or "UTC")
        current = timezone.get_current_timezone()
        # The browser sends wall-clock times; they are the city's, not the reader's.
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None:
                wall = timezone.localtime(value, current).replace(tzinfo=None)
                data[name] = wall.replace(tzinfo=zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("The meeting cannot end before it starts."))
        return data

    def _post_clean(self) -> None:
        # The services write; the form only validates its own fields (no model validation
        # that would need the alliance set by the view).
        pass


def _link_fields(form: forms.Form, meeting: Meeting | None, user: Any) -> None:
    """Versions and actions of the meeting's plan that ``user`` may see (none to pick while
    the meeting has no plan)."""
    plan_id = meeting.plan_id if meeting is not None else None
    versions = PlanVersion.objects.none()
    actions = Action.objects.none()
    if plan_id is not None:
        plans = Plan.objects.visible_to(user).filter(pk=plan_id)
        versions = PlanVersion.objects.filter(plan__in=plans).defer("canonical")
        actions = Action.objects.visible_to(user).filter(plan__in=plans).order_by("code")
    form.fields["plan_version"].queryset = versions  # type: ignore[attr-defined]
    form.fields["actions"].queryset = actions  # type: ignore[attr-defined]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    presenter = forms.ModelChoiceField(
        label=_("Presenter"), queryset=Person.objects.none(), required=False
    )
    planned_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"), required=False, min_value=1, max_value=24 * 60
    )
    is_publishable = forms.BooleanField(label=_("May appear in the communiqué"), required=False)
    plan_version = forms.ModelChoiceField(
        label=_("Plan version"), queryset=PlanVersion.objects.none(), required=False
    )
    actions = forms.ModelMultipleChoiceField(
        label=_("Actions"), queryset=Action.objects.none(), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _link_fields(self, meeting, user)
        self.fields["presenter"].queryset = _people()  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    member_state = forms.ModelChoiceField(
        label=_("Delegation"), queryset=MemberState.objects.order_by("name")
    )
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    is_head_of_delegation = forms.BooleanField(label=_("Head of delegation"), required=False)
    is_guest = forms.BooleanField(
        label=_("Guest (not a delegate)"),
        required=False,
        help_text=_("An authority who receives the delegations; not counted for the quorum."),
    )
    role = forms.CharField(label=_("Role in the meeting"), max_length=200, required=False)
    presence = forms.ChoiceField(
        label=_("Presence"), choices=Presence.choices, initial=Presence.PRESENT
    )
    represented_by = forms.ModelChoiceField(
        label=_("Represented by"), queryset=Person.objects.none(), required=False
    )
    is_publishable = forms.BooleanField(label=_("May be named in the communiqué"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["represented_by"].queryset = _people()  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=DecisionKind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=AgendaItem.objects.none(), required=False
    )
    classification = forms.ModelChoiceField(
        label=_("Classification"), queryset=MarkingLevel.objects.order_by("rank")
    )
    releasable_to = forms.ModelMultipleChoiceField(
        label=_("Releasable to"),
        queryset=MemberState.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to release as the meeting is."),
    )
    is_publishable = forms.BooleanField(label=_("May appear in the communiqué"), required=False)
    follow_up = forms.CharField(label=_("Follow-up"), max_length=500, required=False)
    follow_up_person = forms.ModelChoiceField(
        label=_("Follow-up owner (person)"), queryset=Person.objects.none(), required=False
    )
    follow_up_state = forms.ModelChoiceField(
        label=_("Follow-up owner (member state)"),
        queryset=MemberState.objects.order_by("name"),
        required=False,
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_WIDGET)
    plan_version = forms.ModelChoiceField(
        label=_("Plan version"), queryset=PlanVersion.objects.none(), required=False
    )
    actions = forms.ModelMultipleChoiceField(
        label=_("Actions"), queryset=Action.objects.none(), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _link_fields(self, meeting, user)
        self.fields["agenda_item"].queryset = meeting.agenda_items.order_by("position")  # type: ignore[attr-defined]
        self.fields["follow_up_person"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["classification"].initial = meeting.classification_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up_person") and data.get("follow_up_state"):
            self.add_error(
                "follow_up_state", _("A follow-up has one owner: a person or a member state.")
            )
        return data


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Follow-up status"), choices=FollowUpStatus.choices)


class MinutesSectionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    body = forms.CharField(
        label=_("Minutes (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("**bold**, *italic*, lists with “- ”, tables."),
    )


class CommuniqueForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 20}))
    source = forms.CharField(label=_("Source line"), max_length=200, required=False)


class QuorumRuleForm(forms.Form):
    """One row of the quorum page: the kind travels hidden, the minimum is typed."""

    kind = forms.ChoiceField(
        label=_("Kind of meeting"), choices=MeetingKind.choices, widget=forms.HiddenInput
    )
    minimum_delegations = forms.IntegerField(
        label=_("Minimum delegations present"), min_value=1, max_value=99
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        if kind in MeetingKind.values:
            self.auto_id = f"id_{kind}_%s"  # one form per kind on the page: unique ids
