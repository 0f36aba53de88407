"""A person links a GitHub account from the account console, signs in with it, and unlinks it,
in a real browser (Debian's chromium, selenium), against the local provider fakes.

Usage: account_social.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer and the person (username, password). The person:

1. signs in to /account with their password; the "other accounts" section offers GitHub;
2. links GitHub: types the password, presses "Link GitHub", passes through the page that moves
   on to the provider (which approves at once) and is back on the console with GitHub listed;
3. signs out, and signs in to the console again with the sign-in page's GitHub button;
4. unlinks GitHub: the section offers it to link again.

Screenshots at a desktop's and a phone's width go to SCREENSHOT_DIR. Prints one JSON object (what
happened) and exits 0; exits 1 with the reason on the first failure.
"""
import sys

from selenium.webdriver.common.by import By

from account_console import ConsoleUser, Failure, main


class LinkingUser(ConsoleUser):
    def linked(self):
        return [row.get_attribute("data-provider") for row in self.driver.find_elements(By.CSS_SELECTOR, "#linked-list li")]

    def run(self):
        self.sign_in()
        if not self.driver.find_elements(By.CSS_SELECTOR, "#linkable button[value=github]"):
            raise Failure("the console does not offer to link GitHub")
        self.screenshot("social-offered")

        self.fill("social_password", self.person["password"])
        self.click(By.CSS_SELECTOR, "#linkable button[value=github]")
        self.expect_page("page-account", "after linking GitHub (through the provider)")
        if self.linked() != ["github"]:
            raise Failure(f"linked accounts shown: {self.linked()}")
        if not self.driver.find_elements(By.ID, "notice"):
            raise Failure("no notice says the account is linked")
        self.seen["linked"] = self.linked()
        self.screenshot("social-linked")

        self.click(By.ID, "sign-out")
        self.expect_page("page-confirm_logout", "signing out of the console")
        self.submit("logout")
        self.expect_page("page-sign_in", "after signing out")
        self.screenshot("sign-in-providers")
        self.click(By.CSS_SELECTOR, "form[action='/signin/social/github'] button")
        self.expect_page("page-account", "after signing in with GitHub")
        self.seen["signed_in_with_github"] = True

        self.fill("social_password", self.person["password"])
        self.click(By.CSS_SELECTOR, "#linked-list button[value=github]")
        self.expect_page("page-account", "after unlinking GitHub")
        if self.linked() or not self.driver.find_elements(By.CSS_SELECTOR, "#linkable button[value=github]"):
            raise Failure(f"GitHub is still linked: {self.linked()}")
        self.seen["unlinked"] = True
        return self.seen


if __name__ == "__main__":
    sys.exit(main(LinkingUser))
