"""Log-in, profile, password and personal API token pages (thin: the rules are in services)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from liptako.accounts import services
from liptako.accounts.forms import ApiTokenCreateForm, PreferencesForm
from liptako.accounts.models import User
from liptako.accounts.permissions import access_api_token

NEW_TOKEN_SESSION_KEY = "accounts.new_api_token"  # noqa: S105 (a session key name)


def _apply_language(response: HttpResponseBase, language: str) -> None:
    """Make ``language`` the language of the next pages (the cookie LocaleMiddleware reads)."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Django's log-in page, then the user's own language for the pages that follow."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _apply_language(response, form.get_user().language)
        return response


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware: only signed-in users get here
    return user


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_password_change(
            actor=user, user=user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)  # this session stays; the others end
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(
        request.POST or None, initial={"timezone": user.timezone, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(
            actor=user,
            user=user,
            timezone=form.cleaned_data["timezone"],
            language=form.cleaned_data["language"],
        )
        response = redirect("accounts:profile")
        _apply_language(response, user.language)
        messages.success(request, _("Your preferences have been saved."))
        return response
    memberships = user.memberships.select_related("member_state").order_by(
        "role", "member_state__name"
    )
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": memberships, "clearance": user.clearance},
    )


@never_cache  # the page that shows a new token must not be kept by any cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApiTokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.api_token_create(actor=user, user=user, name=form.cleaned_data["name"])
        # Shown once, on the page the redirect leads to, then gone from the session.
        request.session[NEW_TOKEN_SESSION_KEY] = {
            "id": created.token.pk,
            "token": created.clear_token,
        }
        return redirect("accounts:token-list")
    new_token = (
        request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    )
    page = Paginator(user.api_tokens.order_by("-created_at", "-pk"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/token_list.html",
        {"form": form, "page": page, "tokens": page.object_list, "new_token": new_token},
    )


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = access_api_token(user, token_id, write=True)
    services.api_token_revoke(actor=user, token=token)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "accounts/_token_row.html", {"token": token})
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:token-list")
