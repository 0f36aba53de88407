"""Self-test of oidc_rp.py without Gatehouse: a fake gateway in front of oidc-provider-mock.

    python3 Tests/python/oidc_rp_selftest.py [-v]     prints one line per case (-v: with the
                                                      refusals' messages), then "N passed,
                                                      N failed"; exit 1 on a failure

It starts oidc-provider-mock on a free loopback port and, in this process, a fake gateway that
proxies it with its own Host header (so the mock names the fake as issuer) but plays Gatehouse's
parts: the sign-in / second-factor / consent forms with __Host- Secure cookies and a CSRF token,
single sign-on, prompt=none, form_post, RFC 9207 iss, ES256 ID tokens (the mock's RS256 ones are
re-signed), checks of client authentication and PKCE at the token endpoint, and RP-initiated
logout. Then it runs oidc_rp.py with both libraries through the cases below. Only 127.0.0.1.
"""
import base64
import hashlib
import html
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyotp
import requests
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jws import extract_compact

HERE = os.path.dirname(os.path.abspath(__file__))
TOTP = pyotp.random_base32()
USERS = {"alice": ("alice-pw", TOTP), "bob": ("bob-pw", None)}
SECRET = "confidential-secret-0123456789"
CLIENTS = {"conf": SECRET, "pub": None, "pub2": None}
# Clients whose answers the fake spoils on purpose: the RP must refuse them (exit 1).
EVIL = {"evil-iss": "iss", "evil-state": "state", "evil-sig": "signature", "evil-hash": "at_hash",
        "evil-nonce": "nonce", "evil-aud": "aud"}
CLIENTS.update(dict.fromkeys(EVIL))
KEY = ECKey.generate_key("P-256", parameters={"kid": "fake-1"})
OTHER_KEY = ECKey.generate_key("P-256", parameters={"kid": "fake-1"})


class Gateway:
    def __init__(self, mock):
        self.mock, self.sessions, self.pending, self.requests = mock, {}, {}, {}
        self.consents, self.codes = set(), {}
        self.algs = ["ES256"]  # Gatehouse's choice; the last cases add RS256 as Discovery asks


def page(form_id, action, hidden, body):
    inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in hidden.items())
    return (f'<!doctype html><html><body><h1>Gatehouse</h1><form id="{form_id}" method="post" '
            f'action="{html.escape(action)}">{inputs}{body}</form></body></html>')


class Handler(BaseHTTPRequestHandler):
    gw = None  # set per server

    def log_message(self, *args):
        pass

    # --- plumbing
    def send(self, status, body=b"", ctype="text/html; charset=utf-8", headers=()):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, headers=()):
        self.send(303 if self.command == "POST" else 302, headers=[("Location", location), *headers])

    def cookies(self):
        pairs = (c.strip().partition("=") for c in self.headers.get("Cookie", "").split(";") if c.strip())
        return {k: v for k, _, v in pairs}

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(length) if length else b""
        return dict(parse_qsl(self.raw.decode()))

    def issuer(self):
        return f"http://{self.headers['Host']}"

    def proxy(self, body=None):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")}
        r = requests.request(self.command, self.gw.mock + self.path, headers=headers, data=body,
                             allow_redirects=False, timeout=10)
        return r

    # --- routes
    def do_GET(self):
        path, query = urlsplit(self.path).path, dict(parse_qsl(urlsplit(self.path).query))
        if path == "/.well-known/openid-configuration":
            meta = self.proxy().json()
            meta.update(id_token_signing_alg_values_supported=self.gw.algs,
                        response_modes_supported=["query", "form_post"],
                        authorization_response_iss_parameter_supported=True,
                        code_challenge_methods_supported=["S256"],
                        token_endpoint_auth_methods_supported=["client_secret_basic", "none"])
            return self.send(200, json.dumps(meta), "application/json")
        if path == "/jwks":
            return self.send(200, json.dumps({"keys": [KEY.as_dict(private=False)]}), "application/json")
        if path == "/oauth2/authorize":
            return self.authorize(query)
        if path == "/authorize/continue":
            return self.resume(query.get("request", ""))
        if path == "/oauth2/end_session":
            return self.end_session(query)
        r = self.proxy()
        self.send(r.status_code, r.content, r.headers.get("Content-Type", "text/plain"))

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/oauth2/token":
            return self.token(self.form())
        handlers = {"/sign-in": self.sign_in, "/second-factor": self.second_factor, "/consent": self.consent}
        if path not in handlers:
            return self.send(404, "not found")
        fields = self.form()
        if not fields.get("csrf") or fields["csrf"] != self.cookies().get("__Host-gh_csrf"):
            return self.send(403, "<p>Forbidden: CSRF token missing or wrong</p>")
        if fields.get("request") not in self.gw.requests:
            return self.send(400, "<p>Unknown request</p>")
        handlers[path](fields)

    def authorize(self, query):
        if query.get("client_id") not in CLIENTS or not query.get("redirect_uri", "").startswith("http://127.0.0.1"):
            return self.send(400, "<p>Unknown client or redirect URI</p>")
        if CLIENTS[query["client_id"]] is None and query.get("code_challenge_method") != "S256":
            return self.answer(query, error="invalid_request")
        request_id = secrets.token_urlsafe(8)
        self.gw.requests[request_id] = query
        if self.cookies().get("__Host-gh_session") in self.gw.sessions:
            return self.resume(request_id)
        if query.get("prompt") == "none":
            return self.answer(query, error="login_required")
        csrf = secrets.token_urlsafe(16)
        body = ('<label>User <input name="identifier"></label><label>Password <input type="password" '
                'name="password"></label><button type="submit">Sign in</button>')
        self.send(200, page("sign-in", "/sign-in", {"request": request_id, "csrf": csrf}, body),
                  headers=[("Set-Cookie", f"__Host-gh_csrf={csrf}; Path=/; Secure; HttpOnly; SameSite=Lax")])

    def sign_in(self, fields):
        user = USERS.get(fields.get("identifier"))
        if not user or user[0] != fields.get("password"):
            return self.send(401, "<p>Wrong username or password.</p>")
        if user[1]:
            pending = secrets.token_urlsafe(16)
            self.gw.pending[pending] = fields["identifier"]
            form = page("second-factor", "second-factor", {"request": fields["request"], "csrf": fields["csrf"]},
                        '<input name="code" autocomplete="one-time-code"><button>Verify</button>')
            return self.send(200, form, headers=[("Set-Cookie", f"__Host-gh_pending={pending}; Path=/; Secure")])
        self.start_session(fields["identifier"], fields["request"])

    def second_factor(self, fields):
        username = self.gw.pending.pop(self.cookies().get("__Host-gh_pending"), None)
        if not username or not pyotp.TOTP(USERS[username][1]).verify(fields.get("code", ""), valid_window=1):
            return self.send(401, "<p>Wrong code.</p>")
        self.start_session(username, fields["request"], [("Set-Cookie", "__Host-gh_pending=; Path=/; Secure; Max-Age=0")])

    def start_session(self, username, request_id, headers=()):
        session = secrets.token_urlsafe(16)
        self.gw.sessions[session] = username
        self.redirect(f"/authorize/continue?request={request_id}",
                      [("Set-Cookie", f"__Host-gh_session={session}; Path=/; Secure; HttpOnly"), *headers])

    def resume(self, request_id):
        username = self.gw.sessions.get(self.cookies().get("__Host-gh_session"))
        query = self.gw.requests.get(request_id)
        if not username or not query:
            return self.send(400, "<p>No session</p>")
        if (username, query["client_id"]) in self.gw.consents:
            return self.answer(query, username=username)
        body = ('<button type="submit" name="decision" value="allow">Allow</button>'
                '<button type="submit" name="decision" value="deny">Deny</button>')
        csrf = self.cookies().get("__Host-gh_csrf") or secrets.token_urlsafe(16)
        self.send(200, page("consent", "/consent", {"request": request_id, "csrf": csrf}, body),
                  headers=[("Set-Cookie", f"__Host-gh_csrf={csrf}; Path=/; Secure; HttpOnly")])

    def consent(self, fields):
        query = self.gw.requests[fields["request"]]
        username = self.gw.sessions.get(self.cookies().get("__Host-gh_session"))
        if fields.get("decision") != "allow":
            return self.answer(query, error="access_denied")
        self.gw.consents.add((username, query["client_id"]))
        self.answer(query, username=username)

    def answer(self, query, username=None, error=None):
        """Answers the redirect URI: a code from the mock, or an error; query or form_post."""
        if error:
            params = {"error": error, "state": query.get("state", "")}
        else:
            mock_query = {k: v for k, v in query.items() if k != "response_mode"}
            r = requests.post(f"{self.gw.mock}/oauth2/authorize?{urlencode(mock_query)}", data={"sub": username},
                              headers={"Host": self.headers["Host"]}, allow_redirects=False, timeout=10)
            params = dict(parse_qsl(urlsplit(r.headers["Location"]).query))
            self.gw.codes[params["code"]] = query
        params["iss"] = "http://evil.example" if query["client_id"] == "evil-iss" else self.issuer()
        if query["client_id"] == "evil-state":
            params["state"] = "forged"
        if query.get("response_mode") == "form_post":
            return self.send(200, page("form-post", query["redirect_uri"], params, "<noscript>Continue</noscript>"))
        self.redirect(f"{query['redirect_uri']}?{urlencode(params)}")

    def token(self, fields):
        query = self.gw.codes.get(fields.get("code"))
        if not query:
            return self.send(400, '{"error":"invalid_grant"}', "application/json")
        auth, secret = self.headers.get("Authorization", ""), CLIENTS[query["client_id"]]
        if secret is not None:
            expected = "Basic " + base64.b64encode(f"{query['client_id']}:{secret}".encode()).decode()
            if auth != expected or "client_secret" in fields:
                return self.send(401, '{"error":"invalid_client","error_description":"want client_secret_basic"}', "application/json")
        elif auth or fields.get("client_id") != query["client_id"] or "client_secret" in fields:
            return self.send(401, '{"error":"invalid_client","error_description":"public client"}', "application/json")
        if "code_challenge" in query:
            digest = hashlib.sha256(fields.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != query["code_challenge"]:
                return self.send(400, '{"error":"invalid_grant","error_description":"PKCE"}', "application/json")
        if secret is None:  # the mock knows only client_secret_basic/post; any secret will do
            self.headers["Authorization"] = "Basic " + base64.b64encode(f"{query['client_id']}:x".encode()).decode()
        r = self.proxy(self.raw)
        answer = r.json()
        if "id_token" in answer:  # re-sign the mock's RS256 ID token as ES256
            claims = json.loads(extract_compact(answer["id_token"].encode()).payload)
            spoil = EVIL.get(query["client_id"])
            if spoil in ("at_hash", "nonce", "aud"):
                claims[spoil] = "spoiled" if spoil != "aud" else ["someone-else"]
            key = OTHER_KEY if spoil == "signature" else KEY
            answer["id_token"] = jwt.encode({"alg": "ES256", "kid": "fake-1", "typ": "JWT"}, claims, key)
        self.send(r.status_code, json.dumps(answer), "application/json")

    def end_session(self, query):
        try:
            token = jwt.decode(query.get("id_token_hint", ""), KEY, algorithms=["ES256"])
        except Exception as exc:
            return self.send(400, f"<p>bad id_token_hint: {exc}</p>")
        uri = query.get("post_logout_redirect_uri", "")
        if token.claims["iss"] != self.issuer() or not uri.startswith("http://127.0.0.1"):
            return self.send(400, "<p>bad logout request</p>")
        self.gw.sessions.pop(self.cookies().get("__Host-gh_session"), None)
        self.redirect(f"{uri}?{urlencode({'state': query.get('state', '')})}",
                      [("Set-Cookie", "__Host-gh_session=; Path=/; Secure; HttpOnly; Max-Age=0")])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mock():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/.well-known/openid-configuration", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("oidc-provider-mock did not start")


def rp(issuer, library, client, *extra, user="alice", cookies=None):
    args = [sys.executable, os.path.join(HERE, "oidc_rp.py"), "--library", library, "--issuer", issuer,
            "--client-id", client, "--redirect-uri", "http://127.0.0.1:9/cb", "--username", user,
            "--password", USERS[user][0], "--totp-secret", TOTP, *extra]
    if CLIENTS[client]:
        args += ["--client-secret", CLIENTS[client]]
    if cookies:
        args += ["--cookies", cookies]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    out = (done.stdout + done.stderr).strip()
    try:
        return done.returncode, json.loads(out)
    except ValueError:
        return done.returncode, out


def cases(issuer, tmp):
    a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    for lib in ("authlib", "idpyoidc"):
        Handler.gw.consents.clear()
        fresh = os.path.join(tmp, f"{lib}.json")
        code, out = rp(issuer, lib, "conf", "--screens", os.path.join(tmp, lib), cookies=fresh)
        yield f"{lib} confidential, password + TOTP + consent", code == 0 and out["pages"] == [
            "sign-in", "second-factor", "consent"] and out["id_token_header"]["alg"] == "ES256" and \
            out["userinfo"]["sub"] == "alice" and out["token_response"]["has_refresh_token"], out
        code, out = rp(issuer, lib, "pub", "--expect-sso", "--response-mode", "form_post", cookies=fresh)
        yield f"{lib} public + PKCE, SSO, form_post", code == 0 and out["pages"] == ["consent", "form-post"], out
        code, out = rp(issuer, lib, "conf", "--expect-sso", "--logout", cookies=fresh)
        yield f"{lib} SSO without pages, logout", code == 0 and out["pages"] == [] and \
            out["logout"]["location"].startswith("http://127.0.0.1:9/logged-out?state="), out
        code, out = rp(issuer, lib, "conf", "--param", "prompt=none", cookies=fresh)
        yield f"{lib} prompt=none after logout", code == 3 and \
            out["authorization_error"]["error"] == "login_required" and out["authorization_error"]["iss"] == issuer, out
        code, out = rp(issuer, lib, "pub2", "--consent", "deny", user="bob")
        yield f"{lib} consent denied", code == 3 and out["authorization_error"]["error"] == "access_denied", out
        for client, spoil in EVIL.items():
            code, out = rp(issuer, lib, client, user="bob")
            yield f"{lib} refuses a bad {spoil}", code == 1 and str(out).startswith("error:"), out
    Handler.gw.algs = ["ES256", "RS256"]
    for lib in ("authlib", "idpyoidc"):
        code, out = rp(issuer, lib, "pub", "--screens", os.path.join(tmp, "rs256"), user="bob", cookies=a)
        yield f"{lib} without discovery warnings when RS256 is listed", code == 0 and \
            out["discovery_warnings"] == [] and out["id_token_header"]["alg"] == "ES256", out
    code, out = rp(issuer, "authlib", "conf", "--expect-sso", cookies=b)
    yield "no session but --expect-sso", code == 1 and "single sign-on" in str(out), out
    code, out = rp(issuer, "authlib", "pub", "--password", "nope", user="bob", cookies=os.path.join(tmp, "c.json"))
    yield "wrong password", code == 1 and "HTTP 401" in str(out), out


def main():
    verbose = "-v" in sys.argv[1:]  # also show the refusals' messages
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the finally stops the mock
    proc, mock = start_mock()
    Handler.gw = Gateway(mock)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    passed = failed = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, ok, out in cases(issuer, tmp):
                shown = not ok or (verbose and isinstance(out, str))
                print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f"\n     {out}" if shown else ""))
                passed, failed = passed + bool(ok), failed + (not ok)
    finally:
        server.shutdown()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # the mock does not always leave on SIGTERM under load
            proc.kill()
            proc.wait()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
