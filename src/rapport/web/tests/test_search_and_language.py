"""Global search by any phone format; the language switch and the Chinese UI."""

from __future__ import annotations

import pytest

from rapport.core.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["+8613800138000", "138 0013 8000", "0086 138 0013 8000", "+86 138-0013-8000", "张伟", "zhang"])
def test_global_search_finds_the_contact_however_it_is_typed(client_for, users, zhang, typed):
    response = client_for(users["north_rep"]).get("/search/suggest/", {"q": typed})
    assert [c.pk for c in response.context["results"]["contacts"]] == ([zhang.pk] if typed != "zhang" else [])
    page = client_for(users["north_rep"]).get("/search/", {"q": typed})
    assert page.status_code == 200


def test_one_chinese_character_is_a_surname_and_one_latin_letter_is_too_little(client_for, api_for, users, zhang):
    client = client_for(users["north_rep"])
    dropdown = client.get("/search/suggest/", {"q": "张"}).content.decode()
    assert f'href="/contacts/{zhang.pk}/"' in dropdown
    assert f'href="/contacts/{zhang.pk}/"' in client.get("/search/", {"q": "张"}).content.decode()
    found = api_for(users["north_rep"]).get("/api/v1/search", {"q": "张"}).json()
    assert [c["id"] for c in found["contacts"]] == [zhang.pk]
    assert client.get("/search/suggest/", {"q": "z"}).content.decode().strip() == ""  # one letter: nothing asked, nothing said
    assert api_for(users["north_rep"]).get("/api/v1/search", {"q": "z"}).json()["contacts"] == []


def test_search_suggestions_group_and_link_to_the_360_page(client_for, users, zhang):
    body = client_for(users["north_rep"]).get("/search/suggest/", {"q": "+8613800138000"}).content.decode()
    assert f'href="/contacts/{zhang.pk}/"' in body
    assert "All results for" in body


def test_the_language_switch_keeps_the_choice_on_the_profile(client_for, users):
    client = client_for(users["north_rep"])
    response = client.post("/language/", {"language": "zh-hans", "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert User.objects.get(pk=users["north_rep"].pk).language == "zh-hans"
    page = client.get("/contacts/").content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "<span>联系人</span>" in page and "我的一天" in page and "新建联系人" in page


def test_the_profile_language_follows_the_user_to_a_new_browser(client_for, users):
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    users["north_rep"].refresh_from_db()
    page = client_for(users["north_rep"]).get("/accounts/new/", headers={"Accept-Language": "en"}).content.decode()
    assert "新建客户" in page and "员工人数" in page  # the model's verbose names are translated too


def test_a_service_error_is_shown_in_chinese(client_for, users):
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    users["north_rep"].refresh_from_db()
    response = client_for(users["north_rep"]).post("/contacts/new/", {"last_name": "张", "phones-value": ["12"], "phones-label": [""]})
    assert response.context["form"].rows["phones"][0].errors == ["“12”不是有效的电话号码。"]
