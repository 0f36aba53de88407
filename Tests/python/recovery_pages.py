"""A person verifies their address and resets a forgotten password in a real browser (chromium),
with the links of the mails a real SMTP server received (scripts/smtp_sink.py).

Usage: recovery_pages.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer, the person (username, password, email, new_password), the sink's
folder (mail_dir) and a verification link whose time ran out (expired_link). The person:

1. opens the link of their registration mail: a page with one button; pressing it verifies;
   pressing it again (the link replayed) is the error page saying the link was used;
2. opens the expired link: the error page says it expired;
3. opens /account signed out, follows "Forgot your password?" from the sign-in page, asks for the
   link, opens the mail's link, types two different passwords (refused on the page), then the new
   one twice, and signs in to /account with it;
4. changes the address in the console (new_email, with the password): the console shows it
   waiting; the link mailed to the new address verifies it, and the console shows it as the
   account's verified address.

Screenshots of every page, at a desktop's and a phone's width, go to SCREENSHOT_DIR. Prints one
JSON object (what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import glob
import json
import os
import re
import time

from selenium.webdriver.common.by import By

from account_console import ConsoleUser, Failure, main


class Recovering(ConsoleUser):
    def __init__(self, settings, driver, screens):
        super().__init__(settings, driver, screens)
        self.mail_dir = settings["mail_dir"]
        self.expired_link = settings["expired_link"]
        self.settings = settings

    def link(self, kind, count=1, timeout=20, to=None):
        """The `count`th link of `kind` (email/verify or password/reset) mailed to the person (or `to`)."""
        to = to or self.person["email"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            links = []
            for path in sorted(glob.glob(os.path.join(self.mail_dir, "*.json")), key=os.path.getmtime):
                mail = json.load(open(path))
                if to not in mail.get("rcpt_tos", []):
                    continue
                for part in mail.get("parts", []):
                    if part.get("content_type") == "text/plain":
                        links += re.findall(r"https?://\S+/" + kind + r"\?token=[A-Za-z0-9_-]+", part.get("text", ""))
            if len(links) >= count:
                return links[count - 1]
            time.sleep(0.2)
        raise Failure(f"no mail with a {kind} link reached {to}")

    def problem(self):
        found = self.driver.find_elements(By.ID, "problem")
        return found[0].get_attribute("data-code") if found else None

    def run(self):
        verify = self.link("email/verify")
        self.driver.get(verify)
        self.expect_page("page-email_verify", "opening the verification link")
        self.screenshot("verify")
        self.submit("verify-email")
        self.expect_page("page-email_verified", "pressing verify")
        self.seen["verified"] = self.text("verified-email")
        self.screenshot("verified")
        self.driver.get(verify)
        self.submit("verify-email")
        self.expect_page("page-error", "the same link again")
        self.seen["replayed"] = self.problem()
        self.screenshot("link-used")

        self.driver.get(self.expired_link)
        self.submit("verify-email")
        self.expect_page("page-error", "an expired link")
        self.seen["expired"] = self.problem()
        self.screenshot("link-expired")

        self.driver.get(f"{self.issuer}/account")
        self.expect_page("page-sign_in", "opening /account signed out")
        self.click(By.ID, "forgot-password")
        self.expect_page("page-password_forgot", "following 'Forgot your password?'")
        self.screenshot("forgot")
        self.fill("email", self.person["email"])
        self.submit("forgot-password")
        self.expect_page("page-password_forgot_sent", "asking for the link")
        self.screenshot("forgot-sent")

        self.driver.get(self.link("password/reset"))
        self.expect_page("page-password_reset", "opening the reset link")
        self.fill("password", self.person["new_password"])
        self.fill("password_confirmation", self.person["new_password"] + "x")
        self.submit("reset-password")
        self.expect_page("page-password_reset", "two different passwords")
        self.seen["mismatch"] = self.problem()
        self.screenshot("reset-mismatch")
        self.fill("password", self.person["new_password"])
        self.fill("password_confirmation", self.person["new_password"])
        self.submit("reset-password")
        self.expect_page("page-password_reset_done", "saving the new password")
        self.screenshot("reset-done")

        self.person = dict(self.person, password=self.person["new_password"])
        self.sign_in()
        self.seen["signed_in_with_new_password"] = True

        self.fill("new_email", self.person["new_email"])
        self.fill("email_password", self.person["new_password"])
        self.submit("email-form")
        self.expect_page("page-account", "asking for a new address")
        if self.person["new_email"] not in self.text("pending-email") or not self.driver.find_elements(By.ID, "notice"):
            raise Failure("the console does not show the new address waiting")
        self.screenshot("account-email-pending")
        self.driver.get(self.link("email/verify", to=self.person["new_email"]))
        self.submit("verify-email")
        self.expect_page("page-email_verified", "verifying the new address")
        self.driver.get(f"{self.issuer}/account")
        self.expect_page("page-account", "back to the console")
        if self.driver.find_elements(By.ID, "pending-email"):
            raise Failure("the console still shows an address waiting after it was verified")
        self.seen["console_email"] = self.text("current-email")
        self.seen["console_email_state"] = self.driver.find_element(By.ID, "email-state").get_attribute("class")
        self.screenshot("account-email-verified")
        if self.settings.get("invitation_link"):
            self.accept_invitation(self.settings["invitation_link"])
        return self.seen

    def accept_invitation(self, link):
        """The invitation's page, signed out: a username and a password make the account."""
        self.driver.delete_all_cookies()
        self.driver.get(link)
        self.expect_page("page-invitation_accept", "opening the invitation")
        self.screenshot("invitation")
        self.fill("username", self.settings["invited_username"])
        self.fill("password", "an invited horse 7")
        self.fill("password_confirmation", "an invited horse 7")
        self.submit("accept-invitation")
        self.expect_page("page-invitation_accepted", "accepting the invitation")
        self.screenshot("invitation-accepted")
        self.seen["invited"] = self.settings["invited_username"]


if __name__ == "__main__":
    raise SystemExit(main(Recovering))
