"""Changing a password, and resetting a forgotten one by email.

A change needs the current password (a stolen session or token alone cannot
take the account over) and ends every other session and every API token. A
reset request is answered the same whether or not the address belongs to an
account: the door only counts the request and queues a task, and the task
looks the address up and mails the link, so neither the answer nor its timing
tells. The link is Django's reset token (HMAC over the password hash, last
login and time): it expires after ``PASSWORD_RESET_TIMEOUT`` seconds and dies
once used, because using it changes the password hash.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django_tasks import task

from rapport.common.errors import Throttled, ValidationFailed
from rapport.core.jobs.mail import email_queue
from rapport.core.models import User
from rapport.core.security import LOGIN, PASSWORD_RESET
from rapport.core.services import user_revoke_credentials

_LANGUAGES = {code for code, _ in settings.LANGUAGES}


def _validated(password: str, *, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(f"{field}: {exc.messages[0]}", field_errors={field: list(exc.messages)}) from exc


def _set_password(user: User, new_password: str) -> User:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_revoke_credentials(user=user)
    return user


def user_change_password(*, user: User, current_password: str, new_password: str, request: object = None) -> User:
    """Check the current password (throttled like a sign-in), set the new one, end all other credentials.

    The caller keeps its own session by calling ``update_session_auth_hash`` afterwards; every other
    session and every API token (including one used for this request) stops working.
    """
    if wait := LOGIN.locked_for(user.username, request):  # type: ignore[arg-type]
        raise Throttled("Too many wrong passwords for this account or address; try again later.", retry_after=wait)
    if not user.check_password(current_password):
        LOGIN.count(user.username, request)  # type: ignore[arg-type]
        raise ValidationFailed.for_field("current_password", "Your current password is not right.")
    if current_password == new_password:
        raise ValidationFailed.for_field("new_password", "Choose a password different from the current one.")
    _validated(new_password, user=user, field="new_password")
    return _set_password(user, new_password)


def password_reset_request(*, email: str, base_url: str, language: str, request: object = None) -> None:
    """Count the request and queue the mail task; the same for known and unknown addresses."""
    address = (email or "").strip()
    if not address or "@" not in address or len(address) > 254 or any(ch in address for ch in "\r\n\x00"):
        raise ValidationFailed.for_field("email", "Enter the email address of your account.")
    if wait := PASSWORD_RESET.locked_for(address, request):  # type: ignore[arg-type]
        raise Throttled("Too many reset requests for this address; try again later.", retry_after=wait)
    PASSWORD_RESET.count(address, request)  # type: ignore[arg-type]
    language = language if language in _LANGUAGES else settings.LANGUAGE_CODE
    transaction.on_commit(lambda: password_reset_send.enqueue(email=address, base_url=base_url, language=language))


@task()
def password_reset_send(email: str, base_url: str, language: str) -> int:
    """Mail a reset link to each active account with this address; how many were mailed."""
    users = list(User.objects.filter(email__iexact=email, is_active=True).exclude(email="").order_by("pk"))
    for user in users:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        link = base_url.rstrip("/") + reverse("web:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        with translation.override(user.language if user.language in _LANGUAGES else language):
            subject = gettext("Reset your Rapport password")
            body = gettext(
                "Hello %(name)s,\n\n"
                "someone (we hope you) asked to reset the password of your Rapport account “%(username)s”.\n"
                "Open this link within %(minutes)s minutes to choose a new one; it works once:\n\n%(link)s\n\n"
                "If you did not ask, ignore this message: your password stays as it is."
            ) % {"name": user.get_full_name() or user.username, "username": user.username, "minutes": minutes, "link": link}
        email_queue(to=[user.email], subject=subject, body=body)
    return len(users)


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The account a reset link is for, when the link is genuine, unused and not expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < pk < 2**63:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, uidb64: str, token: str, new_password: str) -> User:
    """Set the new password from a valid link; the link, every session and every token die with the old hash."""
    user = password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        raise ValidationFailed.for_field("token", "This reset link is not valid any more; ask for a new one.")
    _validated(new_password, user=user, field="new_password")
    return _set_password(user, new_password)
