"""Templates of the documents the secretariat edits (the transmission letter)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from liptako.core.models import BaseModel


class LetterKind(models.TextChoices):
    TRANSMISSION = "transmission", _("Transmission to the heads of state")


# The placeholders a letter template may use, filled from the validated version.
LETTER_PLACEHOLDERS = (
    "alliance",
    "plan_title",
    "version_number",
    "digest",
    "validation_date",
    "signatories",
    "date",
)


class LetterTemplate(BaseModel):
    """The editable text of a letter; ``{placeholder}`` fields are filled at generation."""

    kind = models.CharField(_("letter"), max_length=20, choices=LetterKind.choices, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Paragraphs are separated by an empty line. Placeholders: {alliance}, {plan_title}, "
            "{version_number}, {digest}, {validation_date}, {signatories}, {date}."
        ),
    )
    signature_block = models.TextField(_("signature block"), blank=True)
    lock_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")

    def __str__(self) -> str:
        return self.get_kind_display()
