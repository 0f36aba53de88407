"""A person approves identity-verification requests on /approve in a real browser (chromium).

Usage: approve_page.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer, the person (username, password, pin) with the phone number of
their identity profile, and a service provider (client_id, client_secret). With the page open:

1. the provider asks (POST /api/v1/idp/requests, as an SP's server would): the request must
   appear on the page without a reload (the page's event stream), with the provider's name and
   purpose; the PIN is typed on the page's pad and approved: the page says it is approved;
2. a second request, a wrong PIN: the page says so;
3. a third request, rejected: the page says so;
4. the account console's identity section lists the three, and the PIN is changed there.

Screenshots at a desktop's and a phone's width go to SCREENSHOT_DIR. Prints one JSON object (the
transaction ids and how long each request took to appear) and exits 0; exits 1 with the reason.
"""
import sys
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from account_console import ConsoleUser, Failure, main, replaced


class Approver(ConsoleUser):
    def __init__(self, settings, driver, screens):
        super().__init__(settings, driver, screens)
        self.sp = settings["sp"]

    def ask(self, purpose):
        answer = requests.post(
            f"{self.issuer}/api/v1/idp/requests", auth=(self.sp["client_id"], self.sp["client_secret"]),
            json={"user_phone_number": self.person["phone"], "purpose": purpose}, timeout=10)
        if answer.status_code != 201:
            raise Failure(f"the provider's request was refused: {answer.status_code} {answer.text}")
        return answer.json()["transaction_id"]

    def arrives(self, transaction, purpose):
        """Seconds until the request's card shows on the open page (no reload)."""
        asked = time.monotonic()
        WebDriverWait(self.driver, 10, poll_frequency=0.05).until(
            lambda driver: driver.find_elements(By.ID, f"request-{transaction}"))
        seconds = time.monotonic() - asked
        card = self.driver.find_element(By.ID, f"request-{transaction}")
        # textContent: while the card fades in, selenium's visible text may still leave parts out.
        shown = card.get_attribute("textContent")
        if purpose not in shown or "Shop" not in shown:
            raise Failure(f"the card does not show the provider and purpose: {shown}")
        return card, round(seconds, 3)

    def decide(self, card, pin=None):
        if pin is None:
            old = self.driver.find_element(By.TAG_NAME, "html")
            card.find_element(By.CSS_SELECTOR, ".reject-form button").click()
        else:
            for digit in pin:
                card.find_element(By.CSS_SELECTOR, f".pad button[data-digit='{digit}']").click()
            old = self.driver.find_element(By.TAG_NAME, "html")
            card.find_element(By.CSS_SELECTOR, ".pin-form button.approve").click()
        WebDriverWait(self.driver, 15).until(replaced(old))
        self.expect_page("page-approve_result", "after deciding")
        return self.driver.find_element(By.ID, "result").get_attribute("data-code")

    def open_inbox(self):
        self.driver.get(f"{self.issuer}/approve")
        self.expect_page("page-approve", "opening /approve")
        WebDriverWait(self.driver, 10).until(lambda driver: not driver.find_element(By.ID, "live").get_attribute("hidden"))

    def run(self):
        self.sign_in(path="/approve", landing="page-approve")
        WebDriverWait(self.driver, 10).until(lambda driver: not driver.find_element(By.ID, "live").get_attribute("hidden"))
        self.screenshot("approve-empty")
        outcomes = {}
        for name, pin in (("approved", self.person["pin"]), ("wrong-pin", "135790"), ("rejected", None)):
            if name != "approved":
                self.open_inbox()
            purpose = f"Age check ({name})"
            transaction = self.ask(purpose)
            card, seconds = self.arrives(transaction, purpose)
            if name == "approved":
                time.sleep(0.5)  # the card's arrival animation
                self.screenshot("approve-request")
                card = self.driver.find_element(By.ID, f"request-{transaction}")
            code = self.decide(card, pin)
            self.screenshot(f"approve-{name}")
            outcomes[name] = {"transaction_id": transaction, "appeared_after_s": seconds, "page_said": code}
        self.seen["outcomes"] = outcomes

        # The account console's identity section lists the three, and changes the PIN.
        self.driver.get(f"{self.issuer}/account#identity")
        self.expect_page("page-account", "the account console")
        statuses = sorted(item.get_attribute("data-status") for item in self.driver.find_elements(By.CSS_SELECTOR, "#history-list li"))
        if statuses != ["completed", "failed", "failed"]:
            raise Failure(f"the verification history shows {statuses}")
        self.fill("current_pin", self.person["pin"])
        self.fill("new_pin", self.person["new_pin"])
        self.submit("pin-form")
        self.expect_page("page-account", "after changing the PIN")
        if not self.driver.find_elements(By.ID, "notice") or self.driver.find_elements(By.ID, "problem"):
            raise Failure("the PIN change was not confirmed")
        self.screenshot("account-identity")
        return self.seen


if __name__ == "__main__":
    sys.exit(main(Approver))
