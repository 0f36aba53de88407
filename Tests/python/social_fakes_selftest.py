"""Self-check of social_fakes.py: one full code flow per provider, against the documented shapes.

Run: python3 Tests/python/social_fakes_selftest.py
It starts social_fakes.py on a free port, runs authorize -> token (with PKCE) -> profile for
every provider (Apple: form_post and a freshly generated ES256 client secret), checks the
control API and a few error paths, stops the fakes with SIGTERM and prints "N passed, N failed".
Exit status 0 only when everything passed.
"""
import base64
import hashlib
import html.parser
import json
import pathlib
import secrets
import signal
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

FAKES = pathlib.Path(__file__).with_name("social_fakes.py")
REDIRECT_URI = "http://127.0.0.1:9/callback"   # never contacted: the test reads the redirect
CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"

# One row per provider: where its endpoints are and what a real client asks for.
PROVIDERS = {
    "kakao": {"authorize": "/kakao/oauth/authorize", "token": "/kakao/oauth/token",
              "scope": "profile_nickname profile_image account_email"},
    "naver": {"authorize": "/naver/oauth2.0/authorize", "token": "/naver/oauth2.0/token", "scope": ""},
    "github": {"authorize": "/github/login/oauth/authorize", "token": "/github/login/oauth/access_token",
               "scope": "read:user user:email"},
    "facebook": {"authorize": "/facebook/dialog/oauth", "token": "/facebook/oauth/access_token",
                 "scope": "email,public_profile"},
    "discord": {"authorize": "/discord/oauth2/authorize", "token": "/discord/api/oauth2/token",
                "scope": "identify email"},
    "apple": {"authorize": "/apple/auth/authorize", "token": "/apple/auth/token", "scope": "name email"},
    "x": {"authorize": "/x/i/oauth2/authorize", "token": "/x/2/oauth2/token", "scope": "users.read tweet.read users.email"},
    "linkedin": {"authorize": "/linkedin/oauth/v2/authorization", "token": "/linkedin/oauth/v2/accessToken",
                 "scope": "openid profile email"},
}


# --- HTTP without following redirects ------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.text = status, headers, body.decode("utf-8")

    def json(self):
        return json.loads(self.text)

    def redirect_query(self):
        assert self.status == 302, f"expected a 302, got {self.status}: {self.text[:200]}"
        location = urllib.parse.urlsplit(self.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI, self.headers["Location"]
        return dict(urllib.parse.parse_qsl(location.query))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, url, form=None, json_body=None, headers=None):
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(provider, challenge, **extra):
    return {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
            "scope": PROVIDERS[provider]["scope"], "state": "st-" + provider, "nonce": "nonce-" + provider,
            "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def authorize(base, provider, challenge, **extra):
    url = base + PROVIDERS[provider]["authorize"] + "?" + urllib.parse.urlencode(authorize_params(provider, challenge, **extra))
    return call("GET", url)


def token_form(code, verifier, **extra):
    return {"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier, **extra}


def bearer(token):
    return {"Authorization": "Bearer " + token}


# --- the fakes as a child process ----------------------------------------------------------

class Fakes:
    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, str(FAKES), "--port", "0"], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().split()
        assert line[:1] == ["READY"], f"social_fakes.py did not say READY: {line}"
        self.base = f"http://127.0.0.1:{line[1]}"
        return self

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --- per-provider flows --------------------------------------------------------------------

def check_kakao(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "kakao", challenge).redirect_query()["code"]
    wrong = call("POST", base + "/kakao/oauth/token", form=token_form(code, "not-the-verifier"))
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant", wrong.text
    code = authorize(base, "kakao", challenge).redirect_query()["code"]
    r = call("POST", base + "/kakao/oauth/token", form=token_form(code, verifier))
    assert r.status == 200, r.text
    token = r.json()
    assert token["token_type"] == "bearer" and isinstance(token["expires_in"], int) and token["refresh_token"]
    reused = call("POST", base + "/kakao/oauth/token", form=token_form(code, verifier))
    assert reused.status == 400 and reused.json()["error_code"] == "KOE320", reused.text
    me = call("GET", base + "/kakao/v2/user/me", headers=bearer(token["access_token"])).json()
    assert isinstance(me["id"], int) and not isinstance(me["id"], bool), me
    account = me["kakao_account"]
    assert set(account["profile"]) >= {"nickname", "profile_image_url", "thumbnail_image_url"}, account
    assert account["email"] and account["is_email_verified"] is True and account["is_email_valid"] is True
    assert "connected_at" in me and account["name"]
    unauth = call("GET", base + "/kakao/v2/user/me")
    assert unauth.status == 401 and unauth.json()["code"] == -401, unauth.text


def check_kakao_without_email(base):
    call("POST", base + "/_control/kakao/persona", json_body={"id": 42, "email": None})
    verifier, challenge = pkce_pair()
    code = authorize(base, "kakao", challenge).redirect_query()["code"]
    token = call("POST", base + "/kakao/oauth/token", form=token_form(code, verifier)).json()
    account = call("GET", base + "/kakao/v2/user/me", headers=bearer(token["access_token"])).json()["kakao_account"]
    assert account["email_needs_agreement"] is True and "email" not in account and "is_email_verified" not in account


def check_naver(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "naver", challenge).redirect_query()["code"]
    # Naver documents the token request as GET with query parameters and no redirect_uri.
    query = token_form(code, verifier, state="st-naver")
    del query["redirect_uri"]
    r = call("GET", base + "/naver/oauth2.0/token?" + urllib.parse.urlencode(query))
    token = r.json()
    assert r.status == 200 and token["token_type"] == "bearer" and token["expires_in"] == "3600", r.text
    me = call("GET", base + "/naver/v1/nid/me", headers=bearer(token["access_token"])).json()
    assert me["resultcode"] == "00" and me["message"] == "success", me
    assert isinstance(me["response"]["id"], str)
    assert set(me["response"]) >= {"id", "email", "name", "nickname", "profile_image"}, me
    again = call("GET", base + "/naver/oauth2.0/token?" + urllib.parse.urlencode(query))
    assert again.status == 200 and again.json()["error"] == "invalid_request", again.text   # Naver: 200 + error


def check_github(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "github", challenge).redirect_query()["code"]
    form = token_form(code, verifier)
    del form["grant_type"]
    r = call("POST", base + "/github/login/oauth/access_token", form=form)   # no Accept: form-encoded
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/x-www-form-urlencoded"), r.headers
    token = dict(urllib.parse.parse_qsl(r.text))
    assert token["access_token"].startswith("gho_") and token["token_type"] == "bearer"
    assert token["scope"] == "read:user,user:email", token
    user = call("GET", base + "/github/user", headers=bearer(token["access_token"])).json()
    assert isinstance(user["id"], int) and user["login"] and "email" in user and user["avatar_url"], user
    emails = call("GET", base + "/github/user/emails", headers=bearer(token["access_token"])).json()
    assert emails and set(emails[0]) == {"email", "primary", "verified", "visibility"}, emails
    assert emails[0]["primary"] is True and emails[0]["verified"] is True
    bad = call("POST", base + "/github/login/oauth/access_token", form=form, headers={"Accept": "application/json"})
    assert bad.status == 200 and bad.json()["error"] == "bad_verification_code", bad.text   # GitHub: 200 + error


def check_github_json_and_private_email(base):
    call("POST", base + "/_control/github/persona", json_body={"email_public": False})
    verifier, challenge = pkce_pair()
    code = authorize(base, "github", challenge, scope="read:user").redirect_query()["code"]
    r = call("POST", base + "/github/login/oauth/access_token", form=token_form(code, verifier),
             headers={"Accept": "application/json"})
    token = r.json()
    assert r.headers["Content-Type"].startswith("application/json") and token["scope"] == "read:user", r.text
    user = call("GET", base + "/github/user", headers={"Authorization": "token " + token["access_token"]}).json()
    assert user["email"] is None, user
    no_scope = call("GET", base + "/github/user/emails", headers=bearer(token["access_token"]))
    assert no_scope.status == 404, no_scope.text
    logged = [e for e in call("GET", base + "/_control/requests?provider=github").json()
              if e["path"] == "/github/login/oauth/access_token"]
    assert logged[-1]["headers"].get("Accept") == "application/json", logged[-1]


def check_facebook(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "facebook", challenge).redirect_query()["code"]
    query = token_form(code, verifier)
    del query["grant_type"]
    token = call("GET", base + "/facebook/v19.0/oauth/access_token?" + urllib.parse.urlencode(query)).json()
    assert token["token_type"] == "bearer" and isinstance(token["expires_in"], int), token
    me = call("GET", base + "/facebook/me?fields=id,name,email,first_name,last_name,picture",
              headers=bearer(token["access_token"])).json()
    assert set(me) == {"id", "name", "email", "first_name", "last_name", "picture"}, me
    assert isinstance(me["id"], str) and me["picture"]["data"]["url"], me
    default = call("GET", base + "/facebook/me?access_token=" + token["access_token"]).json()
    assert set(default) == {"id", "name"}, default
    unknown = call("GET", base + "/facebook/me?fields=id,favourite_colour", headers=bearer(token["access_token"]))
    assert unknown.status == 400 and unknown.json()["error"]["type"] == "OAuthException", unknown.text
    unauth = call("GET", base + "/facebook/me?fields=id", headers=bearer("nope"))
    assert unauth.status == 400 and unauth.json()["error"]["code"] == 190, unauth.text


def check_discord(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "discord", challenge).redirect_query()["code"]
    form = token_form(code, verifier)
    del form["client_id"], form["client_secret"]
    wrong = call("POST", base + "/discord/api/oauth2/token", form=form,
                 headers={"Authorization": "Basic " + base64.b64encode(b"test-client:wrong").decode()})
    assert wrong.status == 401 and wrong.json() == {"error": "invalid_client"}, wrong.text
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    r = call("POST", base + "/discord/api/oauth2/token", form=form, headers={"Authorization": "Basic " + basic})
    token = r.json()
    assert r.status == 200 and token["token_type"] == "Bearer" and token["scope"] == "email identify", r.text
    me = call("GET", base + "/discord/api/v10/users/@me", headers=bearer(token["access_token"])).json()
    assert isinstance(me["id"], str) and me["id"].isdigit(), me
    assert set(me) >= {"id", "username", "global_name", "avatar", "email", "verified", "locale"}, me
    assert me["verified"] is True


def check_x(base):
    url = base + PROVIDERS["x"]["authorize"] + "?" + urllib.parse.urlencode(
        {k: v for k, v in authorize_params("x", "").items() if not k.startswith("code_challenge")})
    assert call("GET", url).status == 400, "an authorization without code_challenge is refused"
    verifier, challenge = pkce_pair()
    code = authorize(base, "x", challenge).redirect_query()["code"]
    form = token_form(code, verifier)
    assert call("POST", base + "/x/2/oauth2/token", form=form).status == 401, "form fields are no client authentication"
    del form["client_id"], form["client_secret"]
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    r = call("POST", base + "/x/2/oauth2/token", form=form, headers={"Authorization": "Basic " + basic})
    token = r.json()
    assert r.status == 200 and token["token_type"] == "bearer", r.text
    plain = call("GET", base + "/x/2/users/me", headers=bearer(token["access_token"])).json()
    assert set(plain["data"]) == {"id", "name", "username"}, plain
    full = call("GET", base + "/x/2/users/me?user.fields=profile_image_url,confirmed_email",
                headers=bearer(token["access_token"])).json()
    assert full["data"]["confirmed_email"] and full["data"]["profile_image_url"], full
    assert call("GET", base + "/x/2/users/me", headers=bearer("nope")).json()["status"] == 401


def check_linkedin(base):
    verifier, challenge = pkce_pair()
    code = authorize(base, "linkedin", challenge).redirect_query()["code"]
    r = call("POST", base + "/linkedin/oauth/v2/accessToken", form=token_form(code, verifier))
    token = r.json()
    assert r.status == 200 and token["scope"] == "email,openid,profile", r.text
    keys = call("GET", base + "/linkedin/oauth/openid/jwks").json()["keys"]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[0]))
    claims = jwt.decode(token["id_token"], key, algorithms=["RS256"], audience=CLIENT_ID, issuer="https://www.linkedin.com/oauth")
    assert claims["nonce"] == "nonce-linkedin" and claims["email_verified"] is True and claims["given_name"], claims


class FormReader(html.parser.HTMLParser):
    """Reads the action and hidden inputs of Apple's auto-submitting form_post page."""

    def __init__(self):
        super().__init__()
        self.action, self.method, self.fields = None, None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action, self.method = attrs.get("action"), attrs.get("method")
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")


def read_form(page):
    reader = FormReader()
    reader.feed(page)
    return reader


def apple_client_secret(key, team_id="TEAMFAKE01", key_id="KEYFAKE001", client_id=CLIENT_ID):
    now = int(time.time())
    claims = {"iss": team_id, "iat": now, "exp": now + 3600, "aud": "https://appleid.apple.com", "sub": client_id}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": key_id})


def check_apple(base):
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    call("POST", base + "/_control/apple/client", json_body={"client_id": CLIENT_ID, "team_id": "TEAMFAKE01",
                                                              "key_id": "KEYFAKE001", "public_key_pem": public_pem})
    refused = authorize(base, "apple", "x")   # name/email scope without form_post
    assert refused.status == 400, refused.text

    verifier, challenge = pkce_pair()
    page = authorize(base, "apple", challenge, response_mode="form_post")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html"), page.text
    form = read_form(page.text)
    assert form.action == REDIRECT_URI and form.method.upper() == "POST", (form.action, form.method)
    assert form.fields["state"] == "st-apple" and form.fields["code"]
    user = json.loads(form.fields["user"])
    assert set(user) == {"name", "email"} and set(user["name"]) == {"firstName", "lastName"}, user

    other_key = ec.generate_private_key(ec.SECP256R1())
    bad = call("POST", base + "/apple/auth/token",
               form=token_form(form.fields["code"], verifier, client_secret=apple_client_secret(other_key)))
    assert bad.status == 400 and bad.json() == {"error": "invalid_client"}, bad.text
    code = read_form(authorize(base, "apple", challenge, response_mode="form_post").text).fields
    assert "user" not in code, "Apple sends user only on the first authorization"
    r = call("POST", base + "/apple/auth/token",
             form=token_form(code["code"], verifier, client_secret=apple_client_secret(key)))
    assert r.status == 200, r.text
    token = r.json()
    assert token["token_type"] == "Bearer" and token["id_token"] and token["refresh_token"], token
    signing_key = jwt.PyJWKClient(base + "/apple/auth/keys").get_signing_key_from_jwt(token["id_token"])
    claims = jwt.decode(token["id_token"], signing_key.key, algorithms=["RS256"], audience=CLIENT_ID,
                        issuer="https://appleid.apple.com", options={"require": ["exp", "iat", "sub"]})
    assert claims["nonce"] == "nonce-apple" and claims["email"], claims
    assert claims["email_verified"] == "true" and claims["is_private_email"] == "false", claims
    assert jwt.get_unverified_header(token["id_token"])["kid"] == signing_key.key_id


def check_control_modes(base):
    verifier, challenge = pkce_pair()
    call("POST", base + "/_control/kakao/mode", json_body={"mode": "deny"})
    denied = authorize(base, "kakao", challenge).redirect_query()
    assert denied["error"] == "access_denied" and denied["state"] == "st-kakao" and "code" not in denied, denied

    call("POST", base + "/_control/discord/mode", json_body={"mode": "token_error"})
    code = authorize(base, "discord", challenge).redirect_query()["code"]
    failed = call("POST", base + "/discord/api/oauth2/token", form=token_form(code, verifier))
    assert failed.status == 400 and failed.json()["error"] == "invalid_grant", failed.text

    call("POST", base + "/_control/naver/mode", json_body={"mode": "slow", "seconds": 1})
    code = authorize(base, "naver", challenge).redirect_query()["code"]
    started = time.monotonic()
    slow = call("POST", base + "/naver/oauth2.0/token", form=token_form(code, verifier))
    assert time.monotonic() - started >= 1 and slow.json()["access_token"], slow.text


def check_request_log(base):
    entries = call("GET", base + "/_control/requests?provider=kakao").json()
    first = entries[0]
    assert first["path"] == "/kakao/oauth/authorize", first
    assert first["query"]["code_challenge_method"] == "S256" and first["query"]["nonce"] == "nonce-kakao", first
    token_call = next(e for e in entries if e["path"] == "/kakao/oauth/token")
    assert token_call["form"]["code_verifier"] and token_call["method"] == "POST", token_call
    call("POST", base + "/_control/reset")
    assert call("GET", base + "/_control/requests").json() == []


def check_default_apple_key(base):
    """Without control calls, a test can still sign Apple's client secret with the default key."""
    client = call("GET", base + "/_control/apple/client").json()
    key = serialization.load_pem_private_key(client["private_key_pem"].encode(), password=None)
    verifier, challenge = pkce_pair()
    fields = read_form(authorize(base, "apple", challenge, response_mode="form_post").text).fields
    secret = apple_client_secret(key, client["team_id"], client["key_id"])
    r = call("POST", base + "/apple/auth/token", form=token_form(fields["code"], verifier, client_secret=secret))
    assert r.status == 200 and r.json()["id_token"], r.text


CHECKS = [check_kakao, check_kakao_without_email, check_naver, check_github, check_github_json_and_private_email,
          check_facebook, check_discord, check_x, check_linkedin, check_apple, check_control_modes, check_request_log, check_default_apple_key]


def main():
    passed = failed = 0
    with Fakes() as fakes:
        for check in CHECKS:
            try:
                check(fakes.base)
                passed += 1
                print(f"PASS {check.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {check.__name__}\n{traceback.format_exc()}")
        exit_code = fakes.stop()
        if exit_code == 0:
            passed += 1
            print("PASS fakes exit 0 on SIGTERM")
        else:
            failed += 1
            print(f"FAIL fakes exited {exit_code} on SIGTERM")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
