"""A person uses the account console (/account) in a real browser (Debian's chromium, selenium).

Usage: account_console.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer and the person (username, password). The person:

1. opens /account and is sent to the hosted sign-in page; signs in and lands on the console;
2. changes their name and language to English: the console says so, in English, with the new name;
3. turns on two-step sign-in: the enrolment page shows a QR code and the key, which this script
   reads to compute the code (pyotp, as an authenticator app would); the backup codes are shown;
4. signs out from the console (RP-initiated logout's confirmation page), opens /account again and
   signs in with password and a backup code;
5. switches the console to Korean, sees it in Korean, and signs out everywhere.

Screenshots of every page, at a desktop's and a phone's width, go to SCREENSHOT_DIR. Prints one
JSON object (what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import json
import os
import sys
import traceback

import pyotp
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser_sso import browser


class Failure(Exception):
    pass


def replaced(element):
    """A wait's condition: `element`'s page has been replaced. Chrome says so either as a stale
    element or as "node does not belong to the document"; both mean the same here."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


class ConsoleUser:
    def __init__(self, settings, driver, screens):
        self.driver = driver
        self.screens = screens
        self.issuer = settings["issuer"]
        self.person = settings["person"]
        self.shot = 0
        self.seen = {"screenshots": []}

    def page(self):
        mains = self.driver.find_elements(By.CSS_SELECTOR, "main")
        return mains[0].get_attribute("id") if mains else None

    def expect_page(self, wanted, step):
        """Waits (10 s at most) for the page `wanted`; a page still loading is looked at again."""
        try:
            WebDriverWait(self.driver, 10, ignored_exceptions=(WebDriverException,)).until(lambda _: self.page() == wanted)
        except TimeoutException:
            body = self.driver.find_element(By.TAG_NAME, "body").text[:600]
            raise Failure(f"{step}: expected {wanted}, got {self.page()} at {self.driver.current_url}: {body}")

    def screenshot(self, name):
        """The whole page at a desktop's width, then at a phone's (390 px)."""
        for width, label in ((1100, "desktop"), (390, "phone")):
            self.driver.set_window_size(width, 900)
            self.driver.execute_script("window.scrollTo(0, 0)")
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(width, min(max(900, height + 40), 4000))
            self.shot += 1
            path = os.path.join(self.screens, f"{self.shot:02d}-{name}-{label}.png")
            self.driver.save_screenshot(path)
            self.seen["screenshots"].append(os.path.basename(path))
        self.driver.set_window_size(1100, 900)

    def fill(self, field, value):
        element = self.driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)

    def submit(self, form_id):
        self.click(By.CSS_SELECTOR, f"#{form_id} button[type=submit]")

    def click(self, by, what):
        """Clicks, then waits until the next page has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(by, what).click()
        WebDriverWait(self.driver, 15).until(replaced(old))

    def text(self, element_id):
        return self.driver.find_element(By.ID, element_id).text

    def sign_in(self, second_factor=None, path="/account", landing="page-account"):
        """Opens `path` signed out, signs in on the hosted page, lands on `landing`."""
        self.driver.get(f"{self.issuer}{path}")
        self.expect_page("page-sign_in", f"opening {path} signed out")
        self.fill("identifier", self.person["username"])
        self.fill("password", self.person["password"])
        self.submit("sign-in")
        if second_factor is not None:
            self.expect_page("page-second_factor", "signing in with two-step sign-in on")
            self.fill("code", second_factor)
            self.submit("second-factor")
        self.expect_page(landing, "after signing in")

    def run(self):
        self.driver.get(f"{self.issuer}/account")
        self.expect_page("page-sign_in", "opening /account signed out")
        self.screenshot("sign-in")
        self.sign_in()
        self.screenshot("account-ko-default")

        self.fill("first_name", "Jiwoo")
        self.fill("last_name", "Kim")
        # The console speaks the account's language (Korean unless the person chose otherwise).
        self.driver.find_element(By.CSS_SELECTOR, "#preferred_language option[value=en]").click()
        self.submit("profile-form")
        self.expect_page("page-account", "after saving the profile")
        if "Jiwoo Kim" not in self.text("full-name") or not self.driver.find_elements(By.ID, "notice"):
            raise Failure(f"the new name is not shown: {self.text('full-name')}")
        self.seen["profile"] = self.text("full-name")
        self.screenshot("account")

        self.fill("totp_password", self.person["password"])
        self.submit("totp-start")
        self.expect_page("page-account_totp", "starting two-step sign-in")
        qr = self.driver.find_element(By.CSS_SELECTOR, "img.qr")
        if qr.get_attribute("naturalWidth") in (None, "0"):
            raise Failure("the QR code did not load")
        self.screenshot("totp")
        secret = self.text("totp-secret").replace(" ", "")
        self.fill("code", pyotp.TOTP(secret).now())
        self.submit("totp-enable")
        self.expect_page("page-account_codes", "turning two-step sign-in on")
        codes = [item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#backup-codes code")]
        if len(codes) < 5:
            raise Failure(f"too few backup codes: {codes}")
        self.seen["backup_codes"] = len(codes)
        self.screenshot("backup-codes")
        self.click(By.ID, "codes-done")
        self.expect_page("page-account", "back from the backup codes")
        if self.text("mfa-state") != "On":
            raise Failure(f"two-step sign-in is not shown on: {self.text('mfa-state')}")

        self.click(By.ID, "sign-out")
        self.expect_page("page-confirm_logout", "signing out of the console")
        self.screenshot("sign-out")
        self.submit("logout")
        self.expect_page("page-sign_in", "after signing out (the console asks to sign in again)")

        self.sign_in(second_factor=codes[0])
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#session-list li")
        browsers = self.driver.find_elements(By.CSS_SELECTOR, "#browser-list li")
        if not rows or len(browsers) != 1:
            raise Failure(f"sessions {len(rows)}, browsers {len(browsers)}: one browser session expected")
        self.seen["sessions"] = len(rows)

        self.driver.find_element(By.CSS_SELECTOR, "#preferred_language option[value=ko]").click()
        self.submit("profile-form")
        self.expect_page("page-account", "after choosing Korean")
        lang = self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        if lang != "ko" or "내 계정" not in self.driver.find_element(By.TAG_NAME, "h1").text:
            raise Failure(f"the console is not in Korean: lang={lang}")
        self.screenshot("account-ko")

        self.submit("sign-out-everywhere")
        self.expect_page("page-sign_in", "after signing out everywhere")
        self.seen["signed_out_everywhere"] = True
        return self.seen


def main(user=None):
    """Runs `user` (ConsoleUser or a subclass) with the command line's settings and folder."""
    settings = json.load(open(sys.argv[1]))
    screens = sys.argv[2]
    os.makedirs(screens, exist_ok=True)
    driver = browser()
    try:
        print(json.dumps((user or ConsoleUser)(settings, driver, screens).run()))
    except Exception as error:  # any failure is the answer, with where it happened
        where = [f"{frame.name}:{frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)]
        print(f"error: {error} (at {' > '.join(where)})")
        try:
            driver.save_screenshot(os.path.join(screens, "failure.png"))
        except Exception:
            pass
        return 1
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
