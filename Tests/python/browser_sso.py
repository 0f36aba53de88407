"""A real browser (Debian's chromium, driven by selenium) through Gatehouse's hosted pages.

Usage: browser_sso.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer, the person (username, password, otpauth URI of their TOTP) and
two public clients: "first" (third-party: consent is asked) and "second" (first-party), each with
client_id, redirect_uri and post_logout_redirect_uri. The person:

1. signs in to the first client on the sign-in page, passes the second-factor page and allows the
   consent page; the code is exchanged (PKCE) and its ID token must say MFA (amr);
2. opens the second client: no page is shown (single sign-on), the code comes back at once;
3. signs out through RP-initiated logout with the second client's ID token: the browser lands on
   the post-logout URI with the state;
4. opens the first client again with prompt=none: login_required; without it: the sign-in page.

Pages are also shown in Korean (ui_locales=ko), at a phone's width, and as the error page. A
screenshot of each page goes to SCREENSHOT_DIR. Nothing listens at the redirect URIs: the browser
shows its own error there, and the answer is read from the address bar. Prints one JSON object
(what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pyotp
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By


class Failure(Exception):
    pass


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
                 "--window-size=1100,900", "--disable-features=HttpsUpgrades"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    return driver


class Person:
    def __init__(self, settings, driver, screens):
        self.settings = settings
        self.driver = driver
        self.screens = screens
        self.issuer = settings["issuer"]
        self.shot = 0

    def screenshot(self, name):
        self.shot += 1
        path = os.path.join(self.screens, f"{self.shot:02d}-{name}.png")
        self.driver.save_screenshot(path)
        return path

    def authorize_url(self, client, **extra):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        query = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
                 "scope": "openid profile email", "state": state, "nonce": nonce, "code_challenge": challenge,
                 "code_challenge_method": "S256", **extra}
        return f"{self.issuer}/oauth/authorize?{urlencode(query)}", verifier, state, nonce

    def page(self):
        """The hosted page shown now (its main element's id), or None when the browser left the gateway."""
        try:
            if not self.driver.current_url.startswith(self.issuer):
                return None
            found = self.driver.find_elements(By.CSS_SELECTOR, "main.card")
            return found[0].get_attribute("id") if found else "unknown"
        except WebDriverException:  # the page went away while we looked: ask again
            return "loading"

    def wait_for(self, condition, what, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise Failure(f"timed out waiting for {what}; at {self.driver.current_url}: {self.visible_text()}")

    def visible_text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text[:300].replace("\n", " | ")
        except Exception:  # a browser error page has a body too; anything else is beside the point
            return ""

    def submit(self, form_id, fields, button=None):
        form = self.driver.find_element(By.ID, form_id)
        for name, value in fields.items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        before = self.driver.current_url
        target = form.find_element(By.CSS_SELECTOR, button or "button[type=submit].primary")
        target.click()
        self.wait_for(lambda: self.driver.current_url != before or self.page() != f"page-{form_id.replace('-', '_')}",
                      f"the answer to {form_id}")

    def answer_at(self, client):
        self.wait_for(lambda: self.driver.current_url.startswith(client["redirect_uri"]), "the redirect to the client")
        return {k: v[0] for k, v in parse_qs(urlsplit(self.driver.current_url).query).items()}

    def exchange(self, client, answer, verifier, state, nonce):
        if answer.get("state") != state or answer.get("iss") != self.issuer or "code" not in answer:
            raise Failure(f"bad authorization answer: {answer}")
        response = requests.post(f"{self.issuer}/oauth/token", timeout=10, data={
            "grant_type": "authorization_code", "code": answer["code"], "redirect_uri": client["redirect_uri"],
            "client_id": client["client_id"], "code_verifier": verifier})
        if response.status_code != 200:
            raise Failure(f"token endpoint: {response.status_code} {response.text}")
        tokens = response.json()
        keys = jwt.PyJWKClient(f"{self.issuer}/.well-known/jwks.json")
        claims = jwt.decode(tokens["id_token"], keys.get_signing_key_from_jwt(tokens["id_token"]).key, algorithms=["ES256"],
                            audience=client["client_id"], issuer=self.issuer)
        if claims.get("nonce") != nonce:
            raise Failure(f"nonce differs: {claims}")
        return tokens, claims


def run(settings, screens):
    os.makedirs(screens, exist_ok=True)
    driver = browser()
    try:
        person = Person(settings, driver, screens)
        return journey(person, settings)
    finally:
        driver.quit()


def journey(person, settings):
    first, second, user = settings["first"], settings["second"], settings["person"]
    driver, seen = person.driver, {}
    # 1. Sign-in, second factor, consent.
    url, verifier, state, nonce = person.authorize_url(first)
    driver.get(url)
    if person.page() != "page-sign_in":
        raise Failure(f"expected the sign-in page, got {person.page()}: {person.visible_text()}")
    seen["sign_in"] = person.screenshot("sign-in")
    person.submit("sign-in", {"identifier": user["username"], "password": "wrong password 1"})
    if person.page() != "page-sign_in" or not driver.find_elements(By.ID, "problem"):
        raise Failure(f"a wrong password should show the sign-in page again: {person.visible_text()}")
    seen["wrong_password"] = person.screenshot("sign-in-wrong-password")
    person.submit("sign-in", {"identifier": user["username"], "password": user["password"]})
    if person.page() != "page-second_factor":
        raise Failure(f"expected the second-factor page, got {person.page()}: {person.visible_text()}")
    seen["second_factor"] = person.screenshot("second-factor")
    # The next 30-second step's code (accepted one step early): the current one enabled TOTP and is spent.
    person.submit("second-factor", {"code": pyotp.parse_uri(user["otpauth_uri"]).at(time.time() + 30)})
    if person.page() != "page-consent":
        raise Failure(f"expected the consent page, got {person.page()}: {person.visible_text()}")
    seen["consent"] = person.screenshot("consent")
    person.submit("consent", {}, button="button[name=decision][value=allow]")
    _, first_claims = person.exchange(first, person.answer_at(first), verifier, state, nonce)
    if "mfa" not in first_claims.get("amr", []):
        raise Failure(f"the ID token should say MFA: {first_claims}")
    # 2. Single sign-on into the second client: no page at all.
    url, verifier, state, nonce = person.authorize_url(second)
    driver.get(url)
    second_tokens, second_claims = person.exchange(second, person.answer_at(second), verifier, state, nonce)
    if second_claims["sid"] != first_claims["sid"] or second_claims["sub"] != first_claims["sub"]:
        raise Failure(f"single sign-on should reuse the browser session: {first_claims} / {second_claims}")
    # 3. RP-initiated logout.
    logout_state = secrets.token_urlsafe(8)
    driver.get(f"{person.issuer}/oauth/logout?" + urlencode({
        "id_token_hint": second_tokens["id_token"], "post_logout_redirect_uri": second["post_logout_redirect_uri"],
        "state": logout_state}))
    person.wait_for(lambda: driver.current_url.startswith(second["post_logout_redirect_uri"]), "the post-logout redirect")
    if parse_qs(urlsplit(driver.current_url).query).get("state") != [logout_state]:
        raise Failure(f"logout lost the state: {driver.current_url}")
    # 4. Signed out everywhere: prompt=none fails, and the sign-in page is back.
    url, *_ = person.authorize_url(first, prompt="none")
    driver.get(url)
    silent = person.answer_at(first)
    if silent.get("error") != "login_required":
        raise Failure(f"after logout prompt=none should be login_required: {silent}")
    pages(person, first, seen)
    newcomer = sign_up(person, first, settings["newcomer"], seen)
    return {"first": first_claims, "second": second_claims, "newcomer": newcomer, "screenshots": seen}


def sign_up(person, client, newcomer, seen):
    """A new person follows the sign-in page's link, creates an account and gets to the app."""
    driver = person.driver
    url, verifier, state, nonce = person.authorize_url(client)
    driver.get(url)
    driver.find_element(By.CSS_SELECTOR, "a[href^='/signup']").click()
    person.wait_for(lambda: person.page() == "page-sign_up", "the registration page")
    seen["sign_up"] = person.screenshot("sign-up")
    person.submit("sign-up", {"username": newcomer["username"], "email": newcomer["email"], "password": newcomer["password"]})
    if person.page() != "page-consent":
        raise Failure(f"after registration the consent page should follow, got {person.page()}: {person.visible_text()}")
    person.submit("consent", {}, button="button[name=decision][value=allow]")
    _, claims = person.exchange(client, person.answer_at(client), verifier, state, nonce)
    if claims.get("preferred_username") != newcomer["username"]:
        raise Failure(f"the new account should be the one signed in: {claims}")
    return claims


def pages(person, client, seen):
    """The same pages in Korean, at a phone's width, and the error page."""
    driver = person.driver
    url, *_ = person.authorize_url(client, ui_locales="ko")
    driver.get(url)
    if driver.find_element(By.TAG_NAME, "html").get_attribute("lang") != "ko":
        raise Failure("ui_locales=ko should give the Korean page")
    seen["sign_in_ko"] = person.screenshot("sign-in-ko")
    driver.set_window_size(375, 760)
    url, *_ = person.authorize_url(client)
    driver.get(url)
    seen["sign_in_phone"] = person.screenshot("sign-in-phone")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    if width > 375:
        raise Failure(f"the sign-in page scrolls sideways on a phone: {width} px")
    driver.set_window_size(1100, 900)
    url, *_ = person.authorize_url(dict(client, redirect_uri="https://evil.example/cb"))
    driver.get(url)
    if person.page() != "page-error":
        raise Failure(f"a foreign redirect URI should be the error page: {person.visible_text()}")
    seen["error"] = person.screenshot("error")


def main():
    settings_path, screens = sys.argv[1:3]
    with open(settings_path, encoding="utf-8") as file:
        settings = json.load(file)
    try:
        print(json.dumps(run(settings, screens)))
    except Failure as failure:
        print(f"error: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
