"""Writes of the documents app: the letter templates the secretariat edits."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from liptako.audit.services import audit_record
from liptako.documents.models import LETTER_PLACEHOLDERS, LetterTemplate

if TYPE_CHECKING:
    from liptako.accounts.models import User


def placeholder_errors(text: str) -> list[str]:
    """Translated reasons why ``text`` is not a valid template (empty list: it is)."""
    try:
        fields = [field for _literal, field, _spec, _conv in string.Formatter().parse(text)]
    except ValueError:
        return [_("Braces must go in pairs around a placeholder, such as {plan_title}.")]
    unknown = sorted({f for f in fields if f is not None and f not in LETTER_PLACEHOLDERS})
    if unknown:
        return [
            _("Unknown placeholder: %(names)s. Available: %(available)s.")
            % {
                "names": ", ".join("{" + name + "}" for name in unknown),
                "available": ", ".join("{" + name + "}" for name in LETTER_PLACEHOLDERS),
            }
        ]
    return []


def letter_template_update(
    *,
    template: LetterTemplate,
    actor: User,
    lock_version: int,
    subject: str,
    body: str,
    signature_block: str,
) -> LetterTemplate:
    """Replace the text of ``template`` (secretariat).

    Raises ``PermissionDenied``, ``ValidationError`` (unknown or unbalanced placeholders), or
    a ``ValidationError`` with code ``conflict`` when someone saved the template since
    ``lock_version`` was read.
    """
    if not actor.has_perm("documents.change_letter_template"):
        raise PermissionDenied(_("Only the secretariat may edit letter templates."))
    errors = {
        name: placeholder_errors(value)
        for name, value in (("subject", subject), ("body", body))
        if placeholder_errors(value)
    }
    if errors:
        raise ValidationError(errors)
    before = {
        "subject": template.subject,
        "body": template.body,
        "signature_block": template.signature_block,
    }
    after = {"subject": subject, "body": body, "signature_block": signature_block}
    with transaction.atomic():
        updated = LetterTemplate.objects.filter(pk=template.pk, lock_version=lock_version).update(
            **after, lock_version=F("lock_version") + 1
        )
        if not updated:
            raise ValidationError(
                _(
                    "Someone saved this letter template after you opened it. Reload the page to "
                    "see their text, then make your change again."
                ),
                code="conflict",
            )
        template.refresh_from_db()
        audit_record(
            actor=actor,
            verb="letter_template.update",
            target=template,
            payload={
                "kind": template.kind,
                "changes": {
                    field: {"before": before[field], "after": after[field]}
                    for field in after
                    if before[field] != after[field]
                },
            },
        )
    return template
