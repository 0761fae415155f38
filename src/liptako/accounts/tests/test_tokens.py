from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liptako.accounts.models import ApiToken, User
from liptako.accounts.services import api_token_create, api_token_hash, api_token_revoke
from liptako.audit.models import AuditEvent

TOKENS = "/comptes/jetons/"


def test_it_creates_a_token_shown_once_and_stored_hashed(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(TOKENS, {"name": "Rapport mensuel"})
    assert response.status_code == 302
    page = client.get(TOKENS).content.decode()
    match = re.search(r"lpk_[A-Za-z0-9_-]{43}", page)
    assert match is not None
    clear_token = match.group(0)
    token = ApiToken.objects.get()
    assert token.user == expert_mli
    assert token.name == "Rapport mensuel"
    assert token.token_hash == api_token_hash(clear_token)
    assert token.prefix == clear_token[:12]
    assert clear_token not in str(ApiToken.objects.values().get())
    event = AuditEvent.objects.get(verb="api_token.create")
    assert event.actor_id == expert_mli.pk
    assert clear_token not in str(event.payload)
    # Shown once: the next visit lists the token by its beginning only.
    again = client.get(TOKENS).content.decode()
    assert clear_token not in again
    assert token.prefix in again


def test_a_token_needs_a_name(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post(TOKENS, {"name": "   "})
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(verb="api_token.create").exists()


def test_it_revokes_a_token(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    client.force_login(expert_mli)
    response = client.post(f"{TOKENS}{created.token.pk}/revoquer/")
    assert response.status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None
    assert AuditEvent.objects.filter(verb="api_token.revoke", actor=expert_mli).count() == 1
    assert "Révoqué le" in client.get(TOKENS).content.decode()


def test_revoking_with_htmx_returns_the_row(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    client.force_login(expert_mli)
    response = client.post(f"{TOKENS}{created.token.pk}/revoquer/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<tr id="token-{created.token.pk}">')
    assert "Révoqué le" in body


def test_revoking_twice_records_once(expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    api_token_revoke(actor=expert_mli, token=created.token)
    first = created.token.revoked_at
    api_token_revoke(actor=expert_mli, token=created.token)
    assert created.token.revoked_at == first
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


@pytest.mark.parametrize("intruder", ["secretariat", "admin_user", "validator_bfa"])
def test_nobody_else_can_revoke_a_token(
    client: Client, expert_mli: User, intruder: str, request: pytest.FixtureRequest
) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    client.force_login(request.getfixturevalue(intruder))
    response = client.post(f"{TOKENS}{created.token.pk}/revoquer/")
    assert response.status_code == 404
    created.token.refresh_from_db()
    assert created.token.revoked_at is None
    assert not AuditEvent.objects.filter(verb="api_token.revoke").exists()


def test_anonymous_cannot_reach_tokens(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    assert client.get(TOKENS).status_code == 302
    response = client.post(f"{TOKENS}{created.token.pk}/revoquer/")
    assert response.status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is None


def test_nobody_creates_a_token_for_someone_else(expert_mli: User, admin_user: User) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_token_create(actor=admin_user, user=expert_mli, name="Script")
    assert not ApiToken.objects.exists()


def test_the_list_is_paginated_in_a_constant_number_of_queries(
    client: Client, expert_mli: User, settings
) -> None:
    settings.PAGE_SIZE = 3
    client.force_login(expert_mli)
    client.get(TOKENS)  # the first request of the minute saves the session (decision 0225)
    counts = []
    for count in (2, 7):
        while ApiToken.objects.count() < count:
            api_token_create(actor=expert_mli, user=expert_mli, name=f"Script {count}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(TOKENS)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 7  # session, user, marking, memberships, token count, token page
    assert "Page 1 sur 3" in response.content.decode()
