"""Another team's record does not exist for a rep: 404 on its pages, absent from lists, search and export."""

from __future__ import annotations

import pytest

from rapport.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_another_teams_contact_is_404_everywhere_and_unchanged(client_for, users, zhang):
    stranger = client_for(users["south_rep"])
    for url in (f"/contacts/{zhang.pk}/", f"/contacts/{zhang.pk}/edit/", f"/contacts/{zhang.pk}/delete/", f"/accounts/{zhang.account_id}/"):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/contacts/{zhang.pk}/edit/", {"last_name": "Hacked", "version": str(zhang.version)}).status_code == 404
    assert stranger.post(f"/contacts/{zhang.pk}/delete/", {"version": str(zhang.version)}).status_code == 404
    assert stranger.post(f"/contacts/{zhang.pk}/log/", {"channel": "phone", "direction": "inbound", "subject": "x"}).status_code == 404
    stored = Contact.objects.get(pk=zhang.pk)
    assert (stored.full_name, stored.version, stored.interactions.count()) == ("张伟", zhang.version, 0)


def test_another_teams_contact_is_absent_from_lists_search_and_export(client_for, users, zhang):
    stranger = client_for(users["south_rep"])
    assert stranger.get("/contacts/").context["page"].items == []
    assert stranger.get("/search/", {"q": "+8613800138000"}).context["total"] == 0
    assert stranger.get("/search/suggest/", {"q": "张伟"}).context["results"]["contacts"] == []
    assert stranger.get("/pick/account/", {"account_id_label": "上海"}).context["rows"] == []
    export = b"".join(stranger.get("/contacts/export.csv").streaming_content).decode("utf-8-sig")
    assert export.splitlines()[1:] == []
    owner_export = b"".join(client_for(users["north_rep"]).get("/contacts/export.csv").streaming_content).decode("utf-8-sig")
    assert "张伟" in owner_export


def test_export_follows_the_list_filters(client_for, users, zhang):
    from rapport.customers import services

    services.contact_create(actor=users["north_rep"], data={"last_name": "Smith", "country": "US"})
    response = client_for(users["north_rep"]).get("/contacts/export.csv", {"country": "US"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and "Smith" in rows[1]
