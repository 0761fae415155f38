"""Error pages: in the user's language, inside the layout, saying what to do next."""

from __future__ import annotations

import types

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path

from liptako.accounts.models import User
from liptako.testing import TEST_PASSWORD


@login_not_required
def _broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


_BROKEN_URLCONF = types.ModuleType("broken_urls")
_BROKEN_URLCONF.urlpatterns = [path("casse/", _broken_view)]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_an_unknown_page_says_so_in_french_inside_the_layout(
    client: Client, expert_mli: User
) -> None:
    client.force_login(expert_mli)
    response = client.get("/nulle-part/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in page
    assert "Retour à l\N{RIGHT SINGLE QUOTATION MARK}accueil" in page
    assert page.count('class="marking-banner"') == 2


@pytest.mark.django_db
def test_an_expired_form_explains_what_to_do(client: Client, expert_mli: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/comptes/connexion/", {"username": "expert.mli", "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


@pytest.mark.django_db
def test_a_server_error_shows_a_plain_page_that_needs_no_database() -> None:
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=_BROKEN_URLCONF):
        response = client.get("/casse/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Erreur du serveur" in page
    assert "marking-banner" not in page
