"""The fixture world of the access-control tests: the AES demo plus what it lacks.

The demo gives one adopted plan (actions at NP, DR and C), its frozen version, signatures,
meetings with minutes, decisions and a communiqué, reporting periods and reports. On top of
it the world adds a second plan marked C, a meeting marked C, an action releasable to Niger
only, a file of evidence, API tokens, a calendar feed and a range of users: every role, for
Mali, at each clearance level, plus the alliance-wide roles and accounts without any role.

:func:`can_see` is the rule of DESIGN.md (Trust) written again, independently of
``visible_to``: the tests compare what the application shows with what this oracle says.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.test import Client

from liptako.accounts.models import Role, User
from liptako.accounts.services import api_token_create
from liptako.alliance.models import MemberState, Organisation, Person, Position
from liptako.audit.models import AuditEvent
from liptako.core.models import MarkingLevel
from liptako.demo.loader import load_demo
from liptako.meetings.models import (
    AgendaItem,
    Attendance,
    Communique,
    Meeting,
    MeetingDecision,
)
from liptako.meetings.services import calendar_feed_token_create
from liptako.monitoring.models import Evidence, ProgressReport, ReportingPeriod
from liptako.monitoring.services import evidence_add
from liptako.plans import services as plan_services
from liptako.plans.models import Action, Axis, Comment, Indicator, Plan, PlanVersion
from liptako.testing import SoftPasskey, make_user
from liptako.validation.models import IssuedStatement, SigningKey

STATE_ROLES = (Role.EXPERT, Role.VALIDATOR, Role.AUTHORITY, Role.FOCAL_POINT, Role.OBSERVER)
CLEARANCES = ("NP", "DR", "C")
CANARY = "Canari"  # every title the world adds starts with it: easy to spot in a body

# A minimal valid PDF: evidence accepts PDFs by their signature.
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Persona:
    """A user of the matrix (``user`` is None for the anonymous visitor)."""

    name: str
    user: User | None
    api_token: str = ""
    client: Client = field(default_factory=Client)  # logged in as ``user``

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"} if self.api_token else {}


@dataclass
class World:
    plan: Plan  # the demo plan, NP, adopted, monitored
    secret_plan: Plan  # a second plan, marked C
    action: Action  # an NP action of ``plan`` (the object varied by action routes)
    version: PlanVersion
    indicator: Indicator
    axis: Axis
    comment: Comment
    meeting: Meeting  # a demo meeting with minutes and a communiqué
    secret_meeting: Meeting  # marked C
    decision: MeetingDecision
    agenda_item: AgendaItem
    attendance: Attendance
    communique: Communique
    period: ReportingPeriod
    report: ProgressReport
    evidence: Evidence
    statement: IssuedStatement
    key: SigningKey
    feed_token: str
    passkey_id: int  # a passkey of expert.MLI.DR
    member_state: MemberState
    organisation: Organisation
    person: Person
    position: Position
    plan_event: AuditEvent  # an audit event whose target is ``plan``
    personas: list[Persona] = field(default_factory=list)
    markings: dict[str, MarkingLevel] = field(default_factory=dict)

    def persona(self, name: str) -> Persona:
        return next(persona for persona in self.personas if persona.name == name)


def can_see(user: User | None, item: Any) -> bool:
    """DESIGN.md, Trust: clearance covers the marking, and the item is releasable to the user.

    Written from the specification, not from ``visible_to``. ``item`` is a plan, an action
    (which also needs its plan), a meeting or a meeting decision (which needs its meeting).
    """
    if user is None or not user.is_active:
        return False
    roles = {membership.role for membership in user.memberships.all()}
    if not roles - {Role.ADMIN}:
        return False
    parent = getattr(item, "plan", None) if isinstance(item, Action) else None
    if isinstance(item, MeetingDecision):
        parent = item.meeting
    if parent is not None and not can_see(user, parent):
        return False
    clearance = user.clearance.rank if user.clearance else MarkingLevel.lowest().rank
    if item.classification.rank > clearance:
        return False
    if Role.SECRETARIAT in roles:
        return True
    released = {state.pk for state in item.releasable_to.all()}
    own = {m.member_state_id for m in user.memberships.all() if m.member_state_id}
    return not released or bool(released & own)


def set_marking(item: Any, code: str, *, releasable_to: Iterable[MemberState] = ()) -> None:
    """Change an item's marking behind the services (tests only): a variant of the world."""
    level = MarkingLevel.objects.get(code=code)
    type(item).objects.filter(pk=item.pk).update(classification=level)
    item.classification = level
    item.releasable_to.set(list(releasable_to))


def _first(queryset: models.QuerySet[Any]) -> Any:
    item = queryset.first()
    assert item is not None, f"the fixture world lacks a {queryset.model.__name__}"
    return item


def build_world() -> World:
    """Load the demo and complete it (about 4 seconds)."""
    load_demo()
    markings = {level.code: level for level in MarkingLevel.objects.all()}
    secretariat = User.objects.get(username="secretariat")
    plan = _first(Plan.objects.all())
    mali = MemberState.objects.get(code="MLI")
    niger = MemberState.objects.get(code="NER")

    secret_plan = plan_services.plan_create(
        actor=secretariat,
        alliance=plan.alliance,
        title=f"{CANARY} plan confidentiel {uuid.uuid4().hex[:8]}",
        period_start=plan.period_start,
        period_end=plan.period_end,
    )
    set_marking(secret_plan, "C")
    communique = _first(Communique.objects.all())
    meeting = communique.meeting
    secret_meeting = _first(Meeting.objects.exclude(pk=meeting.pk).order_by("-starts_at"))
    Meeting.objects.filter(pk=secret_meeting.pk).update(
        title=f"{CANARY} réunion confidentielle {uuid.uuid4().hex[:8]}"
    )
    secret_meeting.refresh_from_db()
    set_marking(secret_meeting, "C")

    # An NP action released to Niger only: hidden from Mali and Burkina Faso, not by clearance.
    niger_only = _first(Action.objects.filter(plan=plan, classification__code="NP").order_by("-pk"))
    niger_only.releasable_to.set([niger])
    action = _first(
        Action.objects.filter(plan=plan, classification__code="NP", releasable_to__isnull=True)
        .exclude(pk=niger_only.pk)
        .filter(indicators__isnull=False)
        .order_by("pk")
    )
    version = _first(PlanVersion.objects.filter(plan=plan).order_by("number"))
    period = _first(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    report = _first(ProgressReport.objects.filter(period__plan=plan, member_state=mali))
    editable = next(
        (r for r in ProgressReport.objects.filter(period__plan=plan) if r.is_editable), None
    )
    if editable is None:
        editable = report
        ProgressReport.objects.filter(pk=report.pk).update(status="draft")
        editable.refresh_from_db()
    reporter = make_user(
        f"evidence.{editable.member_state.code.lower()}",
        role=Role.FOCAL_POINT,
        member_state=editable.member_state,
    )
    evidence = evidence_add(
        report=editable,
        actor=reporter,
        name="preuve.pdf",
        size=len(_PDF),
        stream=io.BytesIO(_PDF),
    )

    personas = [Persona("anonymous", None)]
    personas.append(Persona("admin", User.objects.get(username="admin")))
    personas.append(Persona("outsider", make_user("matrix.outsider", clearance="C")))
    for clearance in CLEARANCES:
        name = f"secretariat.{clearance}"
        personas.append(Persona(name, make_user(name, role=Role.SECRETARIAT, clearance=clearance)))
    for role in STATE_ROLES:
        for clearance in CLEARANCES:
            name = f"{role}.MLI.{clearance}"
            personas.append(
                Persona(name, make_user(name, role=role, member_state=mali, clearance=clearance))
            )
        name = f"{role}.NER.C"
        personas.append(
            Persona(name, make_user(name, role=role, member_state=niger, clearance="C"))
        )
    for persona in personas:
        if persona.user is not None:
            persona.api_token = api_token_create(
                actor=persona.user, user=persona.user, name="matrix"
            ).clear_token

    feed_owner = User.objects.get(username="expert.mli")
    passkey_owner = next(p.user for p in personas if p.name == "expert.MLI.DR")
    assert passkey_owner is not None
    return World(
        plan=plan,
        secret_plan=secret_plan,
        action=action,
        version=version,
        indicator=_first(Indicator.objects.filter(action=action)),
        axis=_first(Axis.objects.filter(plan=plan)),
        comment=_first(Comment.objects.filter(plan=plan)),
        meeting=meeting,
        secret_meeting=secret_meeting,
        decision=_first(MeetingDecision.objects.filter(meeting=meeting)),
        agenda_item=_first(AgendaItem.objects.filter(meeting=meeting)),
        attendance=_first(Attendance.objects.filter(meeting=meeting)),
        communique=communique,
        period=period,
        report=editable,
        evidence=evidence,
        statement=_first(IssuedStatement.objects.filter(version__plan=plan)),
        key=_first(SigningKey.objects.all()),
        feed_token=calendar_feed_token_create(actor=feed_owner),
        passkey_id=SoftPasskey().install(passkey_owner).pk,
        member_state=mali,
        organisation=_first(Organisation.objects.all()),
        person=_first(Person.objects.all()),
        position=_first(Position.objects.all()),
        plan_event=_first(
            AuditEvent.objects.filter(target_type="plans.plan", target_id=str(plan.pk))
        ),
        personas=personas,
        markings=markings,
    )
