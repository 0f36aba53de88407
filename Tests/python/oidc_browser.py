"""The tiny "browser" of oidc_rp.py: cookies, redirects and Gatehouse's HTML forms.

Nothing protocol-related lives here (the relying-party libraries do that); this module only plays
the user's browser between the authorization request and the answer to the redirect URI:

    browser = Browser(issuer, cookies=load_cookies(path), screens="/tmp/screens")
    params, pages = authorize(browser, authorization_url, FlowOptions(...))
    save_cookies(path, browser.cookies)

Cookies are kept by hand in a dict name -> value, filled from every Set-Cookie of the gateway's
answers (Max-Age<=0 or a past Expires deletes) and sent as one Cookie header on every request to
the gateway's origin: the gateway's __Host- cookies are Secure while the tests use plain http,
and Python's cookie jars will not send Secure cookies over http.

Forms are found by id (parsed with html.parser):
  sign-in        fill username (or identifier) and password, keep every other input as it is
  second-factor  fill code with the current TOTP of the given base32 secret (pyotp)
  consent        submit with the button name="decision" value="allow" (or "deny")
  form-post      response_mode=form_post: its hidden inputs are the authorization response
Anything else (another 200 page, a 4xx/5xx, a redirect off the gateway) fails.
"""
import json
import os
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pyotp
import requests

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_STEPS = 25
KNOWN_FORMS = ("sign-in", "second-factor", "consent", "form-post")
USER_FIELDS = ("username", "identifier")


class Failure(Exception):
    """A flow step went wrong; the message is the one-line reason printed by oidc_rp.py."""


@dataclass
class FlowOptions:
    redirect_uri: str
    username: str
    password: str
    totp_secret: str = None
    consent: str = "allow"
    expect_sso: bool = False


# --- HTML -------------------------------------------------------------------------------------

class PageParser(HTMLParser):
    """Collects the forms of a page (inputs, textareas, buttons) and its visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.text = []
        self._form = None
        self._skip = 0  # inside <script>/<style>
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "form":
            self._form = {"id": a.get("id"), "action": a.get("action", ""),
                          "method": a.get("method", "get").lower(), "fields": [], "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form["buttons"].append((a.get("name"), a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a and a.get("name"):
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in ("button", "reset", "file") and a.get("name"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._form["buttons"].append((a.get("name"), a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._form["fields"].append(self._textarea)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif not self._skip:
            self.text.append(data)


def parse_page(html):
    """Returns (forms, visible text on one line)."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.forms, " ".join(" ".join(parser.text).split())


def brief(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "..."


# --- cookies and requests -------------------------------------------------------------------

def load_cookies(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return dict(json.load(f))
    return {}


def save_cookies(path, cookies):
    if path:
        with open(path, "w") as f:
            json.dump(cookies, f, indent=1, sort_keys=True)


def origin(url):
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower())


def _expired(attributes):
    for name, value in attributes:
        if name == "max-age":
            try:
                return int(value) <= 0
            except ValueError:
                continue
    for name, value in attributes:
        if name == "expires":
            try:
                return parsedate_to_datetime(value).timestamp() <= time.time()
            except (TypeError, ValueError):
                continue
    return False


class Browser:
    """Requests without automatic redirects, with the cookie dict and page dumps."""

    def __init__(self, gateway, cookies=None, screens=None, timeout=15):
        self.gateway = origin(gateway)
        self.cookies = dict(cookies or {})
        self.screens = screens
        self.timeout = timeout
        self.pages = 0
        if screens:
            os.makedirs(screens, exist_ok=True)

    def on_gateway(self, url):
        return origin(url) == self.gateway

    def request(self, method, url, data=None):
        if not self.on_gateway(url):
            raise Failure(f"refusing to browse off the gateway: {method} {url}")
        headers = {"Accept": "text/html,application/xhtml+xml", "User-Agent": "gatehouse-oidc-rp"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            response = requests.request(method, url, headers=headers, allow_redirects=False,
                                        timeout=self.timeout,
                                        params=data if method == "GET" else None,
                                        data=data if method != "GET" else None)
        except requests.RequestException as exc:
            raise Failure(f"{method} {url}: {exc}") from exc
        self._store_cookies(response)
        return response

    def _store_cookies(self, response):
        for header in response.raw.headers.getlist("Set-Cookie"):
            pair, *rest = header.split(";")
            name, sep, value = pair.strip().partition("=")
            if not sep or not name:
                continue
            attributes = [(k.strip().lower(), v.strip()) for k, _, v in (a.partition("=") for a in rest)]
            if _expired(attributes):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value.strip()

    def save_screen(self, html, form_id):
        self.pages += 1
        if self.screens:
            path = os.path.join(self.screens, f"{self.pages:02d}-{form_id or 'page'}.html")
            with open(path, "w", encoding="utf-8") as f:
                f.write(html)


# --- the authorization flow -----------------------------------------------------------------

def is_redirect_uri(url, redirect_uri):
    return url.split("#")[0].split("?")[0] == redirect_uri.split("?")[0]


def response_from_location(location):
    """The authorization response carried by a redirect to the redirect URI."""
    parts = urlsplit(location)
    return dict(parse_qsl(parts.query or parts.fragment, keep_blank_values=True))


def fill_form(form, options):
    """Returns the fields to submit for a known form, or the authorization response (form-post)."""
    fields = dict(form["fields"])
    kind = form["id"]
    if kind in ("sign-in", "second-factor") and options.expect_sso:
        raise Failure(f"expected single sign-on but the gateway showed the {kind} form")
    if kind == "sign-in":
        # The user field is "username" (or "identifier": username or e-mail); fill whichever is there.
        names = [n for n in USER_FIELDS if n in fields] or ["username"]
        fields.update(dict.fromkeys(names, options.username), password=options.password)
        named = [b for b in form["buttons"] if b[0]]
        if named:
            fields[named[0][0]] = named[0][1]
    elif kind == "second-factor":
        if not options.totp_secret:
            raise Failure("the gateway asked for a second factor but no --totp-secret was given")
        fields["code"] = pyotp.TOTP(options.totp_secret).now()
    elif kind == "consent":
        buttons = [b for b in form["buttons"] if b == ("decision", options.consent)]
        if not buttons:
            raise Failure(f'consent form has no button name="decision" value="{options.consent}" '
                          f"(buttons: {form['buttons']})")
        fields["decision"] = options.consent
    return fields


def authorize(browser, url, options):
    """Drives the gateway from the authorization URL to the answer for the redirect URI.

    Returns (authorization response params, list of the form ids seen in order)."""
    method, data, seen = "GET", None, []
    for _ in range(MAX_STEPS):
        response = browser.request(method, url, data)
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            if not location:
                raise Failure(f"{status} redirect without Location from {url}")
            location = urljoin(url, location)
            if is_redirect_uri(location, options.redirect_uri):
                return response_from_location(location), seen
            if not browser.on_gateway(location):
                raise Failure(f"redirect to neither the gateway nor the redirect URI: {location}")
            if status not in (307, 308):
                method, data = "GET", None
            url = location
            continue
        html = response.text if "html" in response.headers.get("Content-Type", "") else ""
        forms, text = parse_page(html) if html else ([], response.text.strip())
        form = next((f for f in forms if f["id"] in KNOWN_FORMS), None)
        if html:
            browser.save_screen(html, form["id"] if form else None)
        if status != 200 or form is None:
            what = "unexpected page" if status == 200 else f"HTTP {status}"
            raise Failure(f"{what} at {method} {url}: {brief(text)}")
        if form["id"] in seen:  # e.g. sign-in again after a refused password
            raise Failure(f"the gateway showed the {form['id']} form again: {brief(text)}")
        seen.append(form["id"])
        action = urljoin(url, form["action"] or url)
        if form["id"] == "form-post":
            if not is_redirect_uri(action, options.redirect_uri):
                raise Failure(f"form-post form posts to {action}, not to the redirect URI")
            return dict(form["fields"]), seen
        data = fill_form(form, options)
        method, url = ("POST" if form["method"] == "post" else "GET"), action
    raise Failure(f"no answer for the redirect URI after {MAX_STEPS} steps (last: {url})")
