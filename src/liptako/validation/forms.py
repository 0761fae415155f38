"""Forms of the validation pages."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import Role
from liptako.alliance.models import MemberState
from liptako.validation.offline import KeyError_, decode_signature, parse_public_key


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to its field, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


# A signature file holds 64 bytes, or their base64 (88 characters, wrapped or not).
MAX_SIGNATURE_FILE_BYTES = 1024
# The signing page's whole body: the typed signature or the file, the token and the form's
# keys, with room to spare. A body announced larger is refused before it is read.
MAX_SIGNATURE_BODY_BYTES = 64 * 1024


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label=_("Signature (base64)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What `liptako sign` printed, or any Ed25519 signature in base64."),
    )
    signature_file = forms.FileField(
        label=_("or the signature file"),
        required=False,
        help_text=_("The raw 64-byte signature (OpenSSL) or its base64 text."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("signature_file")
        value: str | bytes = data.get("signature", "") or ""
        if upload is not None:
            value = upload.read(MAX_SIGNATURE_FILE_BYTES + 1)
            if len(value) > MAX_SIGNATURE_FILE_BYTES:
                # Only the start was read: what follows it must not be ignored (decision 0215).
                raise ValidationError(_("The signature file is too large (1 KB at most)."))
        if not value:
            raise ValidationError(_("Give the signature, typed in or as a file."))
        try:
            data["raw_signature"] = decode_signature(value)
        except KeyError_ as error:
            raise ValidationError(_("The signature must be 64 bytes, in base64.")) from error
        return data


class KeyRegisterForm(forms.Form):
    public_key = forms.CharField(
        label=_("Public key"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The public key printed by `liptako keygen` (base64), or its .pub.pem file content."
        ),
    )
    wrapped_private_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_public_key(self) -> bytes:
        try:
            return parse_public_key(self.cleaned_data["public_key"])
        except KeyError_ as error:
            raise ValidationError(_("This is not an Ed25519 public key.")) from error

    def clean_wrapped_private_key(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("wrapped_private_key") or ""
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationError(_("The wrapped key is not in our format.")) from error
        if not isinstance(value, dict):
            raise ValidationError(_("The wrapped key is not in our format."))
        return value


class ReasonForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))


ITEM_LINE = re.compile(r"^\s*([A-Za-z0-9.\-]+)\s*:\s*(.+)$")


class RequestChangesForm(ReasonForm):
    item_reasons = forms.CharField(
        label=_("Remarks on particular items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One line per item: its code, a colon, the remark (A1.2.3: the budget is too low). "
            "Each becomes a comment on that item of the draft."
        ),
    )

    def __init__(self, *args: Any, codes: dict[str, UUID], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes

    def clean_item_reasons(self) -> dict[UUID, str]:
        result: dict[UUID, str] = {}
        for line in (self.cleaned_data.get("item_reasons") or "").splitlines():
            if not line.strip():
                continue
            match = ITEM_LINE.match(line)
            if match is None or match.group(1) not in self.codes:
                raise ValidationError(
                    _("“%(line)s”: start the line with the code of an item of this version.")
                    % {"line": line.strip()[:60]}
                )
            uid = self.codes[match.group(1)]
            result[uid] = (result[uid] + "\n" if uid in result else "") + match.group(2).strip()
        return result


class QuorumForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    adoption_role = forms.ChoiceField(
        label=_("Adopted by"),
        choices=[
            (Role.AUTHORITY.value, Role.AUTHORITY.label),
            (Role.SECRETARIAT.value, Role.SECRETARIAT.label),
        ],
    )

    ROLES = (Role.VALIDATOR, Role.AUTHORITY)

    def __init__(self, *args: Any, member_states: list[MemberState], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_states = member_states
        for state in member_states:
            for role in self.ROLES:
                self.fields[self.field_name(state, role)] = forms.IntegerField(
                    label=f"{state.name} — {role.label}", min_value=0, max_value=10, initial=0
                )

    @staticmethod
    def field_name(state: MemberState, role: str) -> str:
        return f"count_{state.code}_{role}"

    def rows(self) -> list[tuple[MemberState, list[Any]]]:
        return [
            (state, [self[self.field_name(state, role)] for role in self.ROLES])
            for state in self.member_states
        ]

    def validation(self) -> list[dict[str, Any]]:
        return [
            {
                "member_state": state.code,
                "role": role.value,
                "count": self.cleaned_data[self.field_name(state, role)],
            }
            for state in self.member_states
            for role in self.ROLES
        ]


# A bundle holds the plan, its PDF, the keys and the signatures: a few MB for 1,000 actions.
MAX_BUNDLE_BYTES = 20 * 1024 * 1024


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(label=_("Bundle (zip)"))
