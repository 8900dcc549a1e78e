"""The navigation every page shows: one entry per domain of the CRM.

The sidebar is the same for everyone of a role, in a language, on a section of
the site: it is drawn once per such combination and kept (``sidebar_html``).
Drawn on every request, its 16 entries (a URL, an icon, a translated label
each) were a fifth of a list page's server time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
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
    NavItem("marketing", _("Marketing"), "marketing:campaign_list", section="work"),
    NavItem("service", _("Service"), "service:screen_pop", section="work"),
    NavItem("loyalty", _("Loyalty"), None, section="work"),
    NavItem("analytics", _("Analytics"), "analytics:overview", section="insight"),
    NavItem("dashboards", _("Dashboards"), "analytics:dashboard_sales", section="insight"),
    NavItem("fraud", _("Fraud review"), "analytics:anomalies", section="insight", roles=frozenset(FRAUD_QUEUE_READERS)),
    NavItem("automation", _("Automation"), None, section="insight"),
    NavItem("data", _("Data"), None, section="insight"),
    NavItem("admin", _("Admin"), "admin:index", section="insight", admin_only=True),
)

SECTIONS = (("customers", _("Customers")), ("work", _("Work")), ("insight", _("Insight & data")))


def nav_sections_for(*, is_admin: bool, role: str) -> list[tuple[StrOrPromise, list[NavItem]]]:
    """The sections of the sidebar with the entries a user of this role sees."""
    items = [item for item in NAVIGATION if is_admin or (not item.admin_only and (not item.roles or role in item.roles))]
    return [(label, [item for item in items if item.section == key]) for key, label in SECTIONS]


@lru_cache(maxsize=512)
def sidebar_html(*, language: str, is_admin: bool, role: str, active: str) -> SafeString:
    """The sidebar's entries for a role in a language, with ``active`` marked as the current page.

    The key holds everything the drawing depends on: 2 languages x 7 roles x ~20 sections at most.
    """
    context = {"nav_sections": nav_sections_for(is_admin=is_admin, role=role), "nav_active": active}
    # bandit B308/B703: our own template, whose every value is escaped when drawn.
    return mark_safe(render_to_string("web/partials/_sidebar_nav.html", context))  # nosec B308, B703
