"""A person deletes their account from the account console in a real browser (chromium).

Usage: leaving_page.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer and the person (username, password). The person:

1. signs in to /account and finds the "Delete account" section at the end;
2. ticks the box but types a wrong password: the console says the password is wrong, and the
   account is still there;
3. types the right password: a page says the account is deleted;
4. opens /account again: signed out, and the old password no longer signs in.

Screenshots of every page, at a desktop's and a phone's width, go to SCREENSHOT_DIR. Prints one
JSON object (what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import os
import sys

from selenium.webdriver.common.by import By

from account_console import ConsoleUser, Failure, main


class Leaving(ConsoleUser):
    def section_screenshot(self, name, section):
        """The section alone (the console is taller than a whole-page screenshot), at both widths."""
        for width, label in ((1100, "desktop"), (390, "phone")):
            self.driver.set_window_size(width, 900)
            element = self.driver.find_element(By.ID, section)
            self.driver.execute_script("arguments[0].scrollIntoView()", element)
            self.shot += 1
            path = os.path.join(self.screens, f"{self.shot:02d}-{name}-{label}.png")
            element.screenshot(path)
            self.seen["screenshots"].append(os.path.basename(path))
        self.driver.set_window_size(1100, 900)

    def leave(self, password):
        self.fill("leave_password", password)
        box = self.driver.find_element(By.ID, "leave_confirm")
        if not box.is_selected():
            box.click()
        self.submit("leave-form")

    def run(self):
        self.sign_in()
        self.driver.find_element(By.CSS_SELECTOR, "#preferred_language option[value=en]").click()
        self.submit("profile-form")
        self.expect_page("page-account", "after choosing English")
        if not self.driver.find_elements(By.ID, "leave-form"):
            raise Failure("the console has no Delete account section")
        self.screenshot("account")
        self.section_screenshot("leave-section", "leave")

        self.leave("not the password")
        self.expect_page("page-account", "after a wrong password")
        problems = self.driver.find_elements(By.ID, "problem")
        code = problems[0].get_attribute("data-code") if problems else None
        if code != "invalid_current_password":
            raise Failure(f"a wrong password was not said: {code}")
        self.seen["wrong_password"] = code
        self.screenshot("wrong-password")
        self.section_screenshot("leave-section-refused", "leave")

        self.leave(self.person["password"])
        self.expect_page("page-account_deleted", "after deleting the account")
        self.seen["deleted"] = self.text("deleted-body")
        self.screenshot("deleted")

        self.driver.get(f"{self.issuer}/account")
        self.expect_page("page-sign_in", "opening /account after leaving")
        self.fill("identifier", self.person["username"])
        self.fill("password", self.person["password"])
        self.submit("sign-in")
        self.expect_page("page-sign_in", "signing in to the deleted account")
        self.seen["sign_in_refused"] = True
        self.screenshot("sign-in-refused")
        return self.seen


if __name__ == "__main__":
    sys.exit(main(Leaving))
