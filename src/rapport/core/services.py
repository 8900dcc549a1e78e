"""Writes for users, teams, API tokens and exchange rates."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from rapport.common.errors import AuthenticationFailed, NotFound, PermissionDenied, Throttled, ValidationFailed
from rapport.common.money import validate_currency
from rapport.core import policies, two_factor
from rapport.core.models import ApiToken, ExchangeRate, Role, Team, TokenScope, User
from rapport.core.security import login_locked_for

TOKEN_PREFIX = "rap_"  # noqa: S105 (a marker that makes leaked tokens greppable, not a secret)

_ROLE_RANK = {
    Role.ADMINISTRATOR: 5,
    Role.SALES_MANAGER: 4,
    Role.ANALYST: 3,
    Role.MARKETER: 3,
    Role.SERVICE_AGENT: 2,
    Role.SALES_REP: 2,
}


def team_get_or_create(*, slug: str, name: str | None = None, parent: Team | None = None) -> Team:
    team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name or slug.replace("-", " ").title(), "parent": parent})
    return team


def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.SALES_REP,
    team: Team | None = None,
    manager: User | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    time_zone: str = "Asia/Shanghai",
) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed.for_field("username", "A username is required.")
    if role not in Role.values:
        raise ValidationFailed.for_field("role", f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed.for_field("username", f"The username '{username}' is taken.")
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(field_errors={"password": list(exc.messages)}) from exc
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        team=team,
        manager=manager,
        language=language,
        time_zone=time_zone,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    user.set_password(password)
    user.save()
    return user


def is_downgrade(*, before: User, after: User) -> bool:
    """Fewer rights than before: a lower role, staff or superuser taken away, or deactivated."""
    return (
        _ROLE_RANK[Role(after.role)] < _ROLE_RANK[Role(before.role)]
        or (before.is_staff and not after.is_staff)
        or (before.is_superuser and not after.is_superuser)
        or (before.is_active and not after.is_active)
    )


def user_change_role(*, actor: User, user: User, role: str) -> User:
    """Only administrators change roles; a downgrade revokes the user's tokens and sessions."""
    if not policies.can_manage_users(actor):
        raise PermissionDenied("Only administrators change roles.")
    if role not in Role.values:
        raise ValidationFailed.for_field("role", f"Unknown role '{role}'.")
    downgrade = _ROLE_RANK[Role(role)] < _ROLE_RANK[Role(user.role)]
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    if downgrade:
        user_revoke_credentials(user=user)
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Keep the UI language a user chose; a personal preference, not customer data (no audit)."""
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise ValidationFailed.for_field("language", f"Choose one of {', '.join(code for code, _ in settings.LANGUAGES)}.")
    if language != user.language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_revoke_credentials(*, user: User) -> None:
    """End every session and API token the user holds (log out everywhere, password change, downgrade).

    Sessions hash the epoch (``User._get_session_auth_hash``), tokens carry the epoch they were issued in.
    """
    User.objects.filter(pk=user.pk).update(credentials_epoch=F("credentials_epoch") + 1)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["credentials_epoch"])


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_issue(
    *, user: User, scope: str = TokenScope.READ_WRITE, name: str = "API token", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is never stored and cannot be shown again."""
    if scope not in TokenScope.values:
        raise ValidationFailed.for_field("scope", f"Choose one of {', '.join(TokenScope.values)}.")
    days = settings.RAPPORT_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise ValidationFailed.for_field("days", "A token lives between 1 and 366 days.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100] or "API token",
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash(secret),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
        credentials_epoch=user.credentials_epoch,
    )
    return token, secret


def token_issue_for_credentials(
    *,
    username: str,
    password: str,
    scope: str,
    name: str,
    days: int | None,
    otp_code: str | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    if wait := login_locked_for(username, request):
        raise Throttled("Too many failed sign-ins for this account or address; try again later.", retry_after=wait)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        # One message for unknown users and wrong passwords: no account enumeration.
        raise AuthenticationFailed("Wrong username or password.")
    assert isinstance(user, User)
    if two_factor.has_second_factor(user):
        if not otp_code:
            raise AuthenticationFailed("This account has a second factor: send the current code as otp_code.")
        try:
            two_factor.verify_code(user=user, code=otp_code, request=request)
        except ValidationFailed as exc:
            raise AuthenticationFailed("Wrong second-factor code.") from exc
    elif two_factor.must_enrol(user):
        raise PermissionDenied("Staff must enrol a second factor on the Security page before using the API.")
    return token_issue(user=user, scope=scope, name=name, days=days)


def token_authenticate(secret: str) -> ApiToken | None:
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if token.credentials_epoch != token.user.credentials_epoch:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise NotFound("No such active token.")


@transaction.atomic
def exchange_rate_set(*, actor: User, currency: str, rate_to_base: Decimal, valid_from: date) -> ExchangeRate:
    if not actor.is_administrator:
        raise PermissionDenied("Only administrators set exchange rates.")
    code = validate_currency(currency)
    if code == settings.RAPPORT_BASE_CURRENCY:
        raise ValidationFailed.for_field("currency", f"{code} is the base currency; its rate is always 1.")
    if rate_to_base <= 0:
        raise ValidationFailed.for_field("rate_to_base", "A rate must be positive.")
    rate, _ = ExchangeRate.objects.update_or_create(currency=code, valid_from=valid_from, defaults={"rate_to_base": rate_to_base})
    return rate


def _require_admin(actor: User) -> None:
    if not policies.can_manage_users(actor):
        raise PermissionDenied("Only administrators manage users and teams.")


def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """An administrator changes a user's profile, team, manager, role or active flag."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    fields: list[str] = []
    for key in ("first_name", "last_name", "email", "phone", "time_zone", "language"):
        if key in data:
            value = str(data[key] or "").strip()
            limit = getattr(User._meta.get_field(key), "max_length", None) or 255
            if len(value) > limit:
                errors.setdefault(key, []).append(f"At most {limit} characters.")
            setattr(user, key, value)
            fields.append(key)
    if "team_id" in data:
        team_id = data["team_id"]
        team = Team.objects.filter(pk=team_id).first() if team_id not in (None, "") else None
        if team_id not in (None, "") and team is None:
            errors.setdefault("team_id", []).append("No such team.")
        user.team = team
        fields.append("team")
    if "manager_id" in data:
        manager_id = data["manager_id"]
        manager = User.objects.filter(pk=manager_id).first() if manager_id not in (None, "") else None
        if manager_id not in (None, "") and manager is None:
            errors.setdefault("manager_id", []).append("No such user.")
        elif manager is not None and (manager.pk == user.pk or user.pk in _manager_chain(manager)):
            errors.setdefault("manager_id", []).append("A user cannot report to themselves or to someone who reports to them.")
        user.manager = manager
        fields.append("manager")
    if "is_active" in data:
        if user.pk == actor.pk and data["is_active"] is False:
            errors.setdefault("is_active", []).append("You cannot deactivate yourself.")
        user.is_active = bool(data["is_active"])
        fields.append("is_active")
    if errors:
        raise ValidationFailed(next(iter(errors)) + ": " + next(iter(errors.values()))[0], field_errors=errors)
    with transaction.atomic():
        if fields:
            user.save(update_fields=fields)
        if "role" in data and data["role"] != user.role:
            if user.pk == actor.pk:
                raise ValidationFailed.for_field("role", "You cannot change your own role.")
            user_change_role(actor=actor, user=user, role=str(data["role"]))
        if user.is_active is False:
            user_revoke_credentials(user=user)
    return user


def _manager_chain(user: User) -> set[int]:
    chain: set[int] = set()
    current: User | None = user
    while current is not None and current.manager_id and current.manager_id not in chain:
        chain.add(current.manager_id)
        current = User.objects.filter(pk=current.manager_id).first()
    return chain


def team_create(*, actor: User, name: str, slug: str, parent_id: int | None = None) -> Team:
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not name:
        errors["name"] = ["A name is required."]
    if not slug or not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > 60:
        errors["slug"] = ["Use up to 60 letters, digits, - and _."]
    elif Team.objects.filter(slug=slug).exists():
        errors["slug"] = [f"A team '{slug}' exists."]
    parent = Team.objects.filter(pk=parent_id).first() if parent_id else None
    if parent_id and parent is None:
        errors["parent_id"] = ["No such team."]
    if errors:
        raise ValidationFailed(next(iter(errors)) + ": " + next(iter(errors.values()))[0], field_errors=errors)
    return Team.objects.create(name=name[:120], slug=slug, parent=parent)


def team_update(*, actor: User, team: Team, data: dict[str, Any]) -> Team:
    _require_admin(actor)
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name or len(name) > 120:
            raise ValidationFailed.for_field("name", "A name of 1 to 120 characters is required.")
        team.name = name
    if "parent_id" in data:
        parent_id = data["parent_id"]
        parent = Team.objects.filter(pk=parent_id).first() if parent_id not in (None, "") else None
        if parent_id not in (None, "") and parent is None:
            raise ValidationFailed.for_field("parent_id", "No such team.")
        if parent is not None and parent.pk in policies.team_subtree_ids(team.pk):
            raise ValidationFailed.for_field("parent_id", "A team cannot sit under itself or its own sub-team.")
        team.parent = parent
    team.save()
    return team


def team_delete(*, actor: User, team: Team) -> None:
    _require_admin(actor)
    if team.members.exists() or team.children.exists():
        raise ValidationFailed.for_field("id", "Move the team's members and sub-teams first.")
    from django.db.models import ProtectedError

    try:
        team.delete()
    except ProtectedError as exc:
        raise ValidationFailed.for_field("id", "Customer records still belong to this team; reassign them first.") from exc
