"""Passkeys on the hosted pages in a real browser (chromium), with its virtual authenticator
(WebDriver's add_virtual_authenticator: a CTAP2 platform authenticator that keeps discoverable
credentials and verifies the user), so the pages' own script runs every ceremony.

Usage: passkey_pages.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer (http://localhost:…, since a WebAuthn RP ID is a domain) and the
person (username, password). The person:

1. signs in to /account with the password; the passkeys section has none; adding one without
   the password is refused on the page; with it, the browser makes a passkey and the console
   lists it; they rename it; an app whose service requires a second factor asks this
   password-only session for one: the passkey alone is offered, and passes;
2. signs out, and on the sign-in page presses "Sign in with a passkey": they land on the console
   without typing anything, in a browser session that passed MFA by the passkey;
3. turns on two-step sign-in (TOTP, the code computed with pyotp), signs out, signs in with the
   password, and answers the second step with the passkey instead of a code;
4. with the authenticator refusing to verify them, the sign-in page says the passkey was not used;
5. removes the passkey in the console; the sign-in page then refuses it as unknown.

Screenshots of every page, at a desktop's and a phone's width, go to SCREENSHOT_DIR. Prints one
JSON object (what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import pyotp
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions
from selenium.webdriver.support.ui import WebDriverWait

from account_console import ConsoleUser, Failure, main


class PasskeyUser(ConsoleUser):
    def __init__(self, settings, driver, screens):
        super().__init__(settings, driver, screens)
        self.settings = settings
        options = VirtualAuthenticatorOptions()
        options.protocol = VirtualAuthenticatorOptions.Protocol.CTAP2
        options.transport = VirtualAuthenticatorOptions.Transport.INTERNAL
        options.has_resident_key = True
        options.has_user_verification = True
        options.is_user_verified = True
        options.is_user_consenting = True
        driver.add_virtual_authenticator(options)

    def problem(self):
        found = self.driver.find_elements(By.ID, "problem")
        return found[0].get_attribute("data-code") if found else None

    def passkey_names(self):
        return [item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#passkey-list li .line strong")]

    def page_says(self, form_id, step):
        """The passkey form's own message (a refusal the script shows without leaving the page)."""
        box = f"#{form_id} [data-passkey-error]"
        try:
            WebDriverWait(self.driver, 15).until(lambda d: d.find_element(By.CSS_SELECTOR, box).is_displayed())
        except Exception:
            raise Failure(f"{step}: the page said nothing")
        return self.driver.find_element(By.CSS_SELECTOR, box).text

    def passkey_only_second_factor(self):
        """An app whose service requires a second factor, for this browser's password-only
        session: the account has no TOTP, so the second step offers the passkey alone, and it
        passes the session in place; the app gets its code."""
        self.driver.get(f"{self.issuer}{self.settings['strict_authorize']}")
        self.expect_page("page-second_factor", "an app that requires a second factor")
        if self.driver.find_elements(By.ID, "second-factor"):
            raise Failure("a code is asked of an account without TOTP")
        self.screenshot("second-factor-passkey-only")
        self.click(By.ID, "passkey-button")
        url = self.driver.current_url
        if not url.startswith(self.settings["redirect_uri"]) or "code=" not in url:
            raise Failure(f"the app did not get its code: {url}")
        self.seen["strict app"] = "code"

    def refused_unverified(self):
        """With the authenticator not verifying the person, "Sign in with a passkey" does not sign
        in: the browser refuses the ceremony (the page says the passkey was not used), or its
        answer without verification is refused (the page again, with the problem)."""
        self.driver.set_user_verified(False)
        self.driver.find_element(By.ID, "passkey-button").click()
        box = "#passkey-sign-in [data-passkey-error]"
        WebDriverWait(self.driver, 15, ignored_exceptions=(WebDriverException,)).until(
            lambda d: self.problem() is not None or (d.find_elements(By.CSS_SELECTOR, box) and d.find_element(By.CSS_SELECTOR, box).is_displayed()))
        if self.page() != "page-sign_in":
            raise Failure(f"a passkey that did not verify the person led to {self.page()}")
        return self.problem() or "said: " + self.driver.find_element(By.CSS_SELECTOR, box).text

    def sign_out(self):
        self.click(By.ID, "sign-out")
        self.expect_page("page-confirm_logout", "signing out of the console")
        self.submit("logout")
        self.expect_page("page-sign_in", "after signing out")

    def methods(self):
        return [item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#browser-list li .detail")]

    def run(self):
        self.sign_in()
        if self.driver.find_elements(By.ID, "passkey-list") or not self.driver.find_elements(By.ID, "no-passkeys"):
            raise Failure("a new account shows passkeys")
        # Without the password the options are refused, and the page says so in place.
        self.fill("passkey_name", "Work laptop")
        self.driver.find_element(By.ID, "passkey-add-button").click()
        self.seen["add without password"] = self.page_says("passkey-add", "adding a passkey without the password")
        self.fill("passkey_password", self.person["password"])
        self.submit("passkey-add")
        self.expect_page("page-account", "after adding a passkey")
        if self.passkey_names() != ["Work laptop"]:
            raise Failure(f"the console lists {self.passkey_names()}")
        self.screenshot("passkey-added")
        self.driver.find_element(By.CSS_SELECTOR, "#passkey-list details summary").click()
        rename = self.driver.find_element(By.CSS_SELECTOR, "#passkey-list form.passkey-rename input[name=name]")
        rename.clear()
        rename.send_keys("Laptop")
        self.click(By.CSS_SELECTOR, "#passkey-list form.passkey-rename button")
        self.expect_page("page-account", "after renaming the passkey")
        self.seen["names"] = self.passkey_names()
        self.passkey_only_second_factor()
        self.driver.get(f"{self.issuer}/account")
        self.expect_page("page-account", "back to the console (single sign-on)")

        self.sign_out()
        self.screenshot("sign-in-with-passkey")
        self.click(By.ID, "passkey-button")
        self.expect_page("page-account", "after signing in with the passkey")
        self.seen["passkey sign-in methods"] = self.methods()
        self.seen["history"] = [item.get_attribute("data-method") for item in self.driver.find_elements(By.CSS_SELECTOR, "#sign-in-list li")]
        self.screenshot("sign-in-history")

        self.fill("totp_password", self.person["password"])
        self.submit("totp-start")
        self.expect_page("page-account_totp", "starting two-step sign-in")
        self.fill("code", pyotp.TOTP(self.text("totp-secret").replace(" ", "")).now())
        self.submit("totp-enable")
        self.expect_page("page-account_codes", "turning two-step sign-in on")
        self.click(By.ID, "codes-done")
        self.sign_out()
        self.fill("identifier", self.person["username"])
        self.fill("password", self.person["password"])
        self.submit("sign-in")
        self.expect_page("page-second_factor", "the password with two-step sign-in on")
        self.screenshot("second-factor-with-passkey")
        self.click(By.ID, "passkey-button")
        self.expect_page("page-account", "after the passkey answered the second step")
        self.seen["second factor methods"] = self.methods()

        self.sign_out()
        self.seen["not verified"] = self.refused_unverified()
        self.screenshot("passkey-not-used")
        self.driver.set_user_verified(True)
        self.sign_in(landing="page-second_factor")
        self.click(By.ID, "passkey-button")
        self.expect_page("page-account", "signed in again for the removal")

        self.fill("passkey_password", self.person["password"])
        self.click(By.CSS_SELECTOR, "#passkey-list button.danger")
        self.expect_page("page-account", "after removing the passkey")
        if self.passkey_names() or not self.driver.find_elements(By.ID, "no-passkeys"):
            raise Failure(f"the removed passkey is still listed: {self.passkey_names()}")
        self.screenshot("passkey-removed")
        self.sign_out()
        self.click(By.ID, "passkey-button")
        self.expect_page("page-sign_in", "signing in with the removed passkey")
        self.seen["removed passkey"] = self.problem()
        self.screenshot("removed-passkey-refused")
        return self.seen


if __name__ == "__main__":
    import sys

    sys.exit(main(PasskeyUser))
