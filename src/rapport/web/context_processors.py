"""The navigation every page shows: one entry per domain of the CRM."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.analytics.anomaly_queue import READERS as FRAUD_QUEUE_READERS

StrOrPromise = str | Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: StrOrPromise
    url_name: str | None  # None: the domain is planned, shown as coming soon
    section: str = "customers"
    admin_only: bool = False
    roles: frozenset[str] = frozenset()  # when set: only these roles (and administrators) see the entry

    @property
    def url(self) -> str:
        if self.url_name is not None:
            try:
                return reverse(self.url_name)
            except NoReverseMatch:
                # A domain whose pages are not installed yet: say so, never break every page.
                pass
        return reverse("web:coming_soon", args=[self.key])


NAVIGATION = (
    NavItem("home", _("My day"), "web:home"),
    NavItem("accounts", _("Accounts"), "web:account_list"),
    NavItem("contacts", _("Contacts"), "web:contact_list"),
    NavItem("leads", _("Leads"), "web:lead_list"),
    NavItem("activities", _("Activities"), "web:activity_list"),
    NavItem("interactions", _("Timeline"), "web:interaction_list"),
    NavItem("sales", _("Sales"), "sales:board", section="work"),
    NavItem("marketing", _("Marketing"), None, section="work"),
    NavItem("service", _("Service"), None, section="work"),
    NavItem("loyalty", _("Loyalty"), None, section="work"),
    NavItem("analytics", _("Analytics"), "analytics:overview", section="insight"),
    NavItem("dashboards", _("Dashboards"), "analytics:dashboard_sales", section="insight"),
    NavItem("fraud", _("Fraud review"), "analytics:anomalies", section="insight", roles=frozenset(FRAUD_QUEUE_READERS)),
    NavItem("automation", _("Automation"), None, section="insight"),
    NavItem("data", _("Data"), None, section="insight"),
    NavItem("admin", _("Admin"), "admin:index", section="insight", admin_only=True),
)

SECTIONS = (("customers", _("Customers")), ("work", _("Work")), ("insight", _("Insight & data")))


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    is_admin = bool(user is not None and user.is_authenticated and getattr(user, "is_administrator", False))
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    items = [item for item in NAVIGATION if is_admin or (not item.admin_only and (not item.roles or role in item.roles))]
    sections = [(label, [item for item in items if item.section == key]) for key, label in SECTIONS]
    return {"navigation": items, "nav_sections": sections}
