"""Reads on plans, always scoped to the reader (``visible_to``) and in a constant number of queries.

An action the reader may not see (marking above their clearance, or not releasable to them)
comes back as a :class:`RedactedAction`: its code and marking only. Pages, the API and
exports all read through here, so they redact alike. Filters other than the axis would
reveal something of a hidden action (that it matches), so with such filters hidden actions
are left out instead of redacted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from typing_extensions import TypedDict  # pydantic validates these (the API's list) on 3.11

from liptako.alliance.models import MemberState, Organisation
from liptako.audit.models import AuditEvent
from liptako.core.compiled import CompiledQuery, NotCompilable, Slot
from liptako.core.models import MarkingLevel
from liptako.plans.diff import PlanDiff, diff_documents, redact_diff
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.models import (
    Action,
    Axis,
    Comment,
    Indicator,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
    normalise_search_text,
)
from liptako.plans.snapshot import Viewer, build_document, decimal_text, redact_document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import Access, User

    AnyUser = User | AnonymousUser


# --- What the selectors return ---------------------------------------------------------------


@dataclass(frozen=True)
class RedactedAction:
    """An action the reader may not see: only its code and marking are given away.

    ``classification`` is the ``MarkingLevel`` (so ``{% marking entry %}`` works on it).
    """

    code: str
    classification: MarkingLevel
    is_redacted: ClassVar[bool] = True

    def as_dict(self) -> dict[str, Any]:
        return {"redacted": True, "code": self.code, "classification": self.classification.code}


@dataclass
class ActionNode:
    action: Action
    indicators: list[Indicator] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    open_comments: int = 0
    is_redacted: ClassVar[bool] = False

    @property
    def code(self) -> str:
        return self.action.code

    @property
    def classification(self) -> MarkingLevel:
        return self.action.classification


@dataclass(frozen=True, slots=True)
class OutlineAction:
    """A visible action as the outline and the roadmap show it: one row of the actions' query
    (:func:`plan_outline_for_user`), with its counts, rather than an ``Action`` instance and its
    loaded relations: building those took four more queries and most of the outline's selector
    (docs/decisions/0231)."""

    uid: uuid.UUID
    code: str
    title: str
    classification: MarkingLevel
    lead_state_code: str
    partner_state_codes: list[str]  # sorted
    organisation: str  # as ``str(organisation)``; "" when the action names none
    start_date: dt.date
    end_date: dt.date
    budget_amount: Decimal | None
    budget_currency: str
    priority: str
    open_comments: int
    indicator_count: int
    milestone_count: int
    is_redacted: ClassVar[bool] = False


ActionEntry = ActionNode | RedactedAction
OutlineEntry = OutlineAction | RedactedAction
EntryT = TypeVar("EntryT", ActionEntry, OutlineEntry)


@dataclass
class ObjectiveNode(Generic[EntryT]):
    objective: Objective
    actions: list[EntryT] = field(default_factory=list)
    open_comments: int = 0


@dataclass
class AxisNode(Generic[EntryT]):
    axis: Axis
    objectives: list[ObjectiveNode[EntryT]] = field(default_factory=list)
    open_comments: int = 0


@dataclass(frozen=True)
class ActionFilters:
    """Outline and list filters. Member states by ISO code; ``text`` ignores case and accents."""

    axis: uuid.UUID | None = None
    lead_state: str = ""
    partner_state: str = ""
    priority: str = ""
    text: str = ""

    @property
    def is_active(self) -> bool:
        return bool(self.axis or self.reveals_content)

    @property
    def reveals_content(self) -> bool:
        """Whether matching would tell something of an action beyond its place in the plan."""
        return bool(self.lead_state or self.partner_state or self.priority or self.text.strip())


@dataclass
class PlanTree(Generic[EntryT]):
    plan: Plan
    axes: list[AxisNode[EntryT]]
    filters: ActionFilters
    open_comments: int = 0  # on the plan itself

    @property
    def actions(self) -> list[EntryT]:
        return [a for axis in self.axes for o in axis.objectives for a in o.actions]


class ActionRow(TypedDict):
    """A visible action in a list: its own fields and how many open comments it has, without
    its indicators and milestones (the action's own endpoint gives them)."""

    redacted: Literal[False]
    uid: str
    code: str
    objective: str  # the objective's uid
    position: int
    title: str
    lead_state: str
    partner_states: list[str]
    responsible_organisation: str | None
    responsible_organisation_id: int | None
    start_date: str
    end_date: str
    budget_amount: str | None
    budget_currency: str
    priority: str
    classification: str
    releasable_to: list[str]
    lock_version: int
    open_comments: int


class RedactedRow(TypedDict):
    """An action the reader may not see, in a list: its code and marking only."""

    redacted: Literal[True]
    code: str
    classification: str


# --- Plans -----------------------------------------------------------------------------------


def plan_list_for_user(*, user: AnyUser) -> QuerySet[Plan]:
    """Plans the user may see, newest period first, with alliance and marking loaded."""
    return (
        Plan.objects.visible_to(user)
        .select_related("alliance", "classification")
        .prefetch_related("releasable_to")
    )


# --- Actions ---------------------------------------------------------------------------------


def _reader_access(user: AnyUser) -> Access | None:
    """The reader's access, or None for a visitor or a deactivated account (sees nothing)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return user.access


def _visible_annotation(access: Access | None, plan_id: int | Subquery) -> Any:
    if access is None:
        return Value(False, output_field=BooleanField())
    # A non-correlated IN (computed once), not EXISTS per row: the plan may hold 1,000 actions.
    visible = Action.objects.visible_with(access).filter(plan_id=plan_id).values("pk")
    return Case(
        When(pk__in=visible, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


# Columns no reader shows; skipping them spares the datetime conversions of every row.
_UNSHOWN = ("created_at", "updated_at", "search_text")


def _actions_queryset(
    *,
    user: AnyUser,
    plan: Plan,
    filters: ActionFilters | None,
    base: QuerySet[Action] | None = None,
) -> QuerySet[Action]:
    """The plan's actions for ``user`` (``is_visible`` annotated), filtered; ``base`` is the
    queryset they are taken from (``Action.objects`` by default)."""
    filters = filters or ActionFilters()
    return _actions_for(
        access=_reader_access(user),
        plan_id=plan.pk,
        filters=filters,
        words=normalise_search_text(filters.text).split(),
        base=base,
    )


def _actions_for(
    *,
    access: Access | None,
    plan_id: int | Subquery,
    filters: ActionFilters,
    words: Sequence[str],
    base: QuerySet[Action] | None,
) -> QuerySet[Action]:
    """:func:`_actions_queryset` for a reader's ``access`` (None: sees nothing) and the search
    ``words`` already normalised: what a query compiled once needs (its markers stand for
    these values, see :func:`_compiled_rows`)."""
    actions = (
        (Action.objects.all() if base is None else base)
        .filter(plan_id=plan_id)
        .annotate(is_visible=_visible_annotation(access, plan_id))
        .defer(*_UNSHOWN)
    )
    if filters.axis is not None:
        actions = actions.filter(objective__axis__uid=filters.axis)
    if not filters.reveals_content:
        return actions  # every action: the hidden ones are redacted, not left out
    criteria = Q(is_visible=True)
    if filters.lead_state:
        criteria &= Q(lead_state__code=filters.lead_state)
    if filters.partner_state:
        criteria &= Q(
            Exists(
                Action.partner_states.through.objects.filter(
                    action_id=OuterRef("pk"), memberstate__code=filters.partner_state
                )
            )
        )
    if filters.priority:
        criteria &= Q(priority=filters.priority)
    for word in words:
        criteria &= Q(search_text__contains=word)
    return actions.filter(criteria)


def attach_action_relations(actions: Sequence[Action], plan: Plan) -> dict[int, MarkingLevel]:
    """Load lead state, marking, organisation, partner states and releasability of
    ``actions`` in four queries, sharing one object per member state, marking and
    organisation (a plan of 1,000 actions would otherwise build thousands of them).

    Sets the foreign-key caches (``action.lead_state`` etc. need no query) and two lists:
    ``action.partner_state_list`` and ``action.releasable_list`` (sorted by code). Returns
    the marking levels by id.
    """
    states = {state.pk: state for state in MemberState.objects.all()}
    markings = {level.pk: level for level in MarkingLevel.objects.all()}
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.filter(
            pk__in=Action.objects.filter(plan=plan).values("responsible_organisation_id")
        )
    }
    # The whole plan's links: the callers load the whole plan (or a filtered part of it), and
    # a join is cheaper to build and to run than a list of hundreds of ids.
    scope: dict[str, Any] = {"action__plan_id": plan.pk}
    links: dict[str, dict[int, list[MemberState]]] = {
        "partner_states": defaultdict(list),
        "releasable_to": defaultdict(list),
    }
    # Both link tables in one query (a round trip less on PostgreSQL).
    partner_links = _links(Action.partner_states.through, scope, is_partner=True)
    releasable_links = _links(Action.releasable_to.through, scope, is_partner=False)
    for action_id, state_id, is_partner in partner_links.union(releasable_links, all=True):
        name = "partner_states" if is_partner else "releasable_to"
        links[name][action_id].append(states[state_id])
    lead_cache = Action._meta.get_field("lead_state")
    marking_cache = Action._meta.get_field("classification")
    organisation_cache = Action._meta.get_field("responsible_organisation")
    for action in actions:
        lead_cache.set_cached_value(action, states[action.lead_state_id])
        marking_cache.set_cached_value(action, markings[action.classification_id])  # type: ignore[index]
        organisation_cache.set_cached_value(
            action, organisations.get(action.responsible_organisation_id or 0)
        )
        partner_states = sorted(links["partner_states"][action.pk], key=lambda state: state.code)
        releasable = sorted(links["releasable_to"][action.pk], key=lambda state: state.code)
        # Read these, not ``action.partner_states.all()`` (a query): filling the prefetch cache
        # with a queryset per action cost a sixth of the outline's selector.
        action.partner_state_list = partner_states  # type: ignore[attr-defined]
        action.releasable_list = releasable  # type: ignore[attr-defined]
    return markings


def _nodes(
    actions: Sequence[Action], plan: Plan, counts: dict[uuid.UUID, int]
) -> list[ActionEntry]:
    """Entries for ``actions`` (of ``plan``, in the order given): relations, indicators and
    milestones loaded for the visible ones."""
    visible = [action for action in actions if getattr(action, "is_visible", False)]
    markings = attach_action_relations(visible, plan)
    ids = {action.pk for action in visible}
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(plan=plan)
        .defer("created_at", "updated_at")
        .order_by("position", "id")
    ):
        if indicator.action_id in ids:
            indicators[indicator.action_id].append(indicator)
    for milestone in (
        Milestone.objects.filter(plan=plan)
        .defer("created_at", "updated_at")
        .order_by("position", "id")
    ):
        if milestone.action_id in ids:
            milestones[milestone.action_id].append(milestone)
    entries: list[ActionEntry] = []
    for action in actions:
        if action.pk not in ids:
            entries.append(
                RedactedAction(
                    code=action.code,
                    classification=markings[action.classification_id],  # type: ignore[index]
                )
            )
            continue
        entries.append(
            ActionNode(
                action=action,
                indicators=indicators[action.pk],
                milestones=milestones[action.pk],
                open_comments=counts.get(action.uid, 0),
            )
        )
    return entries


def open_comment_counts(*, plan: Plan) -> dict[uuid.UUID, int]:
    """Open threads per item uid (callers only show counts of items the reader sees)."""
    rows = (
        Comment.objects.filter(plan=plan, parent__isnull=True, resolved_at__isnull=True)
        .values("item_uid")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["item_uid"]: row["count"] for row in rows}


def action_list_for_user(
    *, user: AnyUser, plan: Plan, filters: ActionFilters | None = None
) -> list[ActionEntry]:
    """Every action of the plan in plan order (exports, roadmap), hidden ones redacted."""
    actions = list(
        _actions_queryset(user=user, plan=plan, filters=filters).order_by(
            "objective__axis__position", "objective__position", "position", "id"
        )
    )
    return _nodes(actions, plan, open_comment_counts(plan=plan))


def _links(through: Any, scope: dict[str, Any], *, is_partner: bool) -> QuerySet[Any]:
    """``(action id, member state id, is_partner)`` rows of a link table of actions."""
    return through.objects.filter(**scope).values_list(
        "action_id", "memberstate_id", Value(is_partner, output_field=BooleanField())
    )


def _count_of(model: type[Indicator] | type[Milestone]) -> Coalesce:
    """How many rows of ``model`` an action holds, as an annotation of the actions' query."""
    counted = (
        model.objects.filter(action_id=OuterRef("pk"))
        .order_by()
        .values("action_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _open_comments_of_action() -> Coalesce:
    """How many open threads an action has, as an annotation of the actions' query (the
    comments of the action's own plan: the plan is the outer row's, not a parameter)."""
    counted = (
        Comment.objects.filter(
            plan_id=OuterRef("plan_id"),
            item_uid=OuterRef("uid"),
            parent__isnull=True,
            resolved_at__isnull=True,
        )
        .order_by()
        .values("item_uid")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class JoinedCodes(Aggregate):
    """Codes joined by commas, in no particular order: ``GROUP_CONCAT`` on SQLite,
    ``STRING_AGG`` on PostgreSQL (Django 5.2 has no portable string aggregate)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',')",
            **extra,
        )


def _state_codes_of(through: Any) -> Subquery:
    """The member state codes an action links to through ``through`` ("MLI,NER" or None),
    as an annotation of the actions' query."""
    codes = (
        through.objects.filter(action_id=OuterRef("pk"))
        .order_by()
        .values("action_id")
        .annotate(codes=JoinedCodes("memberstate__code"))
        .values("codes")
    )
    return Subquery(codes, output_field=CharField())


def _split_codes(codes: str | None) -> list[str]:
    return sorted(codes.split(",")) if codes else []


class UuidText(Func):
    """A UUID column as its canonical text (``8-4-4-4-12`` lower-case hexadecimal), written by
    the database: PostgreSQL stores a ``uuid``, SQLite Django's 32 hexadecimal digits. Read as
    text, a list of rows spares two UUID objects per row and their conversion back."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        parts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        text = " || '-' || ".join(f"SUBSTR({sql}, {start}, {length})" for start, length in parts)
        return f"LOWER({text})", list(params) * len(parts)


class IsoDate(Func):
    """A date column as ISO 8601 text (``2025-03-31``), written by the database: SQLite holds
    that text already (cast, or Python's sqlite3 would parse the column's declared type);
    PostgreSQL formats it (whatever the server's ``DateStyle``)."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="TO_CHAR(%(expressions)s, 'YYYY-MM-DD')", **extra
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra)


@cache
def _action_rows() -> QuerySet[Action]:
    """Every action with the joined columns, the partner state codes and the open comment
    count of a list row annotated: the part of the rows query that depends on neither the
    reader nor the plan. Built once per process; never evaluated itself, every use chains a
    copy of it."""
    return Action.objects.annotate(
        uid_text=UuidText("uid"),
        objective_uid=UuidText("objective__uid"),
        start_text=IsoDate("start_date"),
        end_text=IsoDate("end_date"),
        lead_state_code=F("lead_state__code"),
        marking=F("classification__code"),
        organisation_name=F("responsible_organisation__name"),
        organisation_acronym=F("responsible_organisation__acronym"),
        open_comments=_open_comments_of_action(),
        partner_codes=_state_codes_of(Action.partner_states.through),
    )


# The columns of a list row, read as tuples (no dict per row): unpacked in this order below.
_ROW_VALUES = (
    "uid_text",
    "code",
    "objective_uid",
    "position",
    "title",
    "lead_state_code",
    "partner_codes",
    "organisation_name",
    "organisation_acronym",
    "responsible_organisation_id",
    "start_text",
    "end_text",
    "budget_amount",
    "budget_currency",
    "priority",
    "marking",
    "releasable_codes",
    "lock_version",
    "open_comments",
    "is_visible",
)


def _rows_queryset(
    access: Access | None, plan_id: int | Subquery, filters: ActionFilters, words: Sequence[str]
) -> QuerySet[Action, tuple[Any, ...]]:
    """The list rows of :func:`action_row_page_for_user`, in plan order, as tuples."""
    # Most actions are releasable to every member state: the codes are looked for only for
    # the plan's actions that have some (a set computed once per query). Looked for on every
    # row, PostgreSQL scanned the small link table once per action (0.6 ms of a 1.3 ms query).
    through = Action.releasable_to.through
    restricted = through.objects.filter(action__plan_id=plan_id).values("action_id")
    releasable_codes = Case(
        When(pk__in=restricted, then=_state_codes_of(through)), output_field=CharField()
    )
    return (
        _actions_for(
            access=access, plan_id=plan_id, filters=filters, words=words, base=_action_rows()
        )
        .annotate(releasable_codes=releasable_codes)
        .order_by("objective__axis__position", "objective__position", "position", "id")
        .values_list(*_ROW_VALUES)
    )


# The markers of the rows query compiled once (liptako.core.compiled): values no plan, rank,
# member state or filter holds. The rank's stays within a small integer's range (the ORM
# drops a comparison with an out-of-range value), above any marking level's rank.
_PLAN_MARKER = 7_340_000_000_001
_PLAN_UID_MARKER = uuid.UUID("73400000-0000-4000-8000-0000000091a9")
_RANK_MARKER = 32_719
_STATE_MARKER = 7_340_000_000_101  # the first member state's; the next ones count up
_AXIS_MARKER = uuid.UUID("73400000-0000-4000-8000-00000000a715")
_CODE_MARKERS = {"lead_state": "~lead~7340", "partner_state": "~partner~7340"}
_PRIORITY_MARKER = "~priority~7340"
_WORD_MARKER = "~word~7340~"  # followed by the word's index
# Beyond these many search words (or member states), the ORM builds the query each time.
_MOST_COMPILED_WORDS = 8
_MOST_COMPILED_STATES = 16


@dataclass(frozen=True)
class _RowsShape:
    """What the rows query's SQL depends on (the values it is run with aside): of the reader's
    access, what ``visible_with`` reads to choose its conditions (sees content, sees every
    member state, how many member states); of the filters, which are set."""

    reader: Literal["none", "all", "states"]
    states: int  # how many member states the reader belongs to ("states" only)
    # The plan given by its uid (looked up in the same query, if the reader may see it), not id.
    plan_by_uid: bool
    # The outline's rows (plan_outline_for_user), not the API list's (a page, with its count).
    outline: bool
    axis: bool
    lead_state: bool
    partner_state: bool
    priority: bool
    reveals_content: bool
    words: int


def _rows_shape(
    access: Access | None,
    filters: ActionFilters,
    words: Sequence[str],
    *,
    plan_by_uid: bool = False,
    outline: bool = False,
) -> _RowsShape | None:
    """The shape of this reader's and these filters' rows query, None when not compiled."""
    reader: Literal["none", "all", "states"]
    if access is None or not access.sees_content:
        reader, states = "none", 0
    elif access.sees_all_member_states:
        reader, states = "all", 0
    else:
        reader, states = "states", len(access.member_state_ids)
    if len(words) > _MOST_COMPILED_WORDS or states > _MOST_COMPILED_STATES:
        return None
    if plan_by_uid and reader == "none":
        return None  # no plan to see: the caller's plan lookup answers (404)
    return _RowsShape(
        reader=reader,
        states=states,
        plan_by_uid=plan_by_uid,
        outline=outline,
        axis=filters.axis is not None,
        lead_state=bool(filters.lead_state),
        partner_state=bool(filters.partner_state),
        priority=bool(filters.priority),
        reveals_content=filters.reveals_content,
        words=len(words),
    )


def _state_slot(index: int) -> str:
    return f"state{index}"


def _word_slot(index: int) -> str:
    return f"word{index}"


@lru_cache(maxsize=256)
def _compiled_rows(shape: _RowsShape | None, using: str) -> CompiledQuery | None:
    """The rows query of ``shape`` (the API list's or the outline's) compiled once per
    process (None: use the ORM each time).

    Built by the same functions as every other list of actions, with markers for the plan,
    the reader's rank and member states and the filters' values."""
    if shape is None:
        return None
    access = None
    if shape.reader != "none":
        from liptako.accounts.models import Access, Role

        access = Access(
            clearance_rank=_RANK_MARKER,
            roles=frozenset({Role.SECRETARIAT if shape.reader == "all" else Role.OBSERVER}),
            member_state_ids=frozenset(_STATE_MARKER + i for i in range(shape.states)),
        )
    filters = ActionFilters(
        axis=_AXIS_MARKER if shape.axis else None,
        lead_state=_CODE_MARKERS["lead_state"] if shape.lead_state else "",
        partner_state=_CODE_MARKERS["partner_state"] if shape.partner_state else "",
        priority=_PRIORITY_MARKER if shape.priority else "",
        # Only whether the filters reveal content counts here: the words have their slots.
        text="~" if shape.reveals_content and not shape.words else "",
    )
    words = [f"{_WORD_MARKER}{i}" for i in range(shape.words)]
    if shape.words:
        filters = dataclasses.replace(filters, text=" ".join(words))
    connection = connections[using]
    uid_field = Axis._meta.get_field("uid")  # every item's and the plan's uid is a UUIDField
    uid_value = partial(uid_field.get_db_prep_value, connection=connection)
    plan: int | Subquery = _PLAN_MARKER
    slots = [Slot("plan", _PLAN_MARKER)]
    if shape.plan_by_uid and access is not None:
        plan = Subquery(
            Plan.objects.visible_with(access).filter(uid=_PLAN_UID_MARKER).values("pk")[:1]
        )
        slots = [Slot("plan", _PLAN_UID_MARKER, uid_value)]
    suffix = ""
    if shape.outline:
        queryset = _outline_queryset(access, plan, filters, words)
    else:
        queryset = _rows_queryset(access, plan, filters, words).annotate(
            matching=Window(Count("id"))
        )
        suffix = " LIMIT %s OFFSET %s"  # the page's
    if access is not None:
        slots.append(Slot("rank", _RANK_MARKER))
        slots += [Slot(_state_slot(i), _STATE_MARKER + i) for i in range(shape.states)]
    if shape.axis:
        slots.append(Slot("axis", _AXIS_MARKER, uid_value))
    for name, marker in _CODE_MARKERS.items():
        if getattr(shape, name):
            slots.append(Slot(name, marker))
    if shape.priority:
        slots.append(Slot("priority", _PRIORITY_MARKER))
    slots += [
        Slot(_word_slot(i), word, partial(_like_pattern, connection))
        for i, word in enumerate(words)
    ]
    try:
        return CompiledQuery(queryset, slots, using=using, suffix=suffix)
    except NotCompilable:
        return None


def _like_pattern(connection: BaseDatabaseWrapper, word: str) -> str:
    """A ``contains`` lookup's parameter for ``word``, as the ORM writes it."""
    return f"%{connection.ops.prep_for_like_query(word)}%"


def _rows_values(
    access: Access | None,
    plan: int | uuid.UUID,
    filters: ActionFilters,
    words: Sequence[str],
) -> dict[str, Any]:
    """The values of the compiled rows query's slots for this reader, plan (id or uid) and
    filters."""
    values: dict[str, Any] = {
        "plan": plan,
        "axis": filters.axis,
        "lead_state": filters.lead_state,
        "partner_state": filters.partner_state,
        "priority": filters.priority,
    }
    if access is not None:
        values["rank"] = access.clearance_rank
        for index, state_id in enumerate(sorted(access.member_state_ids)):
            values[_state_slot(index)] = state_id
    for index, word in enumerate(words):
        values[_word_slot(index)] = word
    return values


# More rows than any plan holds: a page starting beyond is past the end, and its offset would
# not fit the databases' 64-bit integers (SQLite refuses it, PostgreSQL fails on it).
_MOST_ROWS = 2**31


def _page_number(page: int | str, per_page: int) -> int | None:
    """``page`` as a page number when it is a positive integer that could hold rows, else None
    (the paginator then gives the first or the last page)."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 and (number - 1) * per_page < _MOST_ROWS else None


def action_row_page_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    filters: ActionFilters | None = None,
    page: int | str = 1,
    per_page: int | None = None,
) -> Page[ActionRow | RedactedRow]:
    """One page of the plan's actions in plan order, as flat rows (the API's list).

    Same scope, filters and redaction as :func:`action_list_for_user`, but each row holds only
    the action's own fields and its open comment count, read with ``values_list()`` and the
    member state codes aggregated in SQL. One query per page whatever its size: the rows carry the
    count of every matching action (a window ``COUNT(*) OVER ()``), and the query is compiled
    once per process for each shape of reader and filters (:func:`_compiled_rows`). A page
    past the end, or not a positive number, gets what ``Paginator.get_page`` gives (the last
    page, or the first) with a count query and, when that page has rows, a second rows query."""
    from django.conf import settings

    filters = filters or ActionFilters()
    per_page = per_page or settings.PAGE_SIZE
    number = _page_number(page, per_page)
    access = _reader_access(user)
    words = normalise_search_text(filters.text).split()
    if number is not None:
        # The usual request: the query compiled once, this reader's and page's values bound.
        values = _compiled_page_rows(access, plan.pk, filters, words, number, per_page)
        if values is None:
            counted = _rows_queryset(access, plan.pk, filters, words).annotate(
                matching=Window(Count("id"))
            )
            bottom = (number - 1) * per_page
            values = list(counted[bottom : bottom + per_page])
        if values:
            return _row_page(values, number, per_page)
    queryset = _rows_queryset(access, plan.pk, filters, words)
    paginator: Paginator[Any] = Paginator(queryset, per_page)
    current = paginator.get_page(page)
    # An empty page has start_index() 0 (not 1): its rows are the empty slice, not [-1:0].
    rows = []
    if current.end_index():
        rows = list(queryset[current.start_index() - 1 : current.end_index()])
    current.object_list = _row_dicts(rows)
    return current


def action_row_page_for_plan_uid(
    *,
    user: AnyUser,
    plan_uid: uuid.UUID,
    filters: ActionFilters | None = None,
    page: int | str = 1,
    per_page: int | None = None,
) -> Page[ActionRow | RedactedRow]:
    """:func:`action_row_page_for_user` for the plan with ``plan_uid``; Http404 when the plan
    is missing or hidden from the reader (as ``access_plan``).

    A page with rows, the usual request, needs one query: the plan is looked up by the rows
    query itself, with the reader's ``visible_to`` rule. Otherwise (no row: an empty plan, a
    page past the end, or no such plan for this reader) the plan is looked up first."""
    from django.conf import settings

    from liptako.plans.permissions import access_plan

    filters = filters or ActionFilters()
    per_page = per_page or settings.PAGE_SIZE
    number = _page_number(page, per_page)
    access = _reader_access(user)
    words = normalise_search_text(filters.text).split()
    if number is not None:
        values = _compiled_page_rows(access, plan_uid, filters, words, number, per_page)
        if values:
            return _row_page(values, number, per_page)
    plan = access_plan(user, plan_uid, related=False)
    return action_row_page_for_user(
        user=user, plan=plan, filters=filters, page=page, per_page=per_page
    )


def _compiled_page_rows(
    access: Access | None,
    plan: int | uuid.UUID,
    filters: ActionFilters,
    words: Sequence[str],
    number: int,
    per_page: int,
) -> list[tuple[Any, ...]] | None:
    """Page ``number``'s rows from the compiled rows query, the plan given by its id or (a
    UUID) by its uid; None when that shape is not compiled."""
    shape = _rows_shape(access, filters, words, plan_by_uid=isinstance(plan, uuid.UUID))
    compiled = _compiled_rows(shape, router.db_for_read(Action))
    if compiled is None:
        return None
    return compiled.rows(
        _rows_values(access, plan, filters, words), extra=(per_page, (number - 1) * per_page)
    )


def _row_page(
    values: list[tuple[Any, ...]], number: int, per_page: int
) -> Page[ActionRow | RedactedRow]:
    """Page ``number`` of the rows, ``values`` its rows each ending with the matching count."""
    # Paginate a range as long as the count: no count query, no queryset cloned.
    paginator: Paginator[Any] = Paginator(range(values[0][-1]), per_page)
    current = paginator.page(number)
    current.object_list = _row_dicts(values)
    return current


def _row_dicts(values: list[tuple[Any, ...]]) -> list[ActionRow | RedactedRow]:
    """The API's rows from the rows query's tuples (hidden actions redacted)."""
    rows: list[ActionRow | RedactedRow] = []
    for (
        uid,
        code,
        objective_uid,
        position,
        title,
        lead_state,
        partner_codes,
        name,
        acronym,
        organisation_id,
        start_date,
        end_date,
        budget_amount,
        budget_currency,
        priority,
        marking,
        releasable_codes,
        lock_version,
        open_comments,
        is_visible,
        *_matching,
    ) in values:
        if not is_visible:
            rows.append({"redacted": True, "code": code, "classification": marking})
            continue
        rows.append(
            {
                "redacted": False,
                "uid": uid,
                "code": code,
                "objective": objective_uid,
                "position": position,
                "title": title,
                "lead_state": lead_state,
                "partner_states": _split_codes(partner_codes),
                "responsible_organisation": (
                    Organisation.label(name, acronym) if name is not None else None
                ),
                "responsible_organisation_id": organisation_id,
                "start_date": start_date,
                "end_date": end_date,
                "budget_amount": decimal_text(budget_amount),
                "budget_currency": budget_currency,
                "priority": priority,
                "classification": marking,
                "releasable_to": _split_codes(releasable_codes),
                "lock_version": lock_version,
                "open_comments": open_comments,
            }
        )
    return rows


def plan_tree_for_user(
    *, user: AnyUser, plan: Plan, filters: ActionFilters | None = None
) -> PlanTree[ActionEntry]:
    """The plan's axes → objectives → actions (with indicators and milestones) for ``user``.

    Ten queries whatever the size of the plan. With active filters, objectives without a
    matching action and axes without such objectives are left out.
    """
    filters = filters or ActionFilters()
    actions = list(
        _actions_queryset(user=user, plan=plan, filters=filters).order_by("position", "id")
    )
    counts = open_comment_counts(plan=plan)
    entries = _nodes(actions, plan, counts)
    by_objective: dict[int, list[ActionEntry]] = defaultdict(list)
    for action, entry in zip(actions, entries, strict=True):
        by_objective[action.objective_id].append(entry)
    return _tree(
        plan=plan,
        filters=filters,
        axes=list(Axis.objects.filter(plan=plan).order_by("position", "id")),
        objectives=Objective.objects.filter(plan=plan).order_by("position", "id"),
        by_objective=by_objective,
        counts=counts,
    )


def _tree(
    *,
    plan: Plan,
    filters: ActionFilters,
    axes: Sequence[Axis],
    objectives: Iterable[Objective],
    by_objective: dict[int, list[EntryT]],
    counts: dict[uuid.UUID, int],
) -> PlanTree[EntryT]:
    """The plan's ``axes`` and ``objectives`` (in plan order) around the entries of each
    objective's actions; with active filters, the objectives without entries and the axes
    without such objectives are left out."""
    objectives_by_axis: dict[int, list[ObjectiveNode[EntryT]]] = defaultdict(list)
    for objective in objectives:
        matched = by_objective.get(objective.pk, [])
        if filters.is_active and not matched:
            continue
        objectives_by_axis[objective.axis_id].append(
            ObjectiveNode(
                objective=objective, actions=matched, open_comments=counts.get(objective.uid, 0)
            )
        )
    axis_nodes = [
        AxisNode(
            axis=axis,
            objectives=objectives_by_axis.get(axis.pk, []),
            open_comments=counts.get(axis.uid, 0),
        )
        for axis in axes
        if not filters.is_active or objectives_by_axis.get(axis.pk)
    ]
    return PlanTree(
        plan=plan, axes=axis_nodes, filters=filters, open_comments=counts.get(plan.uid, 0)
    )


@cache
def _outline_rows() -> QuerySet[Action]:
    """Every action with what an outline row shows of its relations annotated (lead state
    code, organisation, partner state codes) and its indicator and milestone counts. Built
    once per process, as :func:`_action_rows`; every use chains a copy of it."""
    return Action.objects.annotate(
        lead_state_code=F("lead_state__code"),
        organisation_name=F("responsible_organisation__name"),
        organisation_acronym=F("responsible_organisation__acronym"),
        partner_codes=_state_codes_of(Action.partner_states.through),
        indicator_count=_count_of(Indicator),
        milestone_count=_count_of(Milestone),
    )


# What the outline and the roadmap show of an axis or an objective (their rows, their labels).
_OUTLINE_ITEM_FIELDS = ("uid", "code", "title")

# The columns of an outline row, read as tuples: unpacked in this order below.
_OUTLINE_VALUES = (
    "objective_id",
    "is_visible",
    "code",
    "classification_id",
    "uid",
    "title",
    "lead_state_code",
    "partner_codes",
    "organisation_name",
    "organisation_acronym",
    "start_date",
    "end_date",
    "budget_amount",
    "budget_currency",
    "priority",
    "indicator_count",
    "milestone_count",
)


def _outline_queryset(
    access: Access | None, plan_id: int | Subquery, filters: ActionFilters, words: Sequence[str]
) -> QuerySet[Action, tuple[Any, ...]]:
    """The rows of :func:`plan_outline_for_user`, in position order, as tuples."""
    return (
        _actions_for(
            access=access, plan_id=plan_id, filters=filters, words=words, base=_outline_rows()
        )
        .order_by("position", "id")
        .values_list(*_OUTLINE_VALUES)
    )


def outline_axes(*, plan: Plan) -> list[Axis]:
    """The plan's axes in plan order, with what the outline and its filter form show of them:
    the outline page reads them once for both (:func:`plan_outline_for_user`'s ``axes``)."""
    return list(
        Axis.objects.filter(plan=plan).order_by("position", "id").only(*_OUTLINE_ITEM_FIELDS)
    )


def plan_outline_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    filters: ActionFilters | None = None,
    axes: Sequence[Axis] | None = None,
) -> PlanTree[OutlineEntry]:
    """The plan's axes → objectives → actions as the outline and the roadmap show them: the
    tree of :func:`plan_tree_for_user` (same scope, filters and redaction), but each visible
    action an :class:`OutlineAction` counting its indicators and milestones, which the
    outline loads when an action is opened (docs/decisions/0054, 0231).

    Five queries whatever the size of the plan: the actions (one row each, relations joined
    or aggregated in SQL), the marking levels, the open comment counts, the axes and the
    objectives; four when the caller gives the plan's ``axes`` (:func:`outline_axes`).
    """
    filters = filters or ActionFilters()
    access = _reader_access(user)
    words = normalise_search_text(filters.text).split()
    compiled = _compiled_rows(
        _rows_shape(access, filters, words, outline=True), router.db_for_read(Action)
    )
    rows: Iterable[tuple[Any, ...]] = (
        compiled.rows(_rows_values(access, plan.pk, filters, words))
        if compiled is not None
        else _outline_queryset(access, plan.pk, filters, words)
    )
    markings = {level.pk: level for level in MarkingLevel.objects.all()}
    counts = open_comment_counts(plan=plan)
    by_objective: dict[int, list[OutlineEntry]] = defaultdict(list)
    for objective_id, is_visible, code, marking_id, *fields in rows:
        if not is_visible:
            by_objective[objective_id].append(
                RedactedAction(code=code, classification=markings[marking_id])
            )
            continue
        (
            uid,
            title,
            lead_state_code,
            partner_codes,
            name,
            acronym,
            start_date,
            end_date,
            budget_amount,
            budget_currency,
            priority,
            indicator_count,
            milestone_count,
        ) = fields
        by_objective[objective_id].append(
            OutlineAction(
                uid=uid,
                code=code,
                title=title,
                classification=markings[marking_id],
                lead_state_code=lead_state_code,
                partner_state_codes=_split_codes(partner_codes),
                # No name: no organisation (the join's empty side).
                organisation=Organisation.label(name, acronym) if name else "",
                start_date=start_date,
                end_date=end_date,
                budget_amount=budget_amount,
                budget_currency=budget_currency,
                priority=priority,
                open_comments=counts.get(uid, 0),
                indicator_count=indicator_count,
                milestone_count=milestone_count,
            )
        )
    return _tree(
        plan=plan,
        filters=filters,
        axes=outline_axes(plan=plan) if axes is None else axes,
        objectives=Objective.objects.filter(plan=plan)
        .order_by("position", "id")
        .only("axis_id", *_OUTLINE_ITEM_FIELDS),
        by_objective=by_objective,
        counts=counts,
    )


# --- Documents, versions and diffs -----------------------------------------------------------


def plan_snapshot(*, plan: Plan) -> dict[str, Any]:
    """The whole live plan as its canonical document, UNREDACTED (freezing, comparisons).

    Only services and the ``*_for_user`` selectors call this; never show it to a reader.
    """
    plan = (
        Plan.objects.select_related("alliance", "classification")
        .prefetch_related("releasable_to")
        .get(pk=plan.pk)
    )
    actions = list(Action.objects.filter(plan=plan).defer(*_UNSHOWN))
    attach_action_relations(actions, plan)
    return build_document(
        plan=plan,
        axes=list(Axis.objects.filter(plan=plan)),
        objectives=list(Objective.objects.filter(plan=plan)),
        actions=actions,
        indicators=list(Indicator.objects.filter(plan=plan).defer("created_at", "updated_at")),
        milestones=list(Milestone.objects.filter(plan=plan).defer("created_at", "updated_at")),
    )


def viewer_for(user: AnyUser) -> Viewer:
    """The reader's access in the terms of a frozen document (marking and state codes)."""
    if not user.is_authenticated or not user.is_active:
        return Viewer(
            clearance_rank=-1,
            rank_by_marking={},
            member_state_codes=frozenset(),
            sees_all_member_states=False,
            sees_content=False,
        )
    access = user.access
    return Viewer(
        clearance_rank=access.clearance_rank,
        rank_by_marking=dict(MarkingLevel.objects.values_list("code", "rank")),
        member_state_codes=frozenset(
            MemberState.objects.filter(pk__in=access.member_state_ids).values_list(
                "code", flat=True
            )
        ),
        sees_all_member_states=access.sees_all_member_states,
        sees_content=access.sees_content,
    )


def plan_document_for_user(*, user: AnyUser, plan: Plan) -> dict[str, Any]:
    """The live draft as a document, hidden actions redacted (API, exports)."""
    return redact_document(plan_snapshot(plan=plan), viewer_for(user))


def version_list_for_user(*, user: AnyUser, plan: Plan) -> QuerySet[PlanVersion]:
    """The versions of a plan the user may see (``plan`` from ``access_plan``), newest first."""
    if not Plan.objects.visible_to(user).filter(pk=plan.pk).exists():
        return PlanVersion.objects.none()
    return (
        PlanVersion.objects.filter(plan=plan)
        .select_related("author")
        .defer("canonical")
        .order_by("-number")
    )


def version_for_user(*, user: AnyUser, plan: Plan, number: int) -> PlanVersion:
    """Version ``number`` of ``plan``, or ``ItemNotFound`` (missing, or frozen at a marking
    the reader may not see)."""
    version = PlanVersion.objects.filter(plan=plan, number=number).select_related("author").first()
    if version is None or not viewer_for(user).may_see(version.content["plan"]):
        raise ItemNotFound
    return version


# The validation workflow (which depends on plans) marks the version in force with a row whose
# status is "adopted" (validation.VersionState, reverse name ``validation_state``). Plans reads
# it through the relation rather than importing the validation app (docs/decisions/0111).
ADOPTED_STATUS = "adopted"


def adopted_version_for_user(*, user: AnyUser, plan: Plan) -> PlanVersion | None:
    """The version of ``plan`` in force (adopted; it stays so during a revision), or None when
    there is none or it was frozen at a marking the reader may not see."""
    version = (
        PlanVersion.objects.filter(plan=plan, validation_state__status=ADOPTED_STATUS)
        .select_related("author")
        .first()
    )
    if version is None or not viewer_for(user).may_see(version.content["plan"]):
        return None
    return version


def document_actions(
    document: dict[str, Any], filters: ActionFilters | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The (axis, action) pairs of a redacted plan document in plan order, filtered as the
    live draft's actions are (:func:`_actions_queryset`): the axis filter keeps redacted
    actions, the other filters leave them out (matching would tell something of them)."""
    filters = filters or ActionFilters()
    axis_uid = str(filters.axis) if filters.axis is not None else None
    words = normalise_search_text(filters.text).split()
    pairs = []
    for axis in document["axes"]:
        if axis_uid is not None and axis["uid"] != axis_uid:
            continue
        for objective in axis["objectives"]:
            for action in objective["actions"]:
                if filters.reveals_content and not _document_action_matches(action, filters, words):
                    continue
                pairs.append((axis, action))
    return pairs


def _document_action_matches(
    action: dict[str, Any], filters: ActionFilters, words: list[str]
) -> bool:
    if action.get("redacted"):
        return False
    if filters.lead_state and action["lead_state"] != filters.lead_state:
        return False
    if filters.partner_state and filters.partner_state not in action["partner_states"]:
        return False
    if filters.priority and action["priority"] != filters.priority:
        return False
    text = normalise_search_text(f"{action['code']} {action['title']} {action['description']}")
    return all(word in text for word in words)


def version_document_for_user(*, user: AnyUser, version: PlanVersion) -> dict[str, Any]:
    """The frozen content as the reader may see it (hidden actions redacted)."""
    viewer = viewer_for(user)
    document = version.content
    if not viewer.may_see(document["plan"]):
        raise ItemNotFound
    return redact_document(document, viewer)


def plan_diff_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    old: PlanVersion | None,
    new: PlanVersion | None,
) -> PlanDiff:
    """What changed from ``old`` to ``new``; ``None`` stands for the live draft."""
    viewer = viewer_for(user)
    live: dict[str, Any] | None = None

    def document(version: PlanVersion | None) -> dict[str, Any]:
        nonlocal live
        if version is None:
            if live is None:
                live = plan_snapshot(plan=plan)
            return live
        if version.plan_id != plan.pk:
            raise ItemNotFound
        return version.content

    before, after = document(old), document(new)
    if not (viewer.may_see(before["plan"]) and viewer.may_see(after["plan"])):
        raise ItemNotFound
    return redact_diff(diff_documents(before, after), old=before, new=after, viewer=viewer)


# --- History and comments --------------------------------------------------------------------


def _find_visible_item(user: AnyUser, plan: Plan, item_uid: uuid.UUID) -> Any:
    if plan.uid == item_uid:
        return plan
    for model in (Axis, Objective, Action, Indicator, Milestone):
        item = model.objects.filter(plan=plan, uid=item_uid).first()
        if item is None:
            continue
        action_id = item.pk if model is Action else getattr(item, "action_id", None)
        if action_id is not None and not (
            Action.objects.visible_to(user).filter(pk=action_id).exists()
        ):
            raise ItemNotFound
        return item
    raise ItemNotFound


def item_history_for_user(
    *, user: AnyUser, plan: Plan, item_uid: uuid.UUID
) -> QuerySet[AuditEvent]:
    """The audit events of one item (newest first): who changed what and when.

    Each event's ``payload["changes"]`` maps field → ``{"before", "after"}``."""
    item = _find_visible_item(user, plan, item_uid)
    return AuditEvent.objects.filter(
        target_type=item._meta.label_lower, target_id=str(item.pk)
    ).order_by("-sequence")


def comment_threads_for_user(*, user: AnyUser, plan: Plan, item_uid: uuid.UUID) -> list[Comment]:
    """The comment threads on one item, oldest first, replies in ``thread.replies.all()``."""
    _find_visible_item(user, plan, item_uid)
    return list(
        Comment.objects.filter(plan=plan, item_uid=item_uid, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related("replies__author")
        .order_by("created_at", "id")
    )
