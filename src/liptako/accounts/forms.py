from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import ApiToken, timezone_choices
from liptako.accounts.services import totp_current_step


class PreferencesForm(forms.Form):
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Dates and times are shown in this zone."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the pages, applied at each log-in."),
    )


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “Monthly report script”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class SecondFactorForm(forms.Form):
    """The second step of the log-in: the app's 6-digit code, or one recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code shown by your authenticator app, or one of your recovery codes."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        )


class TotpEnrolForm(forms.Form):
    """Enrolment: the first code of the app proves it holds the secret shown."""

    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=8,
        help_text=_("Six digits; a new one every 30 seconds."),
    )

    def __init__(self, *args: Any, key_hex: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_hex = key_hex
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].replace(" ", "")
        if totp_current_step(self.key_hex, code) is None:
            raise forms.ValidationError(
                _(
                    "This code does not match. Check that the app's clock is right and type "
                    "the code it shows now."
                )
            )
        return code
