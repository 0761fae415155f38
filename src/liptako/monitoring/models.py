"""Implementation monitoring: reporting periods, progress reports of member states, indicator
values and targets, evidence files, and the digests already sent.

One report per member state per period (the state owns it: its focal points prepare it, the
secretariat reviews it). A report holds one progress line per action the state leads or
partners; a line holds the values of that action's indicators and the milestones reached.
Only accepted reports count in roll-ups (monitoring/rollups.py).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liptako.core.models import BaseModel


class PeriodStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("monitoring", "Open")
    CLOSED = "closed", pgettext_lazy("monitoring", "Closed")


class Weighting(models.TextChoices):
    EQUAL = "equal", pgettext_lazy("monitoring", "Equal weights")
    BUDGET = "budget", pgettext_lazy("monitoring", "Weighted by budget")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("monitoring", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("monitoring", "Submitted")
    RETURNED = "returned", pgettext_lazy("monitoring", "Returned for correction")
    ACCEPTED = "accepted", pgettext_lazy("monitoring", "Accepted")


# The statuses in which the state's focal points may still change the report.
EDITABLE_REPORT_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class LineStatus(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("monitoring", "Not started")
    ON_TRACK = "on_track", pgettext_lazy("monitoring", "On track")
    AT_RISK = "at_risk", pgettext_lazy("monitoring", "At risk")
    LATE = "late", pgettext_lazy("monitoring", "Late")
    DONE = "done", pgettext_lazy("monitoring", "Done")
    CANCELLED = "cancelled", pgettext_lazy("monitoring", "Cancelled")


class MonitoringSettings(BaseModel):
    """A plan's monitoring settings (one row per plan, created on first use)."""

    plan = models.OneToOneField(
        "plans.Plan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="monitoring_settings",
    )
    period_months = models.PositiveSmallIntegerField(
        _("length of a reporting period (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("days after the end of a period to hand in the report"), default=15
    )
    weighting = models.CharField(
        _("weighting of actions in percent complete"),
        max_length=10,
        choices=Weighting.choices,
        default=Weighting.EQUAL,
    )

    class Meta:
        verbose_name = _("monitoring settings")
        verbose_name_plural = _("monitoring settings")

    def __str__(self) -> str:
        return str(self.plan)


class ReportingPeriod(BaseModel):
    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="reporting_periods",
    )
    label = models.CharField(_("label"), max_length=40)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    due_date = models.DateField(_("reports due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )

    class Meta:
        ordering = ["plan_id", "start"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["plan", "start"], name="period_unique_start_in_plan"),
            models.CheckConstraint(
                name="period_end_after_start",
                condition=Q(end__gte=F("start")),
                violation_error_message=_("The end of the period must not be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN


class ProgressReport(BaseModel):
    """A member state's report for a period. Changed only through monitoring.services."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="reports"
    )
    member_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    return_reason = models.TextField(_("reasons for returning"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    revision_reason = models.TextField(_("reason of the revision"), blank=True)
    revised_at = models.DateTimeField(_("revised at"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        ordering = ["period__start", "member_state__code"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "member_state"], name="report_one_per_state_and_period"
            )
        ]
        indexes = [models.Index(fields=["status", "period"], name="report_status_period")]

    def __str__(self) -> str:
        return f"{self.period} — {self.member_state}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_REPORT_STATUSES

    @property
    def revision_note(self) -> str:
        """'Revised on 3 October 2025 because …' (empty before any revision)."""
        if not self.revision or self.revised_at is None:
            return ""
        return _("Revision %(number)s, revised on %(date)s because: %(reason)s") % {
            "number": self.revision,
            "date": date_format(self.revised_at, "j F Y"),
            "reason": self.revision_reason,
        }


class ProgressLine(BaseModel):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines"
    )
    action = models.ForeignKey(
        "plans.Action", verbose_name=_("action"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LineStatus.choices, default=LineStatus.NOT_STARTED
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MaxValueValidator(100)]
    )
    narrative = models.TextField(_("what was done"), blank=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    review_comment = models.TextField(_("comment of the secretariat"), blank=True)

    class Meta:
        ordering = ["report_id", "action__position", "action_id"]
        verbose_name = _("progress line")
        verbose_name_plural = _("progress lines")
        constraints = [
            models.UniqueConstraint(fields=["report", "action"], name="line_one_per_action"),
            models.CheckConstraint(
                name="line_percent_at_most_100",
                condition=Q(percent_complete__lte=100),
                violation_error_message=_("The percentage must be between 0 and 100."),
            ),
        ]
        indexes = [models.Index(fields=["action", "report"], name="line_action_report")]

    def __str__(self) -> str:
        return f"{self.report} — {self.action_id}"


class MilestoneReached(BaseModel):
    line = models.ForeignKey(
        ProgressLine,
        verbose_name=_("progress line"),
        on_delete=models.CASCADE,
        related_name="milestones_reached",
    )
    milestone = models.ForeignKey(
        "plans.Milestone", verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="+"
    )
    reached_on = models.DateField(_("reached on"))

    class Meta:
        ordering = ["line_id", "milestone_id"]
        verbose_name = _("milestone reached")
        verbose_name_plural = _("milestones reached")
        constraints = [
            models.UniqueConstraint(fields=["line", "milestone"], name="milestone_once_per_line")
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.reached_on}"


class IndicatorValue(BaseModel):
    """The value of an action's indicator for the period, as the state reported it."""

    line = models.ForeignKey(
        ProgressLine,
        verbose_name=_("progress line"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
    )
    indicator = models.ForeignKey(
        "plans.Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("value (qualitative)"), blank=True)

    class Meta:
        ordering = ["line_id", "indicator__position", "indicator_id"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["line", "indicator"], name="value_once_per_line")
        ]
        indexes = [models.Index(fields=["indicator", "line"], name="value_indicator_line")]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value if self.value is not None else self.text}"


class IndicatorTarget(BaseModel):
    """The secretariat's target of an indicator for one period (alliance-wide)."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.ForeignKey(
        "plans.Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("target (qualitative)"), max_length=300, blank=True)

    class Meta:
        ordering = ["period_id", "indicator_id"]
        verbose_name = _("indicator target for a period")
        verbose_name_plural = _("indicator targets for a period")
        constraints = [
            models.UniqueConstraint(fields=["period", "indicator"], name="target_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.indicator_id}"


class EvidenceStorage(FileSystemStorage):
    """MEDIA_ROOT/evidence, read from the settings at each use (tests move MEDIA_ROOT).

    Outside the static files and never served by the web server: only the permission-checked
    view ``monitoring:evidence-download`` streams a file.
    """

    @property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / "evidence")

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())


def evidence_storage() -> FileSystemStorage:
    return EvidenceStorage()


def evidence_path(instance: Evidence, filename: str) -> str:
    # A random name: the original one is kept in ``original_name`` and never touches the disk.
    suffix = Path(filename).suffix.lower()[:10]
    return f"{instance.report.uid}/{uuid.uuid4().hex}{suffix}"


class Evidence(BaseModel):
    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )
    line = models.ForeignKey(
        ProgressLine,
        verbose_name=_("progress line"),
        on_delete=models.SET_NULL,
        related_name="evidence",
        null=True,
        blank=True,
    )
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["report_id", "created_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class DigestSent(BaseModel):
    """One row per person and day: ``send_digests`` mails nobody twice the same day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["-day", "user_id"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
