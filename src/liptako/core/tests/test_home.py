from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy as _

from liptako.accounts.models import Role, User
from liptako.accounts.services import membership_grant
from liptako.core import home
from liptako.core.home import HomeItem, HomePanel, register_home_panel
from liptako.testing import AllianceFixture


def _page(client: Client, user: User) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/connexion/")


def test_the_secretariat_sees_the_alliance_at_a_glance(client: Client, secretariat: User) -> None:
    page = _page(client, secretariat)
    assert "<h2" in page
    assert "Secrétariat" in page
    assert "<strong>3</strong> États membres" in page
    assert "<strong>0</strong> personnes dans l\u2019annuaire" in page
    assert "Validateur" not in page
    assert '<a href="/annuaire/">Annuaire</a>' in page
    assert '<a href="/journal/">Journal</a>' in page


def test_a_validator_sees_what_awaits_a_signature(client: Client, validator_bfa: User) -> None:
    page = _page(client, validator_bfa)
    assert "Validateur — Burkina Faso" in page
    assert "Décisions en attente de votre signature" in page
    assert "Aucune version de plan n\u2019attend votre signature." in page


def test_each_role_held_gets_its_section(
    client: Client, focal_point_ner: User, aes: AllianceFixture
) -> None:
    membership_grant(actor=None, user=focal_point_ner, role=Role.EXPERT, member_state=aes.niger)
    membership_grant(actor=None, user=focal_point_ner, role=Role.EXPERT, member_state=aes.mali)
    page = _page(client, focal_point_ner)
    assert "Expert — Mali, Niger" in page
    assert "Plans en cours de rédaction" in page
    assert "Point focal — Niger" in page
    assert "Rapports d\u2019avancement attendus" in page
    assert page.index("Expert — Mali, Niger") < page.index("Point focal — Niger")


def test_the_observer_and_the_admin(client: Client, observer: User, admin_user: User) -> None:
    assert "Aucun plan n\u2019a encore été adopté." in _page(client, observer)
    admin_page = _page(client, admin_user)
    assert "Comptes" in admin_page
    assert "comptes actifs" in admin_page
    assert "Aucun compte n\u2019est verrouillé." in admin_page
    assert "Plans en cours de rédaction" not in admin_page  # admin alone: no content


def test_the_admin_sees_locked_accounts(client: Client, admin_user: User, expert_mli: User) -> None:
    anonymous = Client()
    for _attempt in range(5):
        anonymous.post("/comptes/connexion/", {"username": "expert.mli", "password": "wrong"})
    page = _page(client, admin_user)
    assert "expert.mli" in page
    assert "verrouillé depuis 127.0.0.1" in page


def test_a_user_without_role_is_told_what_to_do(client: Client, outsider: User) -> None:
    assert "aucun rôle" in _page(client, outsider)


@pytest.fixture
def contributed_panel() -> Iterator[None]:
    saved = dict(home._panels)

    def build(request: object, member_state_ids: frozenset[int]) -> HomePanel:
        return HomePanel(
            title=_("Decisions awaiting your signature"),
            items=[HomeItem(label=f"Plan v2 ({len(member_state_ids)} state)", url="/plans/x/")],
        )

    register_home_panel(key="validator.awaiting-signature", role="validator", order=10, build=build)
    yield
    home._panels.clear()
    home._panels.update(saved)


def test_an_app_replaces_a_panel_by_registering_its_key(
    client: Client, validator_bfa: User, contributed_panel: None
) -> None:
    page = _page(client, validator_bfa)
    assert '<a href="/plans/x/">Plan v2 (1 state)</a>' in page
    assert "Aucune version de plan" not in page


def test_the_home_page_takes_a_constant_number_of_queries(
    client: Client, validator_bfa: User, aes: AllianceFixture
) -> None:
    membership_grant(actor=None, user=validator_bfa, role=Role.SECRETARIAT)
    client.force_login(validator_bfa)
    with CaptureQueriesContext(connection) as one_state:
        client.get("/")
    for state in (aes.mali, aes.niger):
        membership_grant(actor=None, user=validator_bfa, role=Role.VALIDATOR, member_state=state)
    with CaptureQueriesContext(connection) as three_states:
        response = client.get("/")
    assert "Validateur — Burkina Faso, Mali, Niger" in response.content.decode()
    assert len(three_states) == len(one_state)
