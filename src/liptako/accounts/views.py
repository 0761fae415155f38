"""Log-in, profile, password and personal API token pages (thin: the rules are in services)."""

from __future__ import annotations

import base64
from typing import Any

import segno
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liptako.accounts import services, sessions
from liptako.accounts.forms import (
    ApiTokenCreateForm,
    PreferencesForm,
    SecondFactorForm,
    TotpEnrolForm,
)
from liptako.accounts.models import User
from liptako.accounts.passkeys import PASSKEY_NAME_MAX_LENGTH
from liptako.accounts.permissions import access_api_token, access_passkey
from liptako.accounts.selectors import passkey_list_for_user

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


# --- Second factor ----------------------------------------------------------------------------

PENDING_TOTP_KEY = "accounts.pending_totp_key"
NEW_RECOVERY_CODES_KEY = "accounts.new_recovery_codes"
AFTER_CODES_KEY = "accounts.after_recovery_codes"


def next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is given: ``next`` if it is ours, else home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Second step of the log-in, for users with a device: the app's code or a recovery code."""
    user = _user(request)
    if sessions.second_factor_pending(request) != sessions.VERIFY:
        return redirect(next_url(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.second_factor_verify(
            user=user, code=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        )
        if check is not None:
            sessions.second_factor_given(request, check.device)
            if check.is_recovery_code:
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)d is left. Renew them from your "
                        "account if you lost your phone.",
                        "You used a recovery code: %(count)d are left. Renew them from your "
                        "account if you lost your phone.",
                        check.recovery_codes_left,
                    )
                    % {"count": check.recovery_codes_left},
                )
            return redirect(next_url(request))
        form.add_error(
            "code",
            _(
                "This code is not valid, was already used, or came after too many attempts: "
                "wait a few seconds and type the code the app shows now."
            ),
        )
    return render(
        request,
        "accounts/login_code.html",
        {
            "form": form,
            "next": next_url(request),
            "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "has_passkey": passkey_list_for_user(user=user).exists(),
        },
    )


@never_cache
@require_http_methods(["GET"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The user's second factor: whether they have one, recovery codes left, what they can do."""
    user = _user(request)
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    recovery_codes_left = StaticToken.objects.filter(
        device__user=user, device__confirmed=True
    ).count()
    return render(
        request,
        "accounts/two_factor.html",
        {
            "totp": totp,
            "recovery_codes_left": recovery_codes_left,
            "is_required": user.requires_second_factor,
            "passkeys": passkey_list_for_user(user=user),
            "passkey_name_max_length": PASSKEY_NAME_MAX_LENGTH,
        },
    )


def _secret_for_display(key_hex: str) -> str:
    secret = base64.b32encode(bytes.fromhex(key_hex)).decode()
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code and secret, then its first code confirms it."""
    user = _user(request)
    if sessions.second_factor_pending(request) == sessions.VERIFY:
        # Replacing a device needs the current one first: give its code.
        return redirect(f"{resolve_url('accounts:login-code')}?{request.GET.urlencode()}")
    key_hex = request.session.get(PENDING_TOTP_KEY) or services.totp_key_new()
    request.session[PENDING_TOTP_KEY] = key_hex
    form = TotpEnrolForm(request.POST or None, key_hex=key_hex)
    if request.method == "POST" and form.is_valid():
        enrolment = services.two_factor_enrol(
            actor=user, user=user, key_hex=key_hex, code=form.cleaned_data["code"]
        )
        del request.session[PENDING_TOTP_KEY]
        sessions.second_factor_given(request, enrolment.device)
        request.session[NEW_RECOVERY_CODES_KEY] = enrolment.recovery_codes
        request.session[AFTER_CODES_KEY] = next_url(request)
        messages.success(request, _("Two-factor authentication is on for your account."))
        return redirect("accounts:recovery-codes")
    uri = TOTPDevice(user=user, key=key_hex, name=services.TOTP_DEVICE_NAME).config_url
    qr_code = segno.make(uri, error="m").svg_inline(
        scale=4, title=_("QR code to scan with the authenticator app")
    )
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_code": mark_safe(qr_code),  # noqa: S308 (segno's SVG of our own URI)
            "secret": _secret_for_display(key_hex),
            "is_required": user.requires_second_factor,
            "next": next_url(request),
        },
    )


@never_cache  # recovery codes in clear: no cache may keep this page
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET: the new recovery codes, shown once. POST: new codes replace the old ones."""
    user = _user(request)
    if request.method == "POST":
        try:
            codes = services.recovery_codes_renew(actor=user, user=user)
        except ValueError:
            messages.error(request, _("Set up an authenticator app first."))
            return redirect("accounts:two-factor")
        request.session[NEW_RECOVERY_CODES_KEY] = codes
        request.session[AFTER_CODES_KEY] = resolve_url("accounts:two-factor")
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(NEW_RECOVERY_CODES_KEY, None)
    after = request.session.pop(AFTER_CODES_KEY, None) or resolve_url("accounts:two-factor")
    if not codes:
        return redirect("accounts:two-factor")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "after": after})


@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove the app and the recovery codes; every other session of the user ends."""
    user = _user(request)
    if services.two_factor_remove(actor=user, user=user):
        update_session_auth_hash(
            request, user
        )  # this session stays (verified if a passkey is left)
        sessions.second_factor_dropped(request, user)
        if services.user_has_second_factor(user):
            messages.success(
                request,
                _(
                    "The authenticator app and its recovery codes are removed; "
                    "your passkeys remain."
                ),
            )
        else:
            messages.success(request, _("Two-factor authentication is off for your account."))
    if user.requires_second_factor and not services.user_has_second_factor(user):
        return redirect("accounts:two-factor-enrol")
    return redirect("accounts:two-factor")


@require_POST
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Remove one of the user's passkeys; every other session of the user ends."""
    user = _user(request)
    passkey = access_passkey(user, passkey_id)
    try:
        services.passkey_remove(actor=user, user=user, passkey=passkey)
    except services.LastSecondFactorError:
        messages.error(
            request,
            _(
                "This passkey is your last second factor and your role requires one: set up "
                "the authenticator app or another passkey before removing it."
            ),
        )
        return redirect("accounts:two-factor")
    update_session_auth_hash(request, user)  # this session stays; the others end
    messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": passkey.name})
    return redirect("accounts:two-factor")
