"""The Security page (password, two-step sign-in, log out everywhere), the code step and the password reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from rapport.core import passwords, two_factor
from rapport.core.models import ApiToken, User
from rapport.core.selectors import actor_of
from rapport.core.services import user_revoke_credentials
from rapport.web.account_forms import CodeForm, PasswordChangeForm, PasswordResetRequestForm, PasswordSetForm


def _staff_required(user: User) -> bool:
    return bool(settings.RAPPORT_REQUIRE_STAFF_TOTP) and (user.is_staff or user.is_administrator)


def _posted(request: HttpRequest) -> bool:
    return request.method == "POST"


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """GET shows the page; POST changes the password (this session stays, every other credential ends)."""
    user = actor_of(request)
    form = PasswordChangeForm(request.POST if _posted(request) else None)
    if _posted(request) and form.is_valid():
        data = form.cleaned_data
        done, _ = form.attempt(
            lambda: passwords.user_change_password(
                user=user, current_password=data["current_password"], new_password=data["new_password"], request=request
            )
        )
        if done:
            update_session_auth_hash(request, user)
            messages.success(request, gettext("Your password is changed. Every other session and API token is signed out."))
            return redirect("web:account_security")
    context = {
        "form": form,
        "enrolled": two_factor.has_second_factor(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "required": _staff_required(user),
        "token_count": ApiToken.objects.filter(user=user, revoked_at__isnull=True, credentials_epoch=user.credentials_epoch).count(),
    }
    return render(request, "web/account/security.html", context, status=form.status)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    user_revoke_credentials(user=actor_of(request))
    logout(request)
    messages.success(request, gettext("You are logged out everywhere: every session and API token of yours has ended."))
    return redirect("web:login")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


def _verified(request: HttpRequest, device: object) -> None:
    otp_login(request, device)
    request.session[two_factor.SESSION_KEY] = two_factor.NONE


@login_required
def login_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password, for people enrolled in two-step sign-in."""
    if two_factor.session_owes(request) != two_factor.VERIFY:
        return redirect(_next(request))
    user = actor_of(request)
    form = CodeForm(request.POST if _posted(request) else None)
    if _posted(request) and form.is_valid():
        done, device = form.attempt(lambda: two_factor.verify_code(user=user, code=form.cleaned_data["code"], request=request))
        if done:
            _verified(request, device)
            return redirect(_next(request))
    return render(request, "web/account/verify.html", {"form": form, "next": _next(request)}, status=form.status)


@login_required
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Enrol (setup key, then the first code), or see the state and manage recovery codes."""
    user = actor_of(request)
    enrolled = two_factor.has_second_factor(user)
    form = CodeForm(request.POST if _posted(request) and not enrolled else None)
    context: dict[str, object] = {"enrolled": enrolled, "required": _staff_required(user), "form": form}
    if enrolled:
        context["codes_left"] = two_factor.recovery_codes_left(user)
        return render(request, "web/account/two_factor.html", context)
    device = two_factor.totp_pending(user)
    if _posted(request) and form.is_valid():
        done, confirmed = form.attempt(lambda: two_factor.totp_confirm(user=user, code=form.cleaned_data["code"], request=request))
        if done and confirmed is not None:
            # Sessions and tokens opened with the password alone end; this one is verified by the code.
            user_revoke_credentials(user=user)
            update_session_auth_hash(request, user)
            _verified(request, confirmed[0])
            messages.success(request, gettext("Two-step sign-in is on."))
            return render(request, "web/account/recovery_codes.html", {"codes": confirmed[1]})
    context |= {
        "secret": two_factor.secret_in_groups(device),
        "config_url": device.config_url,
        "qr_code": two_factor.setup_qr_code(device),
    }
    return render(request, "web/account/two_factor.html", context, status=form.status)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    if not two_factor.has_second_factor(user):
        return redirect("web:two_factor")
    return render(request, "web/account/recovery_codes.html", {"codes": two_factor.recovery_codes_renew(user=user)})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        done, _ = form.attempt(lambda: two_factor.totp_disable(user=user, code=form.cleaned_data["code"], request=request))
        if done:
            messages.success(request, gettext("Two-step sign-in is off."))
            return redirect("web:account_security")
    context = {"enrolled": True, "required": _staff_required(user), "form": form, "codes_left": two_factor.recovery_codes_left(user)}
    return render(request, "web/account/two_factor.html", context, status=form.status)


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; the answer is the same whether or not an account uses the address."""
    form = PasswordResetRequestForm(request.POST if _posted(request) else None)
    sent = False
    if _posted(request) and form.is_valid():
        base_url = settings.RAPPORT_BASE_URL or request.build_absolute_uri("/")
        email = form.cleaned_data["email"]
        sent, _ = form.attempt(
            lambda: passwords.password_reset_request(email=email, base_url=base_url, language=get_language(), request=request)
        )
    context = {"form": form, "sent": sent, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    return render(request, "web/account/password_reset.html", context, status=form.status)


def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the mail: choose a new password. A used, expired or guessed link is a 404 page."""
    reset_user = passwords.password_reset_user(uidb64=uidb64, token=token)
    if reset_user is None:
        return render(request, "web/account/password_reset_confirm.html", {"form": None}, status=404)
    form = PasswordSetForm(request.POST if _posted(request) else None)
    if _posted(request) and form.is_valid():
        new_password = form.cleaned_data["new_password"]
        done, _ = form.attempt(lambda: passwords.password_reset_complete(uidb64=uidb64, token=token, new_password=new_password))
        if done:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, gettext("Your new password is set. Log in with it."))
            return redirect("web:login")
    return render(request, "web/account/password_reset_confirm.html", {"form": form, "reset_user": reset_user})
