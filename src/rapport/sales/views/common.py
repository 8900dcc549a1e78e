"""What the sales pages share: the visible-or-404 lookup and the tabs between them."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import NotFound
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import selectors
from rapport.sales.models import Opportunity

TABS = (
    ("board", _("Board"), "sales:board"),
    ("opportunities", _("Opportunities"), "sales:opportunity_list"),
    ("forecast", _("Forecast"), "sales:forecast"),
    ("funnel", _("Funnel"), "sales:funnel"),
    ("routing", _("Lead routing"), "sales:assignment_rules"),
)


def visible(request: HttpRequest, pk: int) -> tuple[User, Opportunity]:
    user = core_selectors.actor_of(request)
    try:
        return user, selectors.opportunity_get_for_user(user=user, opportunity_id=pk)
    except NotFound:
        raise Http404("No such opportunity.") from None


def page_context(tab: str, **extra: Any) -> dict[str, Any]:
    return {"nav_active": "sales", "sales_tabs": TABS, "sales_tab": tab, **extra}


def owner_choices(user: User) -> list[tuple[int, str]]:
    owners = core_selectors.user_list_for_user(user=user)
    allowed = core_selectors.assignable_owner_ids(user=user)
    if allowed is not None:
        owners = owners.filter(pk__in=allowed)
    return [(u.pk, str(u)) for u in owners[:500]]


def team_choices() -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in core_selectors.team_list()]
