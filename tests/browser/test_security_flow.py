"""Security in a real browser: turn on two-step sign-in, sign in with a code, change the password, reset it by mail."""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from rapport.web.tests.test_two_factor import code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def read_qr(png: bytes) -> str:
    """Read a QR code off a screenshot as a phone would: a 200 px code has under four pixels a module and
    blurred edges, which OpenCV misread for about one secret in five; enlarged and made black and white, every time.
    A white margin stands in for the page around the code: a screenshot cropped to the image leaves the finder
    patterns at its very edge, where the detector sometimes missed them (once in a loaded CI run)."""
    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    pixels = cv2.copyMakeBorder(pixels, 32, 32, 32, 32, cv2.BORDER_CONSTANT, value=255)
    for scale in (1, 2, 3, 4):
        image = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale > 1 else pixels
        for variant in (cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1], image):
            for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):  # two detectors: each misses what the other reads
                if text := detector.detectAndDecode(variant)[0]:
                    return str(text)
    return ""


SHOTS = Path(os.environ.get("RAPPORT_SCREENSHOTS", "/tmp/rapport-screenshots"))
PASSWORD = "correct-horse-battery"


def shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_two_step_sign_in_from_enrolment_to_the_code_after_the_password(page, live_server, users, log_in):
    page.set_default_timeout(30_000)  # the first test pays the live server's start on a busy machine
    log_in(page, "north_rep")
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    shot(page, "security")

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.get_by_role("link", name="Turn on").click()
    secret = page.locator("[data-secret]").inner_text()
    qr = page.get_by_role("img", name="QR code to scan with the authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    # What the phone's camera would read off the screen is the setup link, secret included.
    # Shown larger, as a phone's camera would see it close up: at 200 px a module is under four pixels.
    qr.evaluate("img => { img.style.width = '400px'; img.style.height = '400px'; img.style.imageRendering = 'pixelated'; }")
    expect(qr).to_have_css("width", "400px")
    read = read_qr(qr.screenshot())
    assert read == TOTPDevice.objects.get(user=users["north_rep"]).config_url
    assert secret.replace(" ", "") in read
    assert not [text for text in console if "Content Security Policy" in text], console
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
    shot(page, "two_factor_enrol")
    page.fill("#id_code", "000000" if code(TOTPDevice.objects.get(user=users["north_rep"])) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".field-error")).to_contain_text("That code is not right")
    page.fill("#id_code", code(TOTPDevice.objects.get(user=users["north_rep"])))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    shot(page, "recovery_codes")

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.fill("#id_username", "north_rep")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/login/verify/.*"))
    shot(page, "login_verify")
    page.goto(f"{live_server.url}/contacts/")
    page.wait_for_url(re.compile(r".*/login/verify/.*"))
    page.fill("#id_code", code(TOTPDevice.objects.get(user=users["north_rep"]), 1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/contacts/")


def test_changing_the_password_shows_errors_at_the_fields_then_signs_the_others_out(page, live_server, users, log_in):
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/account/security/")
    page.fill("#id_current_password", "wrong")
    page.fill("#id_new_password", "short")
    page.fill("#id_new_password_again", "shorter")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".has-error")).to_have_count(1)
    expect(page.locator(".has-error .field-error")).to_contain_text("differ")
    page.fill("#id_current_password", "wrong")
    page.fill("#id_new_password", "a-much-longer-new-secret")
    page.fill("#id_new_password_again", "a-much-longer-new-secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".has-error .field-error")).to_contain_text("Your current password is not right.")
    shot(page, "security_errors")
    page.fill("#id_current_password", PASSWORD)
    page.fill("#id_new_password", "a-much-longer-new-secret")
    page.fill("#id_new_password_again", "a-much-longer-new-secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".toast")).to_contain_text("Your password is changed.")
    page.goto(f"{live_server.url}/contacts/")
    page.wait_for_url(f"{live_server.url}/contacts/")


def test_the_reset_pages_in_chinese(page, live_server, users):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="中文").click()
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", name="重置密码")).to_be_visible()
    page.fill("#id_email", "north_rep@example.com")
    page.get_by_role("button", name="发送链接").click()
    expect(page.locator(".alert")).to_contain_text("如果有账户使用这个地址")
    shot(page, "password_reset_sent_zh")
