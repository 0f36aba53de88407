"""A SUPER_ADMIN runs Gatehouse from the admin console (/admin) in a real browser (chromium).

Usage: admin_console.py SETTINGS_JSON SCREENSHOT_DIR

SETTINGS_JSON names the issuer, the admin (username, password) and a callback URL for the new
service provider. The admin:

1. signs in through /admin and creates a service on the page: its client secret is shown once;
2. a person joins that service (registering through the JSON API, as its app would); on the
   service's page the admin sees the statistics chart, makes the person a moderator and filters
   the members by that role;
3. creates a service provider: its secrets are shown once; its page shows the totals and the daily
   chart, and renames it;
4. finds the person on the users page (their address masked), locks their account and unlocks it;
5. filters the audit log by action and sees the service's creation.

Screenshots of every page at a desktop's and a phone's width go to SCREENSHOT_DIR. Prints one
JSON object (what happened) and exits 0; exits 1 with the reason on the first failure.
"""
import secrets
import sys

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from account_console import ConsoleUser, Failure, main


class Admin(ConsoleUser):
    def __init__(self, settings, driver, screens):
        super().__init__(settings, driver, screens)
        # A loopback address the test deployment delivers to (a real one refuses private addresses).
        self.callback = settings["callback_url"]

    def secrets_shown(self, step):
        self.expect_page("page-admin_secrets", step)
        shown = {element.get_attribute("data-secret"): element.text for element in
                 self.driver.find_elements(By.CSS_SELECTOR, "#secrets code[data-secret]")}
        if not all(shown.values()):
            raise Failure(f"{step}: empty secrets {shown}")
        return shown

    def run(self):
        self.sign_in(path="/admin", landing="page-admin")

        slug = "shop-" + secrets.token_hex(4)
        self.fill("service_name", "Corner Shop")
        self.fill("service_slug", slug)
        self.fill("service_redirects", "https://shop.example.com/callback")
        self.submit("new-service")
        shown = self.secrets_shown("creating a service")
        if set(shown) != {"client_id", "client_secret"}:
            raise Failure(f"the new service's credentials: {sorted(shown)}")
        self.screenshot("admin-secrets")
        self.click(By.ID, "secrets-next")
        self.expect_page("page-admin_service", "the new service's page")

        member = "member_" + secrets.token_hex(4)
        joined = requests.post(f"{self.issuer}/api/v1/auth/register", timeout=10, json={
            "service": slug, "username": member, "email": f"{member}@example.com", "password": "a member's passphrase"})
        if joined.status_code != 201:
            raise Failure(f"the person could not join: {joined.status_code} {joined.text}")
        self.driver.get(f"{self.issuer}/admin/services/{slug}")
        if not self.driver.find_elements(By.CSS_SELECTOR, "#service-chart svg rect.bar"):
            raise Failure("no chart on the service's page")
        if not self.driver.find_elements(By.CSS_SELECTOR, "#service-days svg rect.bar"):
            raise Failure("no per-day chart on the service's page, though a person joined today")
        row = self.driver.find_element(By.CSS_SELECTOR, f"#member-list li[data-member='{member}']")
        Select(row.find_element(By.NAME, "role")).select_by_value("moderator")
        self.click(By.CSS_SELECTOR, f"#member-list li[data-member='{member}'] button[type=submit]")
        self.expect_page("page-admin_service", "after changing the member's role")
        Select(self.driver.find_element(By.CSS_SELECTOR, "#member-filter select[name=role]")).select_by_value("moderator")
        self.submit("member-filter")
        members = [item.get_attribute("data-member") for item in self.driver.find_elements(By.CSS_SELECTOR, "#member-list li")]
        if members != [member]:
            raise Failure(f"moderators listed: {members}")
        self.screenshot("admin-service")
        self.seen["service"] = slug
        self.scopes(member)
        self.add_member_and_plan(slug)
        self.lock_and_unlock(member)

        self.driver.get(f"{self.issuer}/admin/service-providers")
        self.expect_page("page-admin_providers", "the providers' page")
        self.fill("provider_name", "Corner Bank")
        self.fill("provider_callback", self.callback)
        self.submit("new-provider")
        shown = self.secrets_shown("creating a service provider")
        if not {"client_id", "client_secret", "webhook_secret"} <= set(shown):
            raise Failure(f"the provider's secrets: {sorted(shown)}")
        self.click(By.ID, "secrets-next")
        self.expect_page("page-admin_provider", "the provider's page")
        if not self.driver.find_elements(By.ID, "provider-chart"):
            raise Failure("no chart (or its empty state) on the provider's page")
        if len(self.driver.find_elements(By.CSS_SELECTOR, "#provider-totals li")) != 6:
            raise Failure("the provider's totals are not six")
        self.fill("sp_name", "Corner Bank Ltd")
        self.submit("provider-form")
        self.expect_page("page-admin_provider", "after renaming the provider")
        if "Corner Bank Ltd" not in self.text("provider-title"):
            raise Failure(f"the provider's new name is not shown: {self.text('provider-title')}")
        self.screenshot("admin-provider")
        self.click(By.ID, "transactions-link")
        self.expect_page("page-admin_transactions", "the provider's transactions")
        self.screenshot("admin-transactions")
        self.driver.get(f"{self.issuer}/admin/transactions")
        self.expect_page("page-admin_transactions", "the transactions of every provider")
        if not self.driver.find_elements(By.CSS_SELECTOR, "#t_provider option"):
            raise Failure("no provider filter on the transactions of every provider")
        self.screenshot("admin-transactions-all")
        self.driver.get(f"{self.issuer}/admin/service-providers")
        self.screenshot("admin-providers")

        self.driver.get(f"{self.issuer}/admin/audit")
        self.fill("f_action", "SERVICE_CREATED")
        self.submit("audit-filter")
        actions = {cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, "#audit-list tbody td:nth-child(2)")}
        if actions != {"SERVICE_CREATED"}:
            raise Failure(f"the filtered audit log shows {actions}")
        self.screenshot("admin-audit")
        self.driver.get(f"{self.issuer}/admin")
        self.screenshot("admin")
        return self.seen

    def scopes(self, member):
        """The admin writes the service's scope catalogue, one scope a line, and grants the member
        one scope and a permission of their own."""
        box = self.driver.find_element(By.ID, "scope_catalogue_text")
        box.clear()
        box.send_keys("orders:read | 주문 내역 보기 | See your orders | default\norders:write | 주문하기 | Place orders")
        self.submit("scope-catalogue")
        self.expect_page("page-admin_service", "after saving the scope catalogue")
        listed = [item.get_attribute("data-scope") for item in self.driver.find_elements(By.CSS_SELECTOR, "#scope-list li")]
        if listed != ["orders:read", "orders:write"]:
            raise Failure(f"the catalogue lists {listed}")
        row = f"#member-list li[data-member='{member}']"
        self.driver.find_element(By.CSS_SELECTOR, f"{row} input[name=scopes]").send_keys("orders:write")
        self.driver.find_element(By.CSS_SELECTOR, f"{row} input[name=permissions]").send_keys("refunds.issue")
        self.click(By.CSS_SELECTOR, f"{row} button[type=submit]")
        self.expect_page("page-admin_service", "after granting the member a scope")
        granted = self.driver.find_element(By.CSS_SELECTOR, f"{row} input[name=scopes]").get_attribute("value")
        if granted != "orders:write":
            raise Failure(f"the member's scopes read {granted!r}")
        self.seen["scopes"] = listed
        self.seen["granted"] = granted
        self.screenshot("admin-service-scopes")

    def add_member_and_plan(self, slug):
        """The admin adds their own account (of another service) as a guest, by its address, and
        moves the service to the pro plan."""
        self.driver.get(f"{self.issuer}/admin/services/{slug}")
        self.driver.find_element(By.CSS_SELECTOR, "#member-add input[name=email]").send_keys(f"{self.person['username']}@example.com")
        Select(self.driver.find_element(By.CSS_SELECTOR, "#member-add select[name=role]")).select_by_value("guest")
        self.submit("member-add")
        self.expect_page("page-admin_service", "after adding a member")
        if not self.driver.find_elements(By.CSS_SELECTOR, f"#member-list li[data-member='{self.person['username']}']"):
            raise Failure("the added account is not listed")
        Select(self.driver.find_element(By.ID, "settings_plan")).select_by_value("pro")
        self.submit("service-settings")
        self.expect_page("page-admin_service", "after changing the plan")
        self.seen["plan"] = self.text("service-plan")
        self.seen["added"] = self.person["username"]
        self.screenshot("admin-service-member-added")

    def lock_and_unlock(self, member):
        self.driver.get(f"{self.issuer}/admin/users")
        self.expect_page("page-admin_users", "the users page")
        self.fill("q", member)
        self.submit("user-search")
        self.expect_page("page-admin_users", "after searching")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#user-list tbody tr")
        if len(rows) != 1 or member not in rows[0].text:
            raise Failure(f"the search for {member} shows {[row.text for row in rows]}")
        if f"{member}@example.com" in self.driver.page_source:
            raise Failure("the users page shows a whole e-mail address")
        self.screenshot("admin-users")
        self.click(By.CSS_SELECTOR, "#user-list tbody a")
        self.expect_page("page-admin_user", "the account's page")
        self.submit("lock-form")
        self.expect_page("page-admin_user", "after locking the account")
        if not self.driver.find_elements(By.ID, "locked-badge"):
            raise Failure("the account is not shown locked")
        self.screenshot("admin-user-locked")
        self.submit("unlock-form")
        self.expect_page("page-admin_user", "after unlocking the account")
        if self.driver.find_elements(By.ID, "locked-badge"):
            raise Failure("the account is still shown locked")
        self.seen["locked_and_unlocked"] = member


if __name__ == "__main__":
    sys.exit(main(Admin))
