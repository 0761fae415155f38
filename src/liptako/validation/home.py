"""Home page panels: the decisions awaiting the user's signature (validators, authorities).

Registered under the keys accounts used for their placeholders, so they replace them
(docs/decisions/0013-home-page-sections.md).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import Role
from liptako.core.home import HomeItem, HomeLink, HomePanel, register_home_panel
from liptako.validation.models import DecisionKind
from liptako.validation.selectors import awaiting_user


def _items(request: HttpRequest, kind: str) -> list[HomeItem]:
    items = []
    for awaited in awaiting_user(user=request.user):  # type: ignore[arg-type]
        if awaited.kind != kind or awaited.member_state is None:
            continue
        version = awaited.state.version
        items.append(
            HomeItem(
                label=_("%(plan)s, version %(number)s")
                % {"plan": awaited.state.plan.title, "number": version.number},
                url=reverse(
                    "validation:version-sign",
                    args=[awaited.state.plan.uid, version.number, awaited.member_state.code, kind],
                ),
                detail=awaited.member_state.name,
            )
        )
    return items


def awaiting_signature(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Decisions awaiting your signature"),
        items=_items(request, DecisionKind.APPROVE),
        empty_message=_("No plan version awaits your signature."),
        links=[HomeLink(label=_("My signing keys"), url=reverse("validation:key-list"))],
    )


def awaiting_adoption(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Plans awaiting adoption"),
        items=_items(request, DecisionKind.ADOPT),
        empty_message=_("No plan awaits adoption."),
        links=[HomeLink(label=_("My signing keys"), url=reverse("validation:key-list"))],
    )


def secretariat_keys(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel:
    return HomePanel(
        title=_("Signatures"),
        links=[
            HomeLink(label=_("Register of signing keys"), url=reverse("validation:key-register")),
            HomeLink(label=_("Quorum"), url=reverse("validation:quorum")),
            HomeLink(label=_("Verify a signed bundle"), url=reverse("validation:verify")),
        ],
    )


def register() -> None:
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
        key="secretariat.signatures", role=Role.SECRETARIAT, order=30, build=secretariat_keys
    )
