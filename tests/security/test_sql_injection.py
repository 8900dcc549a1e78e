"""SQL injection: sort, filter and search parameters of every list, in the API and on the pages.

Classic payloads go into every documented query parameter of every GET
collection in the OpenAPI document and into the pages' filter parameters.
The answer is 200 (harmless: nothing the user may not see), 400 or 422 —
never a 5xx — and the data is intact afterwards.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.security import page_registry, registry
from tests.security.test_idor_matrix import _spec
from tests.security.test_pages_matrix import _plain_urls, _row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PAYLOADS = [
    "' OR 1=1--",
    '" OR ""="',
    "name); DROP TABLE customers_contact;--",
    "1; DELETE FROM core_user",
    "1 UNION SELECT password FROM core_user--",
    "-created_at,password",
    "owner__password",
    "-owner__password__startswith",
    "%' OR '%'='",
    "name\x00",
    "\x00",
    "Ｏ Ｒ １＝１",  # fullwidth letters, folded by NFKC to ASCII
    "\u202e' OR '1'='1",
    "ǅ\u0301\ufeff",
    "9" * 40,
    "-1",
    "x" * 5000,
    "😀" * 300,
]
# Parameters that feed sorting and text search get every payload; the others
# the ones most likely to break a parser, and a rotating few more.
ALWAYS = ["' OR 1=1--", "9" * 40, "name\x00", "x" * 5000]
EVERY_PAYLOAD = {"q", "sort", "cursor", "before", "search", "pick_q"}
# Every list page reads these; the rest of a page's parameters are the ones it asks for itself.
LIST_PARAMS = ["q", "sort", "cursor", "before"]
# 404: a filter naming a pipeline or record that does not exist for the user.
HARMLESS = {200, 400, 404, 422}


def _payloads_for(param: str, index: int) -> list[str]:
    if param in EVERY_PAYLOAD:
        return PAYLOADS
    return ALWAYS + [PAYLOADS[(index + k * 7) % len(PAYLOADS)] for k in range(2)]


def _page_payloads(param: str, page_index: int) -> list[str]:
    """Every page gets the payloads that break parsers; the rest rotate over the pages, so each reaches each parameter somewhere."""
    if param in EVERY_PAYLOAD:
        return ALWAYS + [PAYLOADS[(page_index * 5 + k) % len(PAYLOADS)] for k in range(5)]
    return ALWAYS[:2] + [PAYLOADS[(page_index * 3 + k * 7) % len(PAYLOADS)] for k in range(2)]


class _AskedParameters(HTMLParser):
    """The query parameters a page asks for: the fields of its GET forms and the keys in its links and HTMX requests.

    Read from the page itself, so a filter added to any page later is attacked without anyone listing it here.
    """

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea"} and self._in_get_form and attributes.get("name"):
            self.names.add(str(attributes["name"]))
        for key in ("href", "hx-get"):
            link = attributes.get(key) or ""
            if "?" in link:
                self.names.update(parse_qs(urlsplit(link).query, keep_blank_values=True))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get_form = False


def _asked_parameters(html: str) -> list[str]:
    parser = _AskedParameters()
    parser.feed(html)
    return sorted(parser.names - {"csrfmiddlewaretoken", *LIST_PARAMS})


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def canary(users: dict[str, Any]) -> tuple[Any, str]:
    """A south rep's contact: no payload may reveal it to a north rep, or remove it."""
    mark = registry.marker()
    return registry._contact(users["south_rep"], mark), mark


def _intact(canary: tuple[Any, str], counts: dict[str, int]) -> None:
    from rapport.customers.models import Contact

    record, mark = canary
    assert Contact.objects.filter(pk=record.pk, last_name=f"Contact {mark}").exists()
    assert _row_counts() == counts


def test_api_list_parameters_resist_injection(users, api_for, canary, settings):
    settings.RAPPORT_API_RATE_PER_MINUTE = 1_000_000
    spec = _spec()
    api = api_for(users["north_rep"])
    # Administrators-only collections refuse the rep before reading a parameter: the administrator sends them.
    admin = api_for(users["admin"])
    registry._contact(users["north_rep"], "Visible")
    counts = _row_counts()
    sent = 0
    failures: list[str] = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or registry.PATH_ID.search(path) or path.endswith("openapi.json"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for index, name in enumerate(names):
            for payload in _payloads_for(name, index):
                try:
                    response = (admin if path in registry.ADMIN_ONLY else api).get(path, {name: payload})
                except Exception as exc:
                    failures.append(f"{path}?{name}={payload[:20]!r}: {exc!r}"[:200])
                    continue
                if response.status_code not in HARMLESS:
                    failures.append(f"{path}?{name}={payload[:20]!r}: {response.status_code}")
                assert canary[1].encode() not in _body(response), f"GET {path}?{name}={payload[:40]!r} showed another team's contact"
                sent += 1
    assert failures == [], "\n".join(failures)
    _intact(canary, counts)
    assert sent >= 400


def test_pages_are_read_for_the_parameters_they_ask_for(users):
    client = Client()
    client.force_login(users["north_rep"])
    asked = _asked_parameters(client.get("/contacts/").content.decode())
    assert {"owner_id", "team_id", "region", "industry", "country", "tag"} <= set(asked), asked


def test_page_parameters_resist_injection(users, canary):
    rep = Client()
    rep.force_login(users["north_rep"])
    # Administrators-only pages refuse the rep before reading a parameter: the administrator sends them.
    admin = Client()
    admin.force_login(users["admin"])
    registry._contact(users["north_rep"], "Visible")
    counts = _row_counts()
    sent = 0
    failures: list[str] = []
    for page_index, (page_name, url) in enumerate(_plain_urls()):
        client = admin if page_name in page_registry.PAGE_ADMIN_ONLY else rep
        first = client.get(url)
        if first.status_code == 405:
            continue  # POST-only actions and the login page take no list parameters
        asked = _asked_parameters(_body(first).decode(errors="replace")) if "html" in first.get("Content-Type", "") else []
        for name in [*LIST_PARAMS, *asked]:
            for payload in _page_payloads(name, page_index):
                try:
                    response = client.get(url, {name: payload})
                except Exception as exc:
                    failures.append(f"{url}?{name}={payload[:20]!r}: {exc!r}"[:200])
                    continue
                if response.status_code not in HARMLESS | {302}:
                    failures.append(f"{url}?{name}={payload[:20]!r}: {response.status_code}")
                assert canary[1].encode() not in _body(response), f"GET {url}?{name}={payload[:40]!r} showed another team's contact"
                sent += 1
    assert failures == [], "\n".join(failures)
    _intact(canary, counts)
    assert sent >= 400


def test_sorting_only_by_the_listed_columns(users, api_for):
    """A sort naming a relation's field (owner__password) is a 422 that lists the allowed sorts, not an ORM lookup."""
    api = api_for(users["north_rep"])
    for sort in ("owner__password", "-owner__password", "password", "created_at,password"):
        response = api.get("contacts", {"sort": sort})
        assert response.status_code == 422, sort
        assert "sort" in response.json()["errors"]


def test_a_nul_character_is_refused_at_the_door(users, api_for):
    """PostgreSQL cannot store or compare NUL: refused up front, not a 500 or a cut-off export."""
    from rapport.customers.models import Contact

    api = api_for(users["north_rep"])
    problem = api.get("contacts/export.csv", {"q": "a\x00b"})
    assert (problem.status_code, problem["Content-Type"]) == (422, "application/problem+json")
    assert problem.json()["errors"] == {"q": ["q: NUL characters are not allowed."]}
    client = Client()
    client.force_login(users["north_rep"])
    assert client.get("/contacts/export.csv", {"region": "\x00"}).status_code == 400
    assert client.post("/contacts/new/", {"last_name": "Nul\x00"}).status_code == 400
    assert not Contact.objects.exists()
