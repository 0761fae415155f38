"""The validation workflow's records: version states, decisions, statements, keys, quorum.

``PlanVersion`` rows are immutable (database triggers), so the workflow status of a version
lives in :class:`VersionState`, one row per version that entered the workflow.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liptako.core.models import BaseModel
from liptako.validation.offline import fingerprint_words


class VersionStatus(models.TextChoices):
    IN_VALIDATION = "in_validation", pgettext_lazy("version status", "In validation")
    CHANGES_REQUESTED = "changes_requested", pgettext_lazy("version status", "Changes requested")
    VALIDATED = "validated", pgettext_lazy("version status", "Validated")
    SUBMITTED = "submitted", pgettext_lazy("version status", "Submitted to the heads of state")
    ADOPTED = "adopted", pgettext_lazy("version status", "Adopted (in force)")
    RETURNED = "returned", pgettext_lazy("version status", "Returned by the heads of state")
    SUPERSEDED = "superseded", pgettext_lazy("version status", "Superseded by a later freeze")
    WITHDRAWN = "withdrawn", pgettext_lazy("version status", "Withdrawn from validation")
    REPLACED = "replaced", pgettext_lazy("version status", "Replaced by a revision")


# A plan has at most one version moving through the workflow at a time.
ACTIVE_VERSION_STATUSES = (
    VersionStatus.IN_VALIDATION,
    VersionStatus.VALIDATED,
    VersionStatus.SUBMITTED,
)


class VersionState(BaseModel):
    version = models.OneToOneField(
        "plans.PlanVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="validation_state",
    )
    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=VersionStatus.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to validation by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("sent to validation at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # The quorum rule in force when the version entered validation (a later edit of the
    # rule does not change the round under way): docs/decisions/0081-quorum-rule.md.
    quorum = models.JSONField(_("quorum rule"))

    class Meta:
        ordering = ["plan_id", "-opened_at"]
        verbose_name = _("version in the workflow")
        verbose_name_plural = _("versions in the workflow")
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=[status.value for status in ACTIVE_VERSION_STATUSES]),
                name="version_state_one_active_per_plan",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="adopted"),
                name="version_state_one_in_force_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_status_display()})"


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    SUBMIT = "submit", _("Submit to the heads of state")
    ADOPT = "adopt", _("Adopt")
    RETURN = "return", _("Return")
    CLOSE = "close", _("Close")


SIGNED_DECISIONS = frozenset({DecisionKind.APPROVE, DecisionKind.ADOPT})


class KeyStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REVOKED = "revoked", _("Revoked")


class KeyOrigin(models.TextChoices):
    BROWSER = "browser", _("Generated in the browser")
    OFFLINE = "offline", _("Kept offline")


class SigningKey(BaseModel):
    """A holder's Ed25519 public key. The server keeps, for browser keys, the private key
    wrapped under the holder's passphrase: opaque bytes it cannot use."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="signing_keys",
    )
    public_key = models.CharField(_("public key (hex)"), max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    wrapped_private_key = models.JSONField(_("wrapped private key"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=KeyOrigin.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=KeyStatus.choices, default=KeyStatus.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("date of revocation"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    class Meta:
        ordering = ["holder_id", "-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["holder"],
                condition=Q(status="confirmed"),
                name="signing_key_one_confirmed_per_holder",
            ),
            models.UniqueConstraint(
                fields=["holder"],
                condition=Q(status="pending"),
                name="signing_key_one_pending_per_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} — {self.fingerprint_words}"

    @property
    def fingerprint_words(self) -> str:
        return fingerprint_words(self.fingerprint)

    @property
    def public_key_bytes(self) -> bytes:
        return bytes.fromhex(self.public_key)


class IssuedStatement(BaseModel):
    """The exact bytes the server asked a signer to sign (canonical JSON, RFC 8785)."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    member_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20)
    canonical = models.TextField(_("statement"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["version_id", "issued_at"]
        verbose_name = _("issued statement")
        verbose_name_plural = _("issued statements")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "signer", "kind", "member_state"],
                name="issued_statement_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} — {self.kind} — {self.signer}"

    @property
    def data(self) -> bytes:
        return self.canonical.encode("utf-8")


class Decision(BaseModel):
    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    member_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasons = models.TextField(_("reasons"), blank=True)
    statement = models.OneToOneField(
        IssuedStatement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        related_name="decision",
        null=True,
        blank=True,
    )
    signature = models.CharField(_("signature (base64)"), max_length=100, blank=True)
    key = models.ForeignKey(
        SigningKey,
        verbose_name=_("key"),
        on_delete=models.PROTECT,
        related_name="decisions",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["version_id", "decided_at", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "member_state", "role"],
                condition=Q(kind="approve"),
                name="decision_one_approval_per_state_and_role",
            ),
            models.UniqueConstraint(
                fields=["version", "actor", "kind"],
                name="decision_once_per_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} — {self.get_kind_display()}"

    @property
    def is_signed(self) -> bool:
        return bool(self.signature)


class QuorumRule(BaseModel):
    """Who must approve a version of this alliance's plans, and who adopts it.

    ``validation``: ``[{"member_state": "MLI", "role": "validator", "count": 1}, ...]``.
    Without a row, the default applies: one validator of every member state, adoption by
    the authority (services.quorum_rule_for).
    """

    alliance = models.OneToOneField(
        "alliance.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    validation = models.JSONField(_("approvals required"))
    adoption_role = models.CharField(_("adopted by"), max_length=20, default="authority")
    lock_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        verbose_name = _("quorum rule")
        verbose_name_plural = _("quorum rules")

    def __str__(self) -> str:
        return str(self.alliance)


class Reminder(models.Model):
    """A reminder sent about a decision awaited from someone, at most once a day."""

    version = models.ForeignKey(
        "plans.PlanVersion", verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "recipient", "kind", "day"], name="reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.version} — {self.day}"
