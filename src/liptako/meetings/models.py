"""Meetings of the alliance: agenda, delegations, minutes, decisions and communiqués."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liptako.core.models import BaseModel, ClassifiedModel


class MeetingKind(models.TextChoices):
    EXPERT_WORKSHOP = "expert_workshop", _("Experts' workshop")
    CHIEFS_COMMITTEE = "chiefs_committee", _("Committee of the chiefs of general staff")
    MINISTERS_COUNCIL = "ministers_council", _("Council of ministers")
    SUMMIT = "summit", _("Summit of heads of state")
    OTHER = "other", _("Other meeting")


# The prefix of decision references ("CEMGA-2024-11/D3"), per kind of meeting
# (docs/decisions/0062-decision-references.md).
DECISION_PREFIXES: dict[str, str] = {
    MeetingKind.EXPERT_WORKSHOP: "EXP",
    MeetingKind.CHIEFS_COMMITTEE: "CEMGA",
    MeetingKind.MINISTERS_COUNCIL: "CMIN",
    MeetingKind.SUMMIT: "SCE",
    MeetingKind.OTHER: "REU",
}


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONVENED = "convened", _("Convened")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


# The meeting's life: the only moves the services accept.
MEETING_TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingStatus.PLANNED: frozenset({MeetingStatus.CONVENED, MeetingStatus.CANCELLED}),
    MeetingStatus.CONVENED: frozenset({MeetingStatus.HELD, MeetingStatus.CANCELLED}),
    MeetingStatus.HELD: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}


class Meeting(ClassifiedModel):
    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey(
        "alliance.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=24, choices=MeetingKind.choices)
    purpose = models.CharField(
        _("purpose"),
        max_length=500,
        blank=True,
        help_text=_("Why the meeting is held, e.g. “la finalisation du projet de plan d'action”."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(
        _("local time zone"),
        max_length=64,
        default="Africa/Bamako",
        help_text=_("The time zone of the city where the meeting is held."),
    )
    city = models.CharField(_("city"), max_length=100)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    host_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("host member state"),
        on_delete=models.PROTECT,
        related_name="hosted_meetings",
        null=True,
        blank=True,
    )
    chair = models.ForeignKey(
        "alliance.Person",
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
        null=True,
        blank=True,
    )
    secretary = models.ForeignKey(
        "alliance.Person",
        verbose_name=_("secretary"),
        on_delete=models.PROTECT,
        related_name="meetings_as_secretary",
        null=True,
        blank=True,
    )
    preparatory_meeting = models.ForeignKey(
        "self",
        verbose_name=_("preparatory meeting"),
        on_delete=models.SET_NULL,
        related_name="follow_on_meetings",
        null=True,
        blank=True,
        help_text=_("E.g. the experts' workshop that prepared this committee."),
    )
    plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="meetings",
        null=True,
        blank=True,
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("plan version"),
        on_delete=models.PROTECT,
        related_name="meetings",
        null=True,
        blank=True,
        help_text=_("The frozen version the meeting examines."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # RFC 5545 SEQUENCE: raised on every change sent to the invitees.
    ics_sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    # Optimistic locking of the edit form: a stale form is refused, never silently applied.
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        ordering = ["-starts_at", "title"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                name="meeting_ends_after_start",
                condition=Q(ends_at__gte=models.F("starts_at")),
                violation_error_message=_("The meeting cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="meeting_starts_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def ics_uid(self) -> str:
        """Stable across every update, as calendar programs require."""
        return f"meeting-{self.uuid}@liptako"

    @property
    def zone(self) -> dt.tzinfo:
        """The local time zone of the meeting's city (UTC if the name is unknown)."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    @property
    def decision_prefix(self) -> str:
        return f"{DECISION_PREFIXES[self.kind]}-{self.starts_at:%Y-%m}"

    def can_move_to(self, status: str) -> bool:
        return status in MEETING_TRANSITIONS[self.status]


class QuorumRule(BaseModel):
    """How many delegations must be present for a kind of meeting to deliberate."""

    alliance = models.ForeignKey(
        "alliance.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="quorum_rules",
    )
    kind = models.CharField(_("kind of meeting"), max_length=24, choices=MeetingKind.choices)
    minimum_delegations = models.PositiveSmallIntegerField(
        _("minimum delegations present"),
        help_text=_("Number of member states that must be present or represented."),
    )

    class Meta:
        ordering = ["alliance", "kind"]
        verbose_name = _("quorum rule")
        verbose_name_plural = _("quorum rules")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "kind"], name="quorum_rule_unique_kind"),
            models.CheckConstraint(
                name="quorum_rule_minimum_positive", condition=Q(minimum_delegations__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.minimum_delegations}"


class AgendaItem(BaseModel):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    presenter = models.ForeignKey(
        "alliance.Person",
        verbose_name=_("presenter"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    planned_minutes = models.PositiveIntegerField(
        _("planned duration (minutes)"), null=True, blank=True
    )
    is_publishable = models.BooleanField(
        _("may appear in the communiqué"),
        default=False,
        help_text=_("Public items are listed in the press communiqué."),
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("plan version"),
        on_delete=models.PROTECT,
        related_name="agenda_items",
        null=True,
        blank=True,
    )
    actions = models.ManyToManyField(
        "plans.Action", verbose_name=_("actions"), related_name="agenda_items", blank=True
    )

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="agenda_item_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Presence(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")
    REPRESENTED = "represented", _("Represented")


class Attendance(BaseModel):
    """A person in a member state's delegation to a meeting, and whether they came."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    member_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("delegation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "alliance.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    is_head_of_delegation = models.BooleanField(_("head of delegation"), default=False)
    is_guest = models.BooleanField(
        _("guest"),
        default=False,
        help_text=_(
            "An authority who receives or addresses the delegations without being a delegate "
            "(not counted for the quorum)."
        ),
    )
    role = models.CharField(_("role in the meeting"), max_length=200, blank=True)
    presence = models.CharField(
        _("presence"), max_length=12, choices=Presence.choices, default=Presence.PRESENT
    )
    represented_by = models.ForeignKey(
        "alliance.Person",
        verbose_name=_("represented by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    is_publishable = models.BooleanField(
        _("may be named in the communiqué"),
        default=False,
        help_text=_("Only people marked so are named in a press communiqué."),
    )

    class Meta:
        ordering = ["member_state__name", "-is_head_of_delegation", "person__last_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique_person"),
            models.UniqueConstraint(
                fields=["meeting", "member_state"],
                condition=Q(is_head_of_delegation=True),
                name="attendance_one_head_per_delegation",
                violation_error_message=_("This delegation already has a head."),
            ),
            models.CheckConstraint(
                name="attendance_represented_by_iff_represented",
                condition=(Q(presence="represented") & Q(represented_by__isnull=False))
                | (~Q(presence="represented") & Q(represented_by__isnull=True)),
                violation_error_message=_(
                    "Name the representative exactly when the presence is “represented”."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.member_state})"

    @property
    def counts_as_present(self) -> bool:
        return not self.is_guest and self.presence in (Presence.PRESENT, Presence.REPRESENTED)


class DecisionKind(models.TextChoices):
    VALIDATED = "validated", _("Validated")
    ADOPTED = "adopted", _("Adopted")
    DECIDED = "decided", _("Decided")
    RECOMMENDED = "recommended", _("Recommended")
    NOTED = "noted", _("Noted")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingDecision(ClassifiedModel):
    """A decision taken in a meeting, and the follow-up it calls for."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=DecisionKind.choices)
    text = models.TextField(_("text"))
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        related_name="decisions",
        null=True,
        blank=True,
    )
    is_publishable = models.BooleanField(
        _("may appear in the communiqué"),
        default=False,
        help_text=_("Only publishable decisions at a public marking reach a communiqué."),
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("plan version"),
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
        null=True,
        blank=True,
    )
    actions = models.ManyToManyField(
        "plans.Action", verbose_name=_("actions"), related_name="meeting_decisions", blank=True
    )
    follow_up_person = models.ForeignKey(
        "alliance.Person",
        verbose_name=_("follow-up owner (person)"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
        null=True,
        blank=True,
    )
    follow_up_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("follow-up owner (member state)"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
        null=True,
        blank=True,
    )
    follow_up = models.CharField(_("follow-up"), max_length=500, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    follow_up_status = models.CharField(
        _("follow-up status"),
        max_length=12,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_unique_number"),
            models.CheckConstraint(
                name="decision_one_follow_up_owner",
                condition=Q(follow_up_person__isnull=True) | Q(follow_up_state__isnull=True),
                violation_error_message=_("A follow-up has one owner: a person or a member state."),
            ),
        ]
        indexes = [
            models.Index(fields=["follow_up_status", "due_date"], name="decision_follow_up_idx")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """``CEMGA-2024-11/D3`` (needs ``meeting`` loaded)."""
        return f"{self.meeting.decision_prefix}/D{self.number}"

    @property
    def follow_up_owner(self) -> object | None:
        return self.follow_up_person or self.follow_up_state


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CIRCULATED = "circulated", _("Circulated for comments")
    APPROVED = "approved", _("Approved")


MINUTES_TRANSITIONS: dict[str, frozenset[str]] = {
    MinutesStatus.DRAFT: frozenset({MinutesStatus.CIRCULATED}),
    # Comments may send the minutes back to the drafters before approval.
    MinutesStatus.CIRCULATED: frozenset({MinutesStatus.APPROVED, MinutesStatus.DRAFT}),
    MinutesStatus.APPROVED: frozenset(),
}


class Minutes(BaseModel):
    """The minutes (procès-verbal) of a meeting: one section per agenda item.

    Approved minutes are frozen: their canonical content is hashed into ``digest`` and no
    service changes them any more.
    """

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    digest = models.CharField(_("digest (SHA-256)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                name="minutes_approved_has_digest",
                condition=~Q(status="approved") | (Q(approved_at__isnull=False) & ~Q(digest="")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} — {self.get_status_display()}"

    @property
    def is_frozen(self) -> bool:
        return self.status == MinutesStatus.APPROVED


class MinutesSection(BaseModel):
    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.CASCADE, related_name="sections"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text (Markdown)"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        ordering = ["agenda_item__position"]
        verbose_name = _("minutes section")
        verbose_name_plural = _("minutes sections")
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "agenda_item"], name="minutes_section_unique_item"
            )
        ]

    def __str__(self) -> str:
        return str(self.agenda_item)


class CommuniqueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Communique(BaseModel):
    """A press communiqué drafted from a held meeting's public content."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="communiques"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))
    source = models.CharField(_("source line"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CommuniqueStatus.choices,
        default=CommuniqueStatus.DRAFT,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        ordering = ["meeting", "language"]
        verbose_name = _("communiqué")
        verbose_name_plural = _("communiqués")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "language"], name="communique_unique_language"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeedToken(BaseModel):
    """The secret in a user's calendar feed URL. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({'revoked' if self.revoked_at else 'active'})"
