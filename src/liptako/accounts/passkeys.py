"""Passkeys (django-otp-webauthn) as one more second factor: its JSON endpoints, our rules.

The package's views do the WebAuthn ceremonies (options, challenge kept in the session,
py_webauthn's verification); these subclasses decide who may run them and what a success
means here (docs/decisions/0220, 0221):

- registering a passkey needs a session with nothing pending (verified, or a user without
  a second factor yet), like replacing the authenticator app;
- the assertion is only for the half-logged-in session that owes its second factor (never a
  password-less log-in); success is the same ``sessions.second_factor_given`` as a TOTP code;
- every refusal answers a French ``detail`` (the package's messages have no French) and the
  writes and audit rows are in ``services``.

The browser side is our own ``accounts/static/accounts/passkeys.js`` (no inline script).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from liptako.accounts import services, sessions
from liptako.accounts.models import User

PASSKEY_NAME_MAX_LENGTH = 64  # django-otp's Device.name


class LiptakoWebAuthnHelper(WebAuthnHelper):
    """The package's helper, with the development origins of decision 0220.

    With the relying party ``localhost`` (no LIPTAKO_BASE_URL, or one that is an IP address)
    the page's own ``http://localhost:<port>`` is accepted whatever the port, so development
    servers and the browser tests (random ports) work. Elsewhere only the configured origins.
    """

    def get_allowed_origins(self) -> list[str]:
        origins = list(super().get_allowed_origins())
        if settings.OTP_WEBAUTHN_RP_ID == "localhost":
            host = self.request.get_host()  # already checked against ALLOWED_HOSTS
            if urlsplit(f"//{host}").hostname == "localhost":
                origins.append(f"{self.request.scheme}://{host}")
        return origins


def _french_detail(error: exceptions.OTPWebAuthnApiError) -> str:
    """What the person reads when a ceremony is refused (the package's text is English)."""
    if isinstance(error, (exceptions.NotAuthenticated, exceptions.NotVerified)):
        return _("This page cannot use a passkey now: reload it, or log in again.")
    if isinstance(error, exceptions.InvalidState):
        return _("The passkey request expired or was already used: try again.")
    if isinstance(error, (PasskeyNameInvalid, PasskeyRefused)):
        return str(error.detail)
    if isinstance(error, exceptions.CredentialNotFound):
        return _("This passkey is not registered for your account.")
    return _("The request was not understood: reload the page and try again.")


class PasskeyNameInvalid(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "invalid_name"


class PasskeyRefused(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "passkey_refused"


class _FrenchErrors:
    """The package's JSON errors, with a French ``detail``."""

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            return JsonResponse(
                {"detail": _french_detail(exc), "code": exc.code}, status=exc.status_code
            )
        raise exc


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise exceptions.NotAuthenticated()
    return user


class _RegistrationRules:
    request: HttpRequest

    def get_user(self) -> User | None:
        user = self.request.user
        return user if isinstance(user, User) and user.is_active else None

    def _check_user_verified(self, user: Any) -> None:
        # Our session state, not django-otp's OTPMiddleware (not installed: decision 0150).
        # The middleware already keeps a session that owes a factor away from here.
        if sessions.second_factor_pending(self.request) is not None:
            raise exceptions.NotVerified()


class PasskeyRegisterBegin(_FrenchErrors, _RegistrationRules, BeginCredentialRegistrationView):
    """POST: the options for ``navigator.credentials.create`` (challenge kept in the session)."""


class PasskeyRegisterComplete(
    _FrenchErrors, _RegistrationRules, CompleteCredentialRegistrationView
):
    """POST ``{"name": …, "credential": …}``: verify the new passkey and keep it (audited)."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        user = _signed_in_user(self.request)
        payload: Any = self.request.data  # type: ignore[attr-defined]
        name = payload.get("name") if isinstance(payload, dict) else None
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > PASSKEY_NAME_MAX_LENGTH:
            raise PasskeyNameInvalid(
                detail=_("Give the passkey a name of at most %(max)d characters.")
                % {"max": PASSKEY_NAME_MAX_LENGTH}
            )
        state = self.get_state()  # single use, whatever follows
        credential = payload.get("credential")
        device = services.passkey_register(
            actor=user,
            user=user,
            helper=self.get_helper(),
            state=state,
            data=credential if isinstance(credential, dict) else {},
            name=name,
        )
        if device is None:
            raise PasskeyRefused(
                detail=_("This passkey could not be registered: nothing was changed. Try again.")
            )
        return JsonResponse({"id": device.pk, "redirect_url": reverse("accounts:two-factor")})


class _AssertionRules:
    request: HttpRequest

    def get_user(self) -> User | None:
        user = self.request.user
        return user if isinstance(user, User) and user.is_active else None

    def check_can_authenticate(self) -> None:
        # Only the session that gave its password and owes the second factor: a passkey is
        # never a way in without the password here (no password-less log-in).
        user = self.get_user()
        if user is None or sessions.second_factor_pending(self.request) != sessions.VERIFY:
            raise exceptions.NotAuthenticated()


class PasskeyLoginBegin(_FrenchErrors, _AssertionRules, BeginCredentialAuthenticationView):
    """POST: the options for ``navigator.credentials.get``, limited to the user's passkeys."""


class PasskeyLoginComplete(_FrenchErrors, _AssertionRules, CompleteCredentialAuthenticationView):
    """POST the assertion: on success the session is verified, as with the app's code."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        from liptako.accounts.views import next_url

        user = _signed_in_user(self.request)
        state = self.get_state()  # single use: a replayed assertion finds no challenge
        payload: Any = self.request.data  # type: ignore[attr-defined]
        device = services.second_factor_passkey_verify(
            user=user,
            helper=self.get_helper(),
            state=state,
            data=payload if isinstance(payload, dict) else {},
            ip_address=get_client_ip_address(self.request),
        )
        if device is None:
            raise PasskeyRefused(
                detail=_("The passkey was not accepted. Try again, or type the code of your app.")
            )
        sessions.second_factor_given(self.request, device)
        return JsonResponse({"id": device.pk, "redirect_url": next_url(self.request)})
