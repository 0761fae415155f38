"""The home page's role sections and the panels accounts can already fill.

Every role of ``Role`` gets a section. The panels that belong to later apps (decisions
awaiting a signature, reports due, plans in drafting…) are registered here with their empty
state, under keys those apps register again to replace them (docs/decisions/0013).
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import Role, User
from liptako.core.home import (
    HomeFigure,
    HomeItem,
    HomeLink,
    HomePanel,
    register_home_panel,
    register_home_role,
    register_member_state_names,
)

ROLE_ORDER = [
    Role.SECRETARIAT,
    Role.VALIDATOR,
    Role.AUTHORITY,
    Role.EXPERT,
    Role.FOCAL_POINT,
    Role.OBSERVER,
    Role.ADMIN,
]


def secretariat_overview(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    # Counted through the app registry: accounts sits below alliance and does not import it.
    member_state_model = apps.get_model("alliance", "MemberState")
    person_model = apps.get_model("alliance", "Person")
    return HomePanel(
        title=_("The alliance"),
        figures=[
            HomeFigure(
                label=_("member states"),
                value=member_state_model.objects.count(),
                url=reverse("alliance:index"),
            ),
            HomeFigure(
                label=_("people in the directory"),
                value=person_model.objects.count(),
                url=reverse("alliance:person-list"),
            ),
        ],
        links=[
            HomeLink(label=_("Directory"), url=reverse("alliance:index")),
            HomeLink(label=_("Audit log"), url=reverse("audit:event-list")),
        ],
    )


def awaiting_signature(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Decisions awaiting your signature"),
        empty_message=_("No plan version awaits your signature."),
    )


def awaiting_adoption(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Plans awaiting adoption"),
        empty_message=_("No validated plan awaits adoption."),
    )


def plans_in_drafting(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Plans in drafting"),
        empty_message=_("No plan is being drafted."),
    )


def reports_due(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Progress reports due"),
        empty_message=_("No progress report is due."),
    )


def observer_reading(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Adopted plans"),
        empty_message=_("No plan has been adopted yet."),
        links=[HomeLink(label=_("Directory"), url=reverse("alliance:index"))],
    )


def admin_accounts(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    """Accounts at a glance, and the ones locked by too many failed log-ins."""
    access_attempt_model = apps.get_model("axes", "AccessAttempt")
    locked_since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    locked = list(
        access_attempt_model.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=locked_since,
        )
        .order_by("-attempt_time")
        .values_list("username", "ip_address")[: settings.PAGE_SIZE]
    )
    return HomePanel(
        title=_("Accounts"),
        figures=[
            HomeFigure(
                label=_("active accounts"), value=User.objects.filter(is_active=True).count()
            ),
        ],
        items=[
            HomeItem(label=username or "—", detail=_("locked from %(ip)s") % {"ip": ip_address})
            for username, ip_address in locked
        ],
        empty_message=_("No account is locked."),
        links=[HomeLink(label=_("My API tokens"), url=reverse("accounts:token-list"))],
    )


def member_state_names(member_state_ids: frozenset[int]) -> dict[int, str]:
    member_state_model = apps.get_model("alliance", "MemberState")
    return dict(
        member_state_model.objects.filter(pk__in=member_state_ids)
        .order_by("name")
        .values_list("pk", "name")
    )


def register() -> None:
    register_member_state_names(member_state_names)
    for order, role in enumerate(ROLE_ORDER):
        register_home_role(role=role.value, label=role.label, order=order * 10)
    register_home_panel(
        key="secretariat.overview", role=Role.SECRETARIAT, order=10, build=secretariat_overview
    )
    register_home_panel(
        key="validator.awaiting-signature",
        role=Role.VALIDATOR,
        order=10,
        build=awaiting_signature,
    )
    register_home_panel(
        key="authority.awaiting-adoption", role=Role.AUTHORITY, order=10, build=awaiting_adoption
    )
    register_home_panel(
        key="expert.plans-in-drafting", role=Role.EXPERT, order=10, build=plans_in_drafting
    )
    register_home_panel(
        key="focal_point.reports-due", role=Role.FOCAL_POINT, order=10, build=reports_due
    )
    register_home_panel(
        key="observer.adopted-plans", role=Role.OBSERVER, order=10, build=observer_reading
    )
    register_home_panel(key="admin.accounts", role=Role.ADMIN, order=10, build=admin_accounts)
