"""Query budgets: a list page or a 360 page costs the same with 3 rows or 30 (no N+1)."""

from __future__ import annotations

import pytest

from rapport.customers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(users):
    rep = users["north_rep"]
    parent = services.account_create(actor=rep, data={"name": "Group", "tags": ["VIP"], "phones": [{"value": "021 6000 8000"}]})
    for i in range(30):
        account = services.account_create(
            actor=rep,
            data={"name": f"Account {i}", "parent_id": parent.pk, "tags": ["VIP", f"t{i}"], "phones": [{"value": f"139 {1000 + i} 2000"}]},
        )
        contact = services.contact_create(
            actor=rep,
            data={"last_name": f"Person {i}", "account_id": parent.pk, "tags": ["A"], "emails": [{"value": f"p{i}@example.com"}]},
        )
        services.lead_create(actor=rep, data={"last_name": f"Lead {i}", "company": "X", "tags": ["B"]})
        services.interaction_log(actor=rep, channel="phone", subject=f"Call {i}", contact_id=contact.pk)
        assert account.pk
    return parent


# session, user, the manager's scope (2), the page's rows, their tags and phones/emails, filter options...
@pytest.mark.parametrize(
    ("url", "budget"),
    # The signed-in user comes with the team the menu names (core.security.ThrottledModelBackend.get_user).
    # "/": My day adds its three activity buckets and the count of work done today (12).
    # Search walks the terms once per part of the manager's view (own/shared, team) and record type,
    # then reads the matches with their phones and emails (12).
    # "/timeline/": the entries' attachments, one query for the page (6).
    [("/accounts/", 10), ("/contacts/", 10), ("/leads/", 10), ("/timeline/", 6), ("/", 12), ("/search/?q=account", 12)],
)
def test_list_pages_stay_within_budget(client_for, users, many, django_assert_max_num_queries, url, budget):
    client = client_for(users["manager"])
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_the_360_page_stays_within_budget(client_for, users, many, django_assert_max_num_queries):
    client = client_for(users["manager"])
    # 18: the account timeline reads its own and its contacts' newest ids as two
    # indexed queries (instead of one OR that scanned the table at 1M rows), and
    # its entries' attachments in one; contacts and subsidiaries read no tags.
    with django_assert_max_num_queries(18):
        assert client.get(f"/accounts/{many.pk}/").status_code == 200
    contact = many.contacts.order_by("pk").first()
    for i in range(5):
        services.interaction_log(actor=users["north_rep"], channel="email", subject=f"Mail {i}", contact_id=contact.pk)
    # A contact's timeline joins only who logged each entry: naming the contact on each would cost a query.
    with django_assert_max_num_queries(13):
        assert client.get(f"/contacts/{contact.pk}/").status_code == 200
