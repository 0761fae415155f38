from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from ninja.errors import AuthorizationError, HttpError, ValidationError

from liptako.accounts.models import ApiToken, Role, User
from liptako.accounts.services import api_token_create, api_token_revoke, membership_grant
from liptako.api.auth import session_auth
from liptako.testing import AllianceFixture

ME = "/api/v1/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_needs_credentials(client: Client, db: None) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Authentification requise : envoyez un jeton d\u2019API valide ou connectez-vous."
    }


def test_the_message_follows_the_requested_language(client: Client, db: None) -> None:
    response = client.get(ME, headers={"Accept-Language": "en"})
    assert response.json() == {
        "detail": "Authentication required: send a valid API token or log in."
    }


def test_me_with_a_token(client: Client, validator_bfa: User, aes: AllianceFixture) -> None:
    membership_grant(actor=None, user=validator_bfa, role=Role.EXPERT, member_state=aes.niger)
    validator_bfa.first_name, validator_bfa.last_name = "Awa", "Ouédraogo"
    validator_bfa.save(update_fields=["first_name", "last_name"])
    created = api_token_create(actor=validator_bfa, user=validator_bfa, name="Script")
    response = client.get(ME, headers=_bearer(created.clear_token))
    assert response.status_code == 200
    assert response.json() == {
        "username": "validator.bfa",
        "full_name": "Awa Ouédraogo",
        "email": "validator.bfa@example.org",
        "roles": [
            {
                "role": "expert",
                "label": "Expert",
                "member_state": {"code": "NER", "name": "Niger"},
            },
            {
                "role": "validator",
                "label": "Validateur",
                "member_state": {"code": "BFA", "name": "Burkina Faso"},
            },
        ],
        "clearance": "C",
        "language": "fr",
        "timezone": "Africa/Bamako",
    }


def test_alliance_wide_roles_have_no_member_state(client: Client, secretariat: User) -> None:
    client.force_login(secretariat)
    roles = client.get(ME).json()["roles"]
    assert roles == [{"role": "secretariat", "label": "Secrétariat", "member_state": None}]


def test_a_revoked_token_is_refused(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    api_token_revoke(actor=expert_mli, token=created.token)
    assert client.get(ME, headers=_bearer(created.clear_token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer lpk_not-a-token", "Bearer ", "Token abc", "Basic eDp5"])
def test_a_bad_token_is_refused(client: Client, expert_mli: User, header: str) -> None:
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_token_of_an_inactive_user_is_refused(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    User.objects.filter(pk=expert_mli.pk).update(is_active=False)
    assert client.get(ME, headers=_bearer(created.clear_token)).status_code == 401


def test_the_session_works(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "expert.mli"


def test_the_session_needs_csrf_on_unsafe_methods(expert_mli: User, settings) -> None:
    request = RequestFactory().post("/api/v1/anything")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    request.user = expert_mli
    with pytest.raises(HttpError) as refusal:
        session_auth(request)
    assert refusal.value.status_code == 403
    safe = RequestFactory().get("/api/v1/anything")
    safe.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    safe.user = expert_mli
    assert session_auth(safe) == expert_mli


def test_last_use_is_noted_at_most_once_a_minute(client: Client, expert_mli: User) -> None:
    created = api_token_create(actor=expert_mli, user=expert_mli, name="Script")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.get(ME, headers=_bearer(created.clear_token))
        assert ApiToken.objects.get().last_used_at == start
        traveller.shift(dt.timedelta(seconds=30))
        client.get(ME, headers=_bearer(created.clear_token))
        assert ApiToken.objects.get().last_used_at == start
        traveller.shift(dt.timedelta(seconds=31))
        client.get(ME, headers=_bearer(created.clear_token))
        assert ApiToken.objects.get().last_used_at == start + dt.timedelta(seconds=61)


def test_unknown_paths_answer_json_404(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404


def test_the_openapi_description_and_docs_are_public(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    description = schema.json()
    assert "/api/v1/me" in description["paths"]
    schemes = description["components"]["securitySchemes"]
    assert {"ApiTokenAuth", "ActiveSessionAuth"} <= set(schemes)
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (PermissionDenied(), 403, "Vous n\u2019êtes pas autorisé à faire cela."),
        (AuthorizationError(), 403, "Vous n\u2019êtes pas autorisé à faire cela."),
        (Http404(), 404, "Introuvable."),
    ],
)
def test_errors_are_json_with_a_translated_message(
    error: Exception, status: int, detail: str
) -> None:
    from liptako.api.api import api

    response = api.on_exception(RequestFactory().get("/api/v1/x"), error)
    assert response.status_code == status
    assert json.loads(response.content) == {"detail": detail}


def test_validation_errors_keep_the_details(db: None) -> None:
    from liptako.api.api import api

    errors = [{"loc": ["query", "page"], "msg": "Input should be a valid integer"}]
    response = api.on_exception(RequestFactory().get("/api/v1/x"), ValidationError(errors))
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "detail": "La requête n\u2019est pas valide.",
        "errors": errors,
    }


def test_the_testing_helper_authenticates(client: Client, observer: User) -> None:
    from liptako.testing import api_headers

    response = client.get(ME, headers=api_headers(observer))
    assert response.json()["username"] == "observer.mli"
