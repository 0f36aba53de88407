"""A person sets up identity verification in the account console, in a real browser (Debian's
chromium, selenium): signs in to /account, types a phone number as a phone's keypad does (no
dashes), a new PIN and their password, and sees the number waiting for the code sent to it by SMS.

Usage: account_identity.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer, the person (username, password) and `phone` (digits only).
Screenshots at a desktop's and a phone's width go to SCREENSHOT_DIR. Prints one JSON object and
exits 0; exits 1 with the reason on the first failure. The test reads the SMS and goes on.
"""
import json
import sys

from selenium.webdriver.common.by import By

from account_console import ConsoleUser, Failure, main


class SettingUpUser(ConsoleUser):
    def run(self):
        self.sign_in()
        self.driver.get(f"{self.issuer}/account#identity")
        self.expect_page("page-account", "opening the identity section")
        self.fill("setup_phone", self.settings_phone)
        self.fill("setup_pin", "284615")
        self.fill("setup_password", self.person["password"])
        self.submit("identity-form")
        self.expect_page("page-account", "after asking for the code")
        pending = self.driver.find_elements(By.ID, "phone-pending")
        if not pending:
            raise Failure("no number is shown waiting for its code")
        self.seen["pending"] = pending[0].text
        self.screenshot("identity-pending")
        return self.seen


if __name__ == "__main__":
    settings = json.load(open(sys.argv[1]))
    SettingUpUser.settings_phone = settings["phone"]
    sys.exit(main(SettingUpUser))
