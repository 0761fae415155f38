"""Users, their memberships (user, role, member state) and their clearance."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, router
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from liptako.core.compiled import CompiledQuery, Slot
from liptako.core.models import BaseModel, MarkingLevel


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    EXPERT = "expert", _("Expert")
    VALIDATOR = "validator", _("Validator")
    AUTHORITY = "authority", _("Authority")
    FOCAL_POINT = "focal_point", _("Focal point")
    OBSERVER = "observer", _("Observer")
    ADMIN = "admin", _("Administrator")


# Roles held for the whole alliance; every other role is held for one member state.
ALLIANCE_WIDE_ROLES = frozenset({Role.SECRETARIAT, Role.ADMIN})

# Roles that run the process, sign or hold the keys: their accounts need a second factor
# (docs/security/authentication.md). Everyone else may enrol from their profile.
SECOND_FACTOR_ROLES = frozenset({Role.SECRETARIAT, Role.VALIDATOR, Role.AUTHORITY, Role.ADMIN})


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


@dataclass(frozen=True)
class Access:
    """What a user may see, computed once per request from their memberships and clearance."""

    clearance_rank: int
    roles: frozenset[str] = field(default_factory=frozenset)
    member_state_ids: frozenset[int] = field(default_factory=frozenset)
    roles_by_state: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def sees_content(self) -> bool:
        # The admin role alone (accounts, keys, backups) grants no sight of plans or meetings.
        return bool(self.roles - {Role.ADMIN})

    @property
    def sees_all_member_states(self) -> bool:
        # The secretariat runs the process for the whole alliance: releasability to member
        # states does not restrict it (clearance still does).
        return Role.SECRETARIAT in self.roles

    def has_role(self, role: str, member_state_id: int | None = None) -> bool:
        if member_state_id is None:
            return role in self.roles
        return role in self.roles_by_state.get(member_state_id, frozenset())


# A fixed order: a frozenset's iteration order changes between processes, and the migration
# autodetector would then see a "new" constraint every run.
_ALLIANCE_WIDE_ROLE_VALUES = [Role.SECRETARIAT.value, Role.ADMIN.value]


class User(AbstractUser):
    """A person's account. Names live on ``alliance.Person``; this holds access."""

    clearance = models.ForeignKey(
        MarkingLevel,
        verbose_name=_("clearance"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The highest marking this user may read. Empty: the lowest level."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default=settings.DEFAULT_USER_TIMEZONE
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Part of every session's authentication hash: raising it ends every session of the user
    # at their next request, in every browser (log-out, password change, deactivation).
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return full_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash covers the password only; the epoch lets Liptako end every session
        # without touching the password (accounts.services.user_sessions_end).
        return salted_hmac(
            "liptako.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def requires_second_factor(self) -> bool:
        """True when the user's roles require a second factor (SECOND_FACTOR_ROLES).

        A query, not ``access``: asked at log-in, it must not freeze the cached roles.
        """
        return self.is_superuser or (
            self.pk is not None
            and self.memberships.filter(role__in=list(SECOND_FACTOR_ROLES)).exists()
        )

    @cached_property
    def access(self) -> Access:
        # One query for the clearance's rank and the memberships (a left join: a user without
        # memberships still gets one row), not two: every page and API call asks. The rank
        # alone, not the marking level (no object built); the memberships unordered.
        rows = (
            _access_query(router.db_for_read(User, instance=self)).rows({"user": self.pk})
            if self.pk is not None
            else []
        )
        if User.clearance.is_cached(self) and self.clearance is not None:
            clearance_rank = self.clearance.rank
        elif rows and rows[0][0] == self.clearance_id and self.clearance_id is not None:
            clearance_rank = rows[0][1]
        elif self.clearance_id is not None:  # changed on this object, not saved yet
            clearance_rank = MarkingLevel.objects.values_list("rank", flat=True).get(
                pk=self.clearance_id
            )
        else:
            lowest = MarkingLevel.objects.order_by("rank").values_list("rank", flat=True).first()
            clearance_rank = lowest if lowest is not None else 0
        roles: set[str] = set()
        by_state: dict[int, set[str]] = {}
        for _clearance, _rank, role, member_state_id in rows:
            if role is None:  # no membership: the left join's empty side
                continue
            roles.add(role)
            if member_state_id is not None:
                by_state.setdefault(member_state_id, set()).add(role)
        return Access(
            clearance_rank=clearance_rank,
            roles=frozenset(roles),
            member_state_ids=frozenset(by_state),
            roles_by_state={state: frozenset(r) for state, r in by_state.items()},
        )


# A user id no account has: it stands for the user's when the access query is compiled.
_USER_MARKER = 7_340_000_000_301


@lru_cache(maxsize=8)
def _access_query(using: str) -> CompiledQuery:
    """The clearance and memberships of a user (``User.access``), compiled once per process:
    every page and API call runs it (liptako.core.compiled)."""
    queryset = (
        User.objects.filter(pk=_USER_MARKER)
        .order_by()
        .values_list(
            "clearance_id", "clearance__rank", "memberships__role", "memberships__member_state_id"
        )
    )
    return CompiledQuery(queryset, [Slot("user", _USER_MARKER)], using=using)


class Membership(BaseModel):
    """A role a user holds, for one member state (or for the alliance: secretariat, admin)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    member_state = models.ForeignKey(
        "alliance.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["user__username", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_state_matches_role",
                condition=(
                    Q(role__in=_ALLIANCE_WIDE_ROLE_VALUES, member_state__isnull=True)
                    | (~Q(role__in=_ALLIANCE_WIDE_ROLE_VALUES) & Q(member_state__isnull=False))
                ),
                violation_error_message=_(
                    "The secretariat and admin roles hold no member state; "
                    "every other role is held for one member state."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "member_state"],
                name="membership_unique_per_state",
                condition=Q(member_state__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_alliance_wide",
                condition=Q(member_state__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        if self.member_state_id is None:
            return f"{self.user} — {self.get_role_display()}"
        return f"{self.user} — {self.get_role_display()} ({self.member_state})"


class ApiToken(BaseModel):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
