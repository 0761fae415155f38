from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liptako.documents.models import LetterTemplate
from liptako.documents.services import placeholder_errors


class LetterTemplateForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 22}),
        help_text=LetterTemplate._meta.get_field("body").help_text,
    )
    signature_block = forms.CharField(
        label=_("Signature block"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_subject(self) -> str:
        return self._placeholders(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return self._placeholders(self.cleaned_data["body"])

    @staticmethod
    def _placeholders(value: Any) -> str:
        errors = placeholder_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return str(value)
