"""The append-only, hash-chained audit log and its signed checkpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One change of state. Rows are never updated or deleted (database triggers refuse it).

    ``hash`` is the SHA-256 of the canonical JSON of the event's content and ``prev_hash``,
    so any edit, insertion or deletion behind the application's back breaks the chain.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,  # the log outlives accounts; the label keeps the name
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    verb = models.CharField(_("verb"), max_length=80, db_index=True)
    target_type = models.CharField(_("object type"), max_length=80, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["occurred_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb} {self.target_label}"


class AuditHead(models.Model):
    """A single row locked by every append, so two writers never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit head")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"


class AuditCheckpoint(models.Model):
    """The chain head at a moment, signed with the instance's Ed25519 key."""

    sequence = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    public_key = models.CharField(_("public key (hex)"), max_length=64)
    signature = models.CharField(_("signature (hex)"), max_length=128)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        constraints = [
            # One checkpoint per chain head: each checkpoint appends its own event.
            models.UniqueConstraint(fields=["sequence"], name="audit_checkpoint_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence} {self.hash[:12]}"
