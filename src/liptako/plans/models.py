"""The plan: axes → objectives → actions → indicators and milestones, frozen versions, comments.

Every item carries a ``uid`` that never changes (it survives versions, is used in URLs and in
the canonical JSON) and a ``position`` among its siblings. Axes, objectives, actions and
indicators carry a ``code`` computed from the positions (``A1``, ``O1.2``, ``A1.2.3``,
``I1.2.3.1``) unless the secretariat set it by hand (``code_is_manual``; see
docs/decisions/0040-plan-item-identity-and-codes.md). Rows people edit carry a
``lock_version`` for optimistic locking (services compare it with a conditional UPDATE).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from liptako.core.models import BaseModel, ClassifiedModel

CURRENCY_VALIDATOR = RegexValidator(
    r"^[A-Z]{3}$", _("The currency must be an ISO 4217 code of three capital letters (XOF).")
)


def normalise_search_text(text: str) -> str:
    """Lower-case, accents removed: "Sécurité" and "securite" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class PlanStatus(models.TextChoices):
    """The plan's workflow (DESIGN.md, "The plan's life"). Items are edited in drafting."""

    DRAFTING = "drafting", _("Drafting")
    IN_VALIDATION = "in_validation", _("In validation")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    VALIDATED = "validated", _("Validated")
    SUBMITTED = "submitted", _("Submitted to the heads of state")
    IN_IMPLEMENTATION = "in_implementation", _("Adopted (in implementation)")
    CLOSED = "closed", _("Closed")


# Statuses in which the live draft may be edited and frozen.
EDITABLE_STATUSES = frozenset({PlanStatus.DRAFTING, PlanStatus.CHANGES_REQUESTED})


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Measure(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENTAGE = "percentage", _("Percentage")
    YES_NO = "yes_no", _("Yes / no")
    QUALITATIVE = "qualitative", _("Qualitative")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase is good")
    DECREASE = "decrease", _("Decrease is good")


class TimeAggregation(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative")
    PER_PERIOD = "per_period", _("Per period")
    LATEST = "latest", _("Latest value")


class StateAggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")
    NONE = "none", _("None (per member state only)")


class ItemKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    AXIS = "axis", _("Axis")
    OBJECTIVE = "objective", _("Objective")
    ACTION = "action", _("Action")
    INDICATOR = "indicator", _("Indicator")
    MILESTONE = "milestone", _("Milestone")


class Plan(ClassifiedModel):
    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey(
        "alliance.Alliance", verbose_name=_("alliance"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    period_start = models.DateField(_("start of the period"))
    period_end = models.DateField(_("end of the period"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFTING
    )
    lock_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        ordering = ["-period_start", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                name="plan_period_end_after_start",
                condition=Q(period_end__gte=models.F("period_start")),
                violation_error_message=_("The end of the period must not be before its start."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": _("The end of the period must not be before its start.")}
            )


class PlanItem(BaseModel):
    """Fields shared by every item of the tree."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(_("position"), default=1)
    lock_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        abstract = True


class CodedItem(PlanItem):
    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_("Computed from the position unless set by the secretariat."),
    )
    code_is_manual = models.BooleanField(_("code set by hand"), default=False)

    class Meta:
        abstract = True


class Axis(CodedItem):
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("strategic axis")
        verbose_name_plural = _("strategic axes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="axis_code_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Objective(CodedItem):
    axis = models.ForeignKey(
        Axis, verbose_name=_("axis"), on_delete=models.CASCADE, related_name="objectives"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="objective_code_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Action(ClassifiedModel, CodedItem):
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    lead_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("lead member state"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_states = models.ManyToManyField(
        "alliance.MemberState",
        verbose_name=_("partner member states"),
        blank=True,
        related_name="+",
    )
    responsible_organisation = models.ForeignKey(
        "alliance.Organisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    budget_amount = models.DecimalField(
        _("budget"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    budget_currency = models.CharField(
        _("currency"), max_length=3, default="XOF", validators=[CURRENCY_VALIDATOR]
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    # Code, title and description, lower-cased without accents: the text search filter.
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="action_code_unique_in_plan"),
            models.CheckConstraint(
                name="action_end_after_start",
                condition=Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.CheckConstraint(
                name="action_budget_not_negative",
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                violation_error_message=_("The budget must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def computed_search_text(self) -> str:
        return normalise_search_text(f"{self.code} {self.title} {self.description}")

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(
                _("The end date must not be before the start date.")
            )
        if self.budget_amount is not None and self.budget_amount < 0:
            errors.setdefault("budget_amount", []).append(_("The budget must not be negative."))
        plan = self.plan if self.plan_id else None
        if plan is not None:
            for name in ("start_date", "end_date"):
                value = getattr(self, name)
                if value and not (plan.period_start <= value <= plan.period_end):
                    errors.setdefault(name, []).append(
                        _("The date must fall within the plan period, from %(start)s to %(end)s.")
                        % {
                            "start": date_format(plan.period_start),
                            "end": date_format(plan.period_end),
                        }
                    )
        if self.objective_id and self.plan_id and self.objective.plan_id != self.plan_id:
            errors.setdefault("objective", []).append(_("The objective belongs to another plan."))
        if errors:
            raise ValidationError(errors)


class Milestone(PlanItem):
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=300)
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        action = self.action if self.action_id else None
        if (
            action is not None
            and self.due_date
            and not (action.start_date <= self.due_date <= action.end_date)
        ):
            raise ValidationError(
                {
                    "due_date": _(
                        "The due date must fall within the action's dates, "
                        "from %(start)s to %(end)s."
                    )
                    % {
                        "start": date_format(action.start_date),
                        "end": date_format(action.end_date),
                    }
                }
            )


class Indicator(CodedItem):
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=300)
    measure = models.CharField(
        _("measure"), max_length=12, choices=Measure.choices, default=Measure.NUMBER
    )
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    time_aggregation = models.CharField(
        _("combination over time"),
        max_length=12,
        choices=TimeAggregation.choices,
        default=TimeAggregation.CUMULATIVE,
    )
    state_aggregation = models.CharField(
        _("combination across member states"),
        max_length=8,
        choices=StateAggregation.choices,
        default=StateAggregation.SUM,
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    baseline_text = models.CharField(_("baseline (qualitative)"), max_length=300, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(
        _("final target"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target_text = models.CharField(_("final target (qualitative)"), max_length=300, blank=True)
    tolerance = models.DecimalField(
        _("tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("How far below the expected value, in percent of it, is still 'on track'."),
    )
    means_of_verification = models.TextField(_("means of verification"), blank=True)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}

        def add(field: str, message: Any) -> None:
            errors.setdefault(field, []).append(message)

        numeric = self.measure in {Measure.NUMBER, Measure.PERCENTAGE, Measure.YES_NO}
        if numeric:
            if self.target_value is None:
                add("target_value", _("A numeric indicator needs a numeric final target."))
            if self.target_text:
                add("target_text", _("Only a qualitative indicator has a text target."))
            if self.baseline_text:
                add("baseline_text", _("Only a qualitative indicator has a text baseline."))
        elif self.measure == Measure.QUALITATIVE:
            if not self.target_text:
                add("target_text", _("A qualitative indicator needs a target described in words."))
            if self.target_value is not None:
                add("target_value", _("A qualitative indicator has no numeric target."))
            if self.baseline_value is not None:
                add("baseline_value", _("A qualitative indicator has no numeric baseline."))
        for name in ("baseline_value", "target_value"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.measure == Measure.PERCENTAGE and not (0 <= value <= 100):
                add(name, _("A percentage must be between 0 and 100."))
            if self.measure == Measure.YES_NO and value not in (0, 1):
                add(name, _("A yes/no indicator takes 1 (yes) or 0 (no)."))
        if self.tolerance is not None and not (0 <= self.tolerance <= 100):
            add("tolerance", _("The tolerance must be between 0 and 100 percent."))
        if (
            self.baseline_date
            and self.action_id
            and self.baseline_date > self.action.plan.period_end
        ):
            add("baseline_date", _("The baseline date must not be after the end of the plan."))
        if errors:
            raise ValidationError(errors)


class Comment(BaseModel):
    """A remark on any item of a plan (found by the item's uid), threaded by ``parent``.

    A comment is seen by whoever sees its item; a thread (a comment without parent) is
    resolved as a whole.
    """

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="comments"
    )
    item_kind = models.CharField(_("item kind"), max_length=10, choices=ItemKind.choices)
    item_uid = models.UUIDField(_("item"), db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        on_delete=models.CASCADE,
        related_name="replies",
        null=True,
        blank=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("comment"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["plan", "item_uid"], name="comment_item_idx")]

    def __str__(self) -> str:
        return self.body[:80]

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class PlanVersion(models.Model):
    """A frozen plan: the canonical JSON (RFC 8785) of the whole tree and its SHA-256.

    Rows are never updated or deleted: no service does it and database triggers refuse it.
    ``canonical`` keeps the exact bytes (as text) that ``digest`` covers.
    """

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    canonical = models.TextField(_("canonical JSON"))
    digest = models.CharField(_("SHA-256 digest"), max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan_id", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique_number"),
            models.CheckConstraint(name="plan_version_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.plan} — v{self.number}"

    @property
    def content(self) -> dict[str, Any]:
        """The frozen document, parsed (a new dict on each call)."""
        document: dict[str, Any] = json.loads(self.canonical)
        return document

    @property
    def short_digest(self) -> str:
        return self.digest[:12]
