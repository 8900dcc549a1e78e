"""The optional second factor: a TOTP authenticator app, with single-use recovery codes (django-otp).

Anyone may enrol; with ``RAPPORT_REQUIRE_STAFF_TOTP`` staff (administrators)
must enrol before they reach any page. Once enrolled, a password alone opens
nothing: the pages ask for a code after the sign-in (``SecondFactorMiddleware``),
the session API refuses an unverified session, and ``POST /auth/token`` wants
the code beside the password. Wrong codes count in the sign-in throttle
(``core.security.LOGIN``), per account and per address.
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.common.errors import Throttled, ValidationFailed
from rapport.core.models import User
from rapport.core.security import LOGIN

RECOVERY_CODES = 10
# What a signed-in session still owes, kept in the session from the sign-in on (no query per request).
SESSION_KEY = "rapport_second_factor"
NONE, VERIFY, ENROL = "none", "verify", "enrol"
_CODE_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyz")


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def must_enrol(user: User) -> bool:
    """Staff must enrol when the administrator asks for it, and have not yet."""
    staff = user.is_staff or user.is_administrator
    return bool(settings.RAPPORT_REQUIRE_STAFF_TOTP) and staff and not has_second_factor(user)


def totp_pending(user: User) -> TOTPDevice:
    """The authenticator being enrolled (a new secret until it is confirmed with a code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_in_groups(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_qr_code(device: TOTPDevice) -> str:
    """The app's setup link as a QR code, a ``data:`` SVG for an ``<img>``: the CSP's ``img-src data:``
    admits it, and no markup of ours is marked safe. The link names the secret, so it is never stored
    or served from a URL a cache could keep."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_data_uri(scale=4, border=4, dark="#111827", light="#ffffff"))


def _normalised(code: str) -> str:
    return "".join((code or "").split()).lower()[:32]


def _check(user: User, code: str, request: HttpRequest | None, devices: list[Device]) -> Device:
    if wait := LOGIN.locked_for(user.username, request):
        raise Throttled("Too many wrong codes for this account or address; try again later.", retry_after=wait)
    token = _normalised(code)
    if token and set(token) <= _CODE_CHARS:
        for device in devices:
            if device.verify_token(token):
                LOGIN.clear_account(user.username)
                return device
    LOGIN.count(user.username, request)
    raise ValidationFailed.for_field("code", "That code is not right; use the current code from your app or a recovery code.")


def verify_code(*, user: User, code: str, request: HttpRequest | None = None) -> Device:
    """The confirmed device (authenticator or recovery codes) that accepts this code; a recovery code is used up."""
    return _check(user, code, request, list(devices_for_user(user, confirmed=True)))


def totp_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with its first code; returns it and fresh recovery codes."""
    pending = totp_pending(user)
    _check(user, code, request, [pending])
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        codes = recovery_codes_renew(user=user)
    return pending, codes


def recovery_codes_renew(*, user: User) -> list[str]:
    """New single-use recovery codes; the old ones stop working. Shown once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_disable(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Turn the second factor off (a current code proves the phone is at hand); refused when staff must keep it."""
    if settings.RAPPORT_REQUIRE_STAFF_TOTP and (user.is_staff or user.is_administrator):
        raise ValidationFailed.for_field("code", "Your administrator requires a second factor for staff; it cannot be turned off.")
    verify_code(user=user, code=code, request=request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def second_factor_state(user: User) -> str:
    if has_second_factor(user):
        return VERIFY
    return ENROL if must_enrol(user) else NONE


def remember_state_at_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """On every sign-in (the login page, the admin's, a test's ``force_login``): note what is owed."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = second_factor_state(user)


def session_owes(request: HttpRequest) -> str:
    """NONE, VERIFY (a code after the password) or ENROL (staff who must enrol first)."""
    user = request.user
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
        return NONE
    state = request.session.get(SESSION_KEY)
    staff_must = bool(settings.RAPPORT_REQUIRE_STAFF_TOTP) and (user.is_staff or getattr(user, "is_administrator", False))
    if state not in (NONE, VERIFY, ENROL) or (state == NONE and staff_must):
        state = second_factor_state(user)  # type: ignore[arg-type]
        request.session[SESSION_KEY] = state
    return str(state)
