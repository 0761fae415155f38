"""Forms of the directory pages. They parse input; the rules live in ``services`` whose
``ValidationError`` messages are put next to the fields by :func:`apply_service_errors`."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import User
from liptako.alliance.models import MemberState, Organisation, OrganisationKind, Person, Rank
from liptako.alliance.selectors import ORGANISATION_SORTS, PERSON_SORTS


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` next to the matching fields of ``form``."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the ``updated_at`` of the record as displayed, to detect concurrent edits."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def expected_updated_at(self) -> datetime.datetime | None:
        raw = self.cleaned_data.get("version") or ""
        try:
            return datetime.datetime.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    @staticmethod
    def version_of(instance: Any) -> str:
        return str(instance.updated_at.isoformat())


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        state = obj.member_state.code if obj.member_state_id else "AES"
        return f"{state} · {obj}"


class MemberStateForm(VersionedForm):
    code = forms.CharField(
        label=_("ISO 3166 alpha-3 code"),
        max_length=3,
        help_text=_("Three capital letters, e.g. MLI."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    capital = forms.CharField(label=_("Capital"), max_length=100, required=False)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The code is fixed once created: records and signed statements refer to it.
            del self.fields["code"]


class OrganisationForm(VersionedForm):
    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        queryset=MemberState.objects.all(),
        required=False,
        empty_label=_("None: a body of the alliance"),
        to_field_name="code",
    )
    parent = OrganisationChoiceField(
        label=_("Parent organisation"),
        queryset=Organisation.objects.select_related("member_state").order_by(
            "member_state__name", "search_text"
        ),
        required=False,
        empty_label=_("None (top level)"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    acronym = forms.CharField(label=_("Acronym"), max_length=30, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # An organisation stays in its member state: its people and positions hang on it.
            del self.fields["member_state"]


class PersonForm(VersionedForm):
    rank = forms.TypedChoiceField(
        label=_("Rank"),
        choices=[("", _("None (civilian)")), *Rank.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    title = forms.CharField(
        label=_("Civil title"),
        max_length=100,
        required=False,
        help_text=_("For civilians only: Monsieur, Madame, Docteur…"),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        queryset=MemberState.objects.all(),
        required=False,
        empty_label=_("None (staff of the alliance)"),
        to_field_name="code",
    )
    email = forms.EmailField(label=_("Email"), required=False)
    user = forms.ModelChoiceField(
        label=_("User account"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("None"),
        to_field_name="username",
        help_text=_("The Liptako account of this person, if they have one."),
    )

    def __init__(self, *args: Any, person: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Accounts not yet linked to somebody else.
        accounts = User.objects.filter(person__isnull=True)
        if person is not None and person.user_id is not None:
            accounts = User.objects.filter(person__isnull=True) | User.objects.filter(
                pk=person.user_id
            )
        self.fields["user"].queryset = accounts.order_by("username")  # type: ignore[attr-defined]


class PositionForm(VersionedForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.select_related("member_state").order_by(
            "member_state__name", "search_text"
        ),
    )
    title = forms.CharField(
        label=_("Title of the position"),
        max_length=200,
        help_text=_("e.g. Chef d'État-major Général des Armées"),
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput)
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty while the position is held."),
    )


class PositionEndForm(VersionedForm):
    end_date = forms.DateField(label=_("End date"), widget=DateInput)


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        queryset=MemberState.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        to_field_name="code",
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.select_related("member_state").order_by(
            "member_state__name", "search_text"
        ),
        required=False,
        empty_label=_("All"),
    )
    rank = forms.TypedChoiceField(
        label=_("Rank"),
        choices=[("", _("All")), *Rank.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A-Z)")),
            ("-name", _("Name (Z-A)")),
            ("-rank", _("Rank (highest first)")),
            ("rank", _("Rank (lowest first)")),
            ("state", _("Member state")),
        ],
    )

    def clean_sort(self) -> str:
        sort: str = self.cleaned_data.get("sort") or "name"
        return sort if sort in PERSON_SORTS else "name"


ALLIANCE_BODIES = "AES"


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    member_state = forms.ChoiceField(label=_("Member state"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *OrganisationKind.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("state", _("Member state")),
            ("name", _("Name (A-Z)")),
            ("-name", _("Name (Z-A)")),
            ("kind", _("Kind")),
        ],
    )

    def __init__(self, *args: Any, member_states: list[MemberState], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_states = {state.code: state for state in member_states}
        self.fields["member_state"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            (ALLIANCE_BODIES, _("Bodies of the alliance")),
            *[(state.code, state.name) for state in member_states],
        ]

    def clean_sort(self) -> str:
        sort: str = self.cleaned_data.get("sort") or "state"
        return sort if sort in ORGANISATION_SORTS else "state"
