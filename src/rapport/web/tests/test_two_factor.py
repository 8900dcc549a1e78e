"""Two-step sign-in (TOTP with django-otp): enrol, the code after the password, recovery codes, throttling, staff rule."""

from __future__ import annotations

import re
import time
import urllib.parse
from typing import Any

import cv2
import numpy as np
import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.common.testing import ApiClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the phone shows now (or a step later: a code is accepted once, within one step of drift)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _enrol(user: Any) -> tuple[TOTPDevice, list[str]]:
    browser = _signed_in(user)
    page = browser.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = browser.post("/account/two-factor/", {"code": code(device)})
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert page.status_code == 200
    return device, codes


def _password_login(username: str = "north_rep") -> Client:
    browser = Client()
    response = browser.post("/login/?next=/contacts/", {"username": username, "password": PASSWORD, "next": "/contacts/"})
    assert response.status_code == 302
    return browser


def test_enrolling_shows_a_setup_key_confirms_with_a_code_and_shows_recovery_codes_once(users, api_for):
    rep = users["north_rep"]
    browser, other, token = _signed_in(rep), _signed_in(rep), api_for(rep)
    page = browser.get("/account/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=rep, confirmed=False)
    key = re.search(r"<code class=\"secret\" data-secret>([A-Z2-7 ]+)</code>", page)
    assert key and len(key.group(1).replace(" ", "")) == 32
    assert "otpauth://totp/Rapport%3Anorth_rep?secret=" in page

    wrong = browser.post("/account/two-factor/", {"code": "000000" if code(device) != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=rep, confirmed=True).exists()

    done = browser.post("/account/two-factor/", {"code": code(device)})
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=rep, confirmed=True).count() == 1
    # This browser is verified; sessions and tokens opened with the password alone end.
    assert browser.get("/contacts/").status_code == 200
    assert other.get("/contacts/")["Location"].startswith("/login/")
    assert token.get("users/me").status_code == 401
    assert "2 recovery codes left" not in browser.get("/account/security/").content.decode()
    assert "10 recovery codes left" in browser.get("/account/security/").content.decode()


def qr_modules_from_svg(data_uri: str) -> np.ndarray:
    """The dark modules drawn by the served SVG (segno draws each row as horizontal runs), as an image."""
    assert data_uri.startswith("data:image/svg+xml;charset=utf-8,")
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    size = int(re.search(r"width='(\d+)'", svg).group(1)) // int(re.search(r"scale\((\d+)\)", svg).group(1))
    drawn = re.search(r"class='qrline'[^>]*d='([^']+)'", svg).group(1)
    image = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", drawn):
        values = [float(n) for n in numbers.split()]
        if command in "Mm":
            x, y = (values[0], values[1]) if command == "M" else (x + values[0], y + values[1])
        else:
            image[int(y), int(x) : int(x + values[0])] = 0
            x += values[0]
    return image


def decode_qr(modules: np.ndarray) -> str:
    """OpenCV reads the code like a phone camera would (ten pixels a module). Its classic detector
    misses about one in seven correct codes of random secrets; the ArUco-based one read 1,000 of 1,000."""
    image = cv2.resize(modules, None, fx=10, fy=10, interpolation=cv2.INTER_NEAREST)
    text, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    return str(text)


def test_enrolling_shows_a_qr_code_of_the_setup_link_that_the_csp_allows(users):
    browser = _signed_in(users["north_rep"])
    response = browser.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=users["north_rep"], confirmed=False)
    image = re.search(
        r'<img src="(data:image/svg\+xml;[^"]+)" alt="QR code to scan with the authenticator app" data-setup-qr>', response.content.decode()
    )
    assert image, "no QR code on the enrolment page"
    assert decode_qr(qr_modules_from_svg(image.group(1))) == device.config_url
    assert device.config_url.startswith("otpauth://totp/Rapport%3Anorth_rep?secret=")
    # A data: image is all the page adds; the policy allows images from this site and data: URIs, nothing else.
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["img-src"] == "'self' data:"
    assert "unsafe-inline" not in policy["script-src"]

    rep = users["north_rep"]
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    page = _signed_in(rep).get("/account/two-factor/").content.decode()
    assert 'alt="用身份验证器应用扫描此二维码"' in page and "在应用中添加账户：扫描二维码，或输入设置密钥" in page


def test_an_enrolled_account_shows_no_qr_code(users):
    browser = _signed_in(users["north_rep"])
    browser.get("/account/two-factor/")
    browser.post("/account/two-factor/", {"code": code(TOTPDevice.objects.get(user=users["north_rep"]))})
    page = browser.get("/account/two-factor/")
    assert page.status_code == 200 and "recovery codes left" in page.content.decode()
    assert "data-setup-qr" not in page.content.decode() and "otpauth://" not in page.content.decode()


def test_a_password_alone_reaches_no_page_and_no_api_until_the_code(users):
    device, _ = _enrol(users["north_rep"])
    browser = _password_login()

    for url in ("/contacts/", "/", "/account/security/", "/accounts/export.csv", "/admin/"):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/verify/"), url
    assert browser.get("/api/v1/users/me").status_code == 401
    assert browser.get("/login/verify/?next=/contacts/").status_code == 200

    refused = browser.post("/login/verify/", {"code": "12345", "next": "/contacts/"})
    assert "That code is not right" in refused.content.decode()
    assert browser.get("/contacts/").status_code == 302

    verified = browser.post("/login/verify/", {"code": code(device, 1), "next": "/contacts/"})
    assert verified["Location"] == "/contacts/"
    assert browser.get("/contacts/").status_code == 200
    assert browser.get("/api/v1/users/me").status_code == 200


def test_a_verify_step_sends_only_to_this_site(users):
    device, _ = _enrol(users["north_rep"])
    browser = _password_login()
    response = browser.post("/login/verify/", {"code": code(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_wrong_codes_are_throttled_even_before_a_right_one(users, settings):
    settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    device, _ = _enrol(users["north_rep"])
    browser = _password_login()
    for guess in ("000001", "000002", "000003"):
        assert browser.post("/login/verify/", {"code": guess}).status_code == 200
    blocked = browser.post("/login/verify/", {"code": code(device, 1)})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert browser.get("/contacts/").status_code == 302


def test_a_recovery_code_works_once(users):
    _, codes = _enrol(users["north_rep"])
    first = _password_login()
    assert first.post("/login/verify/", {"code": codes[0].upper()})["Location"] == "/"
    assert first.get("/contacts/").status_code == 200
    second = _password_login()
    assert second.post("/login/verify/", {"code": codes[0]}).status_code == 200
    assert second.get("/contacts/").status_code == 302
    assert "9 recovery codes left" in first.get("/account/security/").content.decode()


def test_new_recovery_codes_replace_the_old_ones(users):
    device, old = _enrol(users["north_rep"])
    browser = _password_login()
    browser.post("/login/verify/", {"code": code(device, 1)})
    fresh = re.findall(r"<li><code>([a-z0-9]+)</code></li>", browser.post("/account/two-factor/recovery-codes/").content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(old)
    assert _password_login().post("/login/verify/", {"code": old[1]}).status_code == 200
    assert _password_login().post("/login/verify/", {"code": fresh[1]}).status_code == 302


def test_the_api_token_needs_the_code_for_an_enrolled_account(users):
    device, _ = _enrol(users["north_rep"])
    body = {"username": "north_rep", "password": PASSWORD}
    assert ApiClient(None).post("auth/token", body).status_code == 401
    assert ApiClient(None).post("auth/token", {**body, "otp_code": "000000"}).status_code == 401
    issued = ApiClient(None).post("auth/token", {**body, "otp_code": code(device, 1)})
    assert issued.status_code == 201
    assert ApiClient(issued.json()["token"]).get("users/me").status_code == 200


def test_turning_it_off_needs_a_code(users):
    device, _ = _enrol(users["north_rep"])
    browser = _password_login()
    browser.post("/login/verify/", {"code": code(device, 1)})
    refused = browser.post("/account/two-factor/off/", {"code": "000000"})
    assert "That code is not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=users["north_rep"]).exists()
    turned_off = browser.post("/account/two-factor/off/", {"code": code(device, 1)})
    assert turned_off["Location"] == "/account/security/"
    assert not TOTPDevice.objects.filter(user=users["north_rep"]).exists()
    assert _password_login().get("/contacts/").status_code == 200


def test_staff_must_enrol_when_the_administrator_requires_it(users, settings):
    settings.RAPPORT_REQUIRE_STAFF_TOTP = True
    browser = _password_login("admin")
    for url in ("/contacts/", "/admin/", "/account/security/"):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/"), url
    assert browser.get("/api/v1/users/me").status_code == 401
    assert ApiClient(None).post("auth/token", {"username": "admin", "password": PASSWORD}).status_code == 403
    # A rep is not staff: nothing changes for them.
    assert _password_login().get("/contacts/").status_code == 200

    page = browser.get("/account/two-factor/")
    assert "requires two-step sign-in for staff" in page.content.decode()
    device = TOTPDevice.objects.get(user=users["admin"], confirmed=False)
    assert browser.post("/account/two-factor/", {"code": code(device)}).status_code == 200
    assert browser.get("/contacts/").status_code == 200
    # Staff cannot turn it off while it is required (the page offers no button; a crafted POST is refused).
    assert "Turn off two-step sign-in" not in browser.get("/account/two-factor/").content.decode()
    refused = browser.post("/account/two-factor/off/", {"code": code(device, 1)})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=users["admin"], confirmed=True).exists()
