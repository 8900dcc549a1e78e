"""Access control for every page, enumerated from the URL conf.

Every pattern with an id kwarg must be in ``page_registry.PAGES`` (or say why it is
not owned data), so a page added later cannot escape: a stranger gets 404 on
GET and on a POST with a valid CSRF token, and nothing changes. Every page
without kwargs needs a sign-in, answers a signed-in user, and never shows
another user's record — lists, search and CSV exports included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security import page_registry, registry

pytestmark = pytest.mark.django_db

KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(route, namespaced name) of every named page pattern."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(page_registry.PAGE_PREFIXES_OUTSIDE):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"page {route} has no URL name: the matrix finds pages by name"
            yield route, namespace + pattern.name


def _pages() -> list[tuple[str, str, list[str]]]:
    return [(route, name, KWARG.findall(route)) for route, name in _walk(get_resolver())]


def _id_pages() -> dict[str, tuple[str, list[str]]]:
    return {name: (route, kwargs) for route, name, kwargs in _pages() if any(k == "pk" or k.endswith("_id") for k in kwargs)}


def _plain_urls() -> list[tuple[str, str]]:
    """(name, url) of every page that needs no id: kwarg-free ones and those with example kwargs."""
    found = []
    for _route, name, kwargs in _pages():
        if not kwargs:
            found.append((name, reverse(name)))
        elif name in page_registry.PAGE_EXAMPLE_KWARGS:
            found += [(name, reverse(name, kwargs=example)) for example in page_registry.PAGE_EXAMPLE_KWARGS[name]]
    return found


def _row_counts() -> dict[str, int]:
    """Rows of every Rapport table: a refused POST must not add an interaction, a cost, a link..."""
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("rapport.") and m._meta.db_table in tables
    }


def _signed_in(user: Any) -> tuple[Client, str]:
    """A browser that enforces CSRF like a real one, and a valid token from a real form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    form = client.get(reverse("web:contact_create")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token, "the create form must carry a CSRF token"
    return client, token.group(1)


def _hostile_form(record: Any, token: str) -> dict[str, str]:
    """What any of the record pages' forms would accept, pointed at someone else's record."""
    return {
        "csrfmiddlewaretoken": token,
        "version": str(getattr(record, "version", 1)),
        "name": "Hacked",
        "last_name": "Hacked",
        "first_name": "Hacked",
        "channel": "phone",
        "direction": "inbound",
        "subject": "Hacked",
        "stage_id": "1",
        "kind": "travel",
        "amount": "1",
        "currency": "CNY",
        "incurred_on": "2026-01-01",
        "contact_id": "1",
        "competitor_id": "1",
    }


def test_every_page_with_an_id_is_registered():
    """A new page with an id must say how the matrix makes its record."""
    with_ids = set(_id_pages())
    unknown = with_ids - set(page_registry.PAGES) - set(page_registry.PAGE_NOT_OWNED) - set(page_registry.PAGE_ADMIN_ONLY)
    assert not unknown, f"Register these pages in tests/security/registry.py (PAGES): {sorted(unknown)}"
    others = {name for _route, name, kwargs in _pages() if kwargs and name not in with_ids}
    for name in with_ids:
        _route, kwargs = _id_pages()[name]
        non_ids = {k for k in kwargs if k != "pk" and not k.endswith("_id")}
        assert non_ids <= set(page_registry.PAGE_OTHER_KWARGS.get(name, {})), f"{name}: give {sorted(non_ids)} in PAGE_OTHER_KWARGS"
    unknown_kwargs = others - set(page_registry.PAGE_EXAMPLE_KWARGS) - set(page_registry.PAGE_SECRET_URLS)
    assert not unknown_kwargs, f"Give example kwargs in page_registry.PAGE_EXAMPLE_KWARGS for: {sorted(unknown_kwargs)}"
    assert len(with_ids) >= 12
    gone = set(page_registry.PAGE_ADMIN_ONLY) - {name for _route, name, _kwargs in _pages()}
    assert not gone, f"Registered as administrators-only but not in the URL conf: {sorted(gone)}"


def _registered_pages() -> list[str]:
    # Pages registered ahead of an app's URL conf are checked once the app mounts them.
    return sorted(page_registry.PAGES)


def _url_for(name: str, record: Any) -> str | None:
    pages = _id_pages()
    if name not in pages:
        return None
    _route, kwargs = pages[name]
    if name in page_registry.PAGE_KWARGS_OF:
        return reverse(name, kwargs=page_registry.PAGE_KWARGS_OF[name](record))
    other = page_registry.PAGE_OTHER_KWARGS.get(name, {})
    return reverse(name, kwargs={k: other.get(k, record.pk) for k in kwargs})


@pytest.mark.parametrize("name", _registered_pages())
def test_a_stranger_gets_404_on_get_and_post_and_nothing_changes(name, users):
    owner, stranger = users["north_rep"], users["south_rep"]
    record = page_registry.PAGES[name].make(owner, registry.marker())
    url = _url_for(name, record)
    if url is None:
        pytest.skip(f"{name} is not mounted in this URL conf")
    client, token = _signed_in(stranger)
    owner_client, _ = _signed_in(owner)
    before, counts = registry.snapshot(record), _row_counts()
    got = client.get(url)
    if got.status_code == 405:
        # POST-only: the method is refused before any lookup, for owner and stranger alike.
        assert owner_client.get(url).status_code == 405
    else:
        assert got.status_code == 404, f"GET {url} as a stranger: {got.status_code}"
    posted = client.post(url, _hostile_form(record, token))
    assert posted.status_code == 404, f"POST {url} as a stranger: {posted.status_code} {posted.content[:200]!r}"
    assert registry.snapshot(record) == before, f"POST {url} changed the row"
    assert _row_counts() == counts, f"POST {url} wrote rows"


@pytest.mark.parametrize("name", _registered_pages())
def test_the_owner_reaches_the_page_strangers_cannot(name, users):
    """The 404s above must come from visibility, not from a broken page."""
    owner = users["north_rep"]
    record = page_registry.PAGES[name].make(owner, registry.marker())
    url = _url_for(name, record)
    if url is None:
        pytest.skip(f"{name} is not mounted in this URL conf")
    client, token = _signed_in(users[page_registry.PAGE_REACHED_BY.get(name, "north_rep")])
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code not in (403, 404), f"{url} as the owner: {response.status_code}"
    assert response.status_code < 500


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pages_need_a_sign_in_and_answer_a_signed_in_user(users):
    client, _ = _signed_in(users["north_rep"])
    anonymous = Client()
    checked = 0
    for name, url in _plain_urls():
        if name in page_registry.PAGE_EXCEPTIONS or name in page_registry.PAGE_ADMIN_ONLY:
            continue  # administrators-only pages are a 403 for the rep: checked below
        response = client.get(url)
        # 405: a POST-only action (the quick add); the sign-in is still checked below, on GET and POST.
        assert response.status_code in (200, 302, 405), f"GET {url} signed in: {response.status_code}"
        for away in (anonymous.get(url), anonymous.post(url)):
            assert away.status_code == 302 and away["Location"].startswith(reverse("web:login")), f"{url} anonymous: {away.status_code}"
        checked += 1
    assert checked >= 15


def test_page_exceptions_are_still_what_they_claim(users):
    anonymous = Client()
    assert anonymous.get(reverse("web:login")).status_code == 200
    for name in ("web:logout", "web:set_language"):
        assert anonymous.get(reverse(name)).status_code == 405
    assert anonymous.get(reverse("web:password_reset")).status_code == 200


def test_a_guessed_secret_url_is_404(users):
    pages = {name for _route, name, _kwargs in _pages()}
    signed_in, _ = _signed_in(users["south_rep"])
    for name, kwarg in page_registry.PAGE_SECRET_URLS.items():
        if name not in pages:
            continue
        url = reverse(name, kwargs=dict.fromkeys((kwarg,) if isinstance(kwarg, str) else kwarg, "x" * 43))
        assert Client().get(url).status_code == 404
        assert signed_in.get(url).status_code == 404


def test_lists_searches_and_exports_never_show_a_strangers_record(users):
    owner, stranger = users["north_rep"], users["south_rep"]
    mark = registry.marker()
    for factory in {id(f.make): f.make for f in page_registry.PAGES.values()}.values():
        factory(owner, mark)
    client, _ = _signed_in(stranger)
    # Search by a prefix of the marker (search matches word prefixes): pages
    # echo the query back, so only the full marker proves a leak.
    query = mark[:-4]
    checked = 0
    for name, url in _plain_urls():
        if name in page_registry.PAGE_EXCEPTIONS or name in page_registry.PAGE_ADMIN_ONLY:
            continue  # a 403 for the stranger (checked below); they show no customer record to leak
        for params in ({}, {"q": query}, {"pick_q": query}):
            response = client.get(url, params)
            assert response.status_code in (200, 302, 405), f"GET {url} {params}: {response.status_code}"
            assert mark.encode() not in _body(response), f"GET {url} {params} leaked a record the user may not see"
        checked += 1
    owner_client, _ = _signed_in(owner)
    for url in (reverse("web:search"), reverse("web:contact_list"), reverse("web:contact_export")):
        assert mark.encode() in _body(owner_client.get(url, {"q": query})), (
            f"{url}: the owner must find the marker, or the check proves nothing"
        )
    assert checked >= 15


NOT_ADMINISTRATORS = ("north_rep", "manager", "agent", "marketer", "analyst")


@pytest.mark.parametrize("name", sorted(page_registry.PAGE_ADMIN_ONLY))
def test_administrators_only_pages_refuse_every_other_role_and_nothing_changes(name, users):
    """A list is a 403 (the role may not), one message a 404 (nothing says it exists), on GET and on a CSRF-valid
    POST; a visitor is sent to sign in; the administrator reaches the page."""
    made = page_registry.PAGE_ADMIN_ONLY[name]
    mark = registry.marker()
    record = made.make(users["north_rep"], mark) if made is not None else registry._skipped_mail(users["north_rep"], mark)
    url = _url_for(name, record) if made is not None else reverse(name)
    assert url is not None, f"{name} is not mounted"
    refused = 404 if made is not None else 403
    for role in NOT_ADMINISTRATORS:
        client, token = _signed_in(users[role])
        before, counts = registry.snapshot(record), _row_counts()
        got = client.get(url)
        assert got.status_code == refused, f"GET {url} as {role}: {got.status_code}"
        posted = client.post(url, {**_hostile_form(record, token), "record_kind": "contact", "record_id": "1"})
        assert posted.status_code == refused, f"POST {url} as {role}: {posted.status_code}"
        for response in (got, posted):
            assert mark.encode() not in response.content, f"{url} as {role} showed the message"
        assert registry.snapshot(record) == before, f"POST {url} as {role} changed the row"
        assert _row_counts() == counts, f"POST {url} as {role} wrote rows"
    for away in (Client().get(url), Client().post(url)):
        assert away.status_code == 302 and away["Location"].startswith(reverse("web:login")), f"{url} anonymous: {away.status_code}"
    admin, _ = _signed_in(users["admin"])
    reached = admin.get(url)
    assert reached.status_code == 200, f"GET {url} as an administrator: {reached.status_code}"
    assert mark.encode() in reached.content, "the administrator must see the message, or the refusals prove nothing"
