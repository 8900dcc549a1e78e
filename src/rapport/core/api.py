"""Auth tokens, users and teams."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.ninja import Id, OptionalId
from rapport.common.pagination import keyset_page
from rapport.core import passwords, selectors, services
from rapport.core.models import ApiToken, ExchangeRate, Team, User
from rapport.core.schemas import (
    CurrencySettingsOut,
    ExchangeRateIn,
    ExchangeRateOut,
    PasswordChangeIn,
    TeamIn,
    TeamOut,
    TeamPatch,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)

router = Router(tags=["auth, users and teams"])


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class UserFilters(Schema):
    role: str | None = None
    team_id: OptionalId = None
    limit: int = 50
    cursor: str | None = None


@router.post("/auth/token", auth=None, response={201: TokenOut}, summary="Get an API token for a username and password")
def issue_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, secret = services.token_issue_for_credentials(
        username=payload.username,
        password=payload.password,
        scope=payload.scope,
        name=payload.name,
        days=payload.days,
        otp_code=payload.otp_code,
        request=request,
    )
    return Status(201, {"id": token.pk, "token": secret, "scope": token.scope, "expires_at": token.expires_at})


@router.post(
    "/auth/password",
    response={204: None},
    summary="Change my password (ends every other session and every API token, this one included)",
)
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
    user = selectors.actor_of(request)
    passwords.user_change_password(user=user, current_password=payload.current_password, new_password=payload.new_password, request=request)
    if getattr(request, "api_token", None) is None and hasattr(request, "session"):
        update_session_auth_hash(request, user)  # the browser that changed it stays signed in
    return Status(204, None)


@router.post("/auth/logout-everywhere", response={204: None}, summary="End every session and API token I have, this one included")
def logout_everywhere(request: HttpRequest) -> Status[None]:
    services.user_revoke_credentials(user=selectors.actor_of(request))
    return Status(204, None)


@router.get("/auth/tokens", response=list[TokenInfoOut], summary="My API tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=selectors.actor_of(request)).order_by("-created_at")[:100])


@router.delete("/auth/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    services.token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/users", response=UserPage)
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> dict[str, object]:
    qs = selectors.user_list_for_user(user=request.user)  # type: ignore[arg-type]
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    page = keyset_page(qs, sort="username", cursor=filters.cursor, limit=filters.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/users/me", response=UserOut)
def me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: Id) -> User:
    return selectors.user_get_for_user(user=request.user, user_id=user_id)  # type: ignore[arg-type]


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserIn) -> Status[User]:
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_administrator:
        raise NotFound("No such operation for your role.")
    team = Team.objects.filter(pk=payload.team_id).first() if payload.team_id else None
    if payload.team_id and team is None:
        raise ValidationFailed.for_field("team_id", "No such team.")
    manager = User.objects.filter(pk=payload.manager_id).first() if payload.manager_id else None
    if payload.manager_id and manager is None:
        raise ValidationFailed.for_field("manager_id", "No such user.")
    user = services.user_create(
        username=payload.username,
        password=payload.password,
        role=payload.role,
        team=team,
        manager=manager,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, user)


@router.patch("/users/{user_id}", response=UserOut)
def update_user(request: HttpRequest, user_id: Id, payload: UserPatch) -> User:
    target = selectors.user_get_for_user(user=request.user, user_id=user_id)  # type: ignore[arg-type]
    return services.user_update(actor=request.user, user=target, data=payload.model_dump(exclude_unset=True))  # type: ignore[arg-type]


@router.delete("/users/{user_id}", response={204: None}, summary="Deactivate a user (records keep their owner)")
def deactivate_user(request: HttpRequest, user_id: Id) -> Status[None]:
    target = selectors.user_get_for_user(user=request.user, user_id=user_id)  # type: ignore[arg-type]
    services.user_update(actor=request.user, user=target, data={"is_active": False})  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/teams", response=TeamPage)
def list_teams(request: HttpRequest, limit: int = 100, cursor: str | None = None) -> dict[str, object]:
    page = keyset_page(selectors.team_list(), sort="name", cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _team(team_id: Id) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("No such team.")
    return team


@router.get("/teams/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: Id) -> Team:
    return _team(team_id)


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    actor = selectors.actor_of(request)
    return Status(201, services.team_create(actor=actor, name=payload.name, slug=payload.slug, parent_id=payload.parent_id))


@router.patch("/teams/{team_id}", response=TeamOut)
def update_team(request: HttpRequest, team_id: Id, payload: TeamPatch) -> Team:
    return services.team_update(actor=request.user, team=_team(team_id), data=payload.model_dump(exclude_unset=True))  # type: ignore[arg-type]


@router.delete("/teams/{team_id}", response={204: None})
def delete_team(request: HttpRequest, team_id: Id) -> Status[None]:
    services.team_delete(actor=request.user, team=_team(team_id))  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/exchange-rates", response=CurrencySettingsOut, summary="The base currency and the exchange rates table")
def list_exchange_rates(request: HttpRequest) -> dict[str, object]:
    return {"base_currency": selectors.base_currency(), "rates": selectors.exchange_rate_list()}


@router.post("/exchange-rates", response={201: ExchangeRateOut}, summary="Set a rate from a day on (administrators)")
def set_exchange_rate(request: HttpRequest, payload: ExchangeRateIn) -> Status[ExchangeRate]:
    actor = selectors.actor_of(request)
    return Status(201, services.exchange_rate_set(actor=actor, **payload.model_dump()))
