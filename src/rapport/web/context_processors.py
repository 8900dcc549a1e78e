"""The navigation every page shows: one entry per domain of the CRM."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: StrOrPromise
    url_name: str | None  # None: the domain is planned, shown as coming soon


NAVIGATION = (
    NavItem("home", _("My day"), "web:home"),
    NavItem("accounts", _("Accounts"), "web:account_list"),
    NavItem("contacts", _("Contacts"), "web:contact_list"),
    NavItem("leads", _("Leads"), "web:lead_list"),
    NavItem("interactions", _("Timeline"), "web:interaction_list"),
    NavItem("sales", _("Sales"), None),
    NavItem("marketing", _("Marketing"), None),
    NavItem("service", _("Service"), None),
    NavItem("analytics", _("Analytics"), None),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"navigation": NAVIGATION}
