"""Local fakes of the OAuth2 providers Gatehouse's social login talks to.

Run:  python3 Tests/python/social_fakes.py --port PORT      (PORT 0 picks a free port)
It binds 127.0.0.1, prints one line "READY <port>" on stdout once listening, and exits 0 on
SIGTERM or SIGINT. Every provider lives under its own path prefix and answers the way that
provider documents (field names, value types, content types, error bodies and status codes):

  provider   authorize                     token                               profile
  kakao      GET /kakao/oauth/authorize    POST /kakao/oauth/token             GET|POST /kakao/v2/user/me
  naver      GET /naver/oauth2.0/authorize GET|POST /naver/oauth2.0/token      GET /naver/v1/nid/me
  github     GET /github/login/oauth/authorize
                                           POST /github/login/oauth/access_token
                                                                               GET /github/user, /github/user/emails
  facebook   GET /facebook/dialog/oauth    GET|POST /facebook/oauth/access_token
                                                                               GET /facebook/me?fields=...
  discord    GET /discord/oauth2/authorize POST /discord/api/oauth2/token      GET /discord/api/users/@me
  apple      GET /apple/auth/authorize     POST /apple/auth/token              (none; id_token) JWKS: GET /apple/auth/keys
  x          GET /x/i/oauth2/authorize     POST /x/2/oauth2/token              GET /x/2/users/me?user.fields=...
  linkedin   GET /linkedin/oauth/v2/authorization
                                           POST /linkedin/oauth/v2/accessToken (none; id_token) JWKS: GET /linkedin/oauth/openid/jwks

Facebook also answers with a Graph version segment (/facebook/v19.0/me), Discord with an API
version (/discord/api/v10/users/@me).

Flow, for every provider:
- authorize approves at once (no page) and 302s to redirect_uri?code=...&state=... . It checks
  client_id, that redirect_uri is present (and in the client's redirect_uris, when the test set
  them) and that response_type contains "code"; it records scope, state, nonce, code_challenge
  and code_challenge_method. A code lives 10 minutes and is good for one token request, for
  the client and redirect_uri it was issued to.
- token checks the client the way that provider takes it (Discord: HTTP Basic or form fields;
  the others: parameters only; Apple: client_secret must be an ES256 JWT, see below), the code,
  redirect_uri, and the PKCE code_verifier when a challenge was recorded (S256 or plain).
- profile endpoints want the access token from the token endpoint as "Authorization: Bearer"
  (GitHub also takes "token ...", Facebook also ?access_token=).

Documented quirks the fakes reproduce on purpose:
- GitHub and Naver answer token *errors* with HTTP 200 and an error body, as the real ones do
  (GitHub: error=bad_verification_code / incorrect_client_credentials / redirect_uri_mismatch,
  form-encoded unless "Accept: application/json"). Naver's expires_in is a string ("3600").
- GitHub token scope is comma-separated; /github/user/emails answers 404 unless the grant has
  the user:email or user scope; /github/user "email" is the public e-mail and may be null.
- Facebook returns only the fields asked for in fields= (id,name when none), e-mail only with
  the email scope; errors are {"error": {"message", "type": "OAuthException", "code", ...}}.
- Discord returns email and verified only with the email scope; its id is a string.
- X refuses an authorization without code_challenge, takes the client only as HTTP Basic, and
  wraps the profile in "data" (profile_image_url and confirmed_email only when user.fields asks).
- LinkedIn answers with an id_token only (RS256, iss https://www.linkedin.com/oauth,
  email_verified a boolean), and a comma-separated scope.
- Kakao's id is a number; without an e-mail in the persona kakao_account has
  email_needs_agreement: true and no email fields.
- Apple: response_mode=form_post is required with the name or email scope; the page POSTs
  code, state and, on the first authorization of a persona for a client only, user =
  {"name": {"firstName", "lastName"}, "email"}. Deny posts error=user_cancelled_authorize.
  The id_token is RS256 with kid (JWKS at /apple/auth/keys); email_verified and
  is_private_email are the strings "true"/"false"; nonce is echoed when given.
  client_secret must be an ES256 JWT with header kid = key_id, iss = team_id, sub = client_id,
  aud = issuer (default https://appleid.apple.com), iat and exp (at most 6 months apart),
  verified with the client's P-256 public key.

Defaults (no control calls needed): client_id "test-client", client_secret "test-secret".
Apple's default client: team_id "TEAM123456", key_id "KEY1234567" and a P-256 key made at
start-up; GET /_control/apple/client returns its private_key_pem so a test can sign with it.

Control API (JSON bodies and answers; control requests are not logged):
  POST /_control/{provider}/persona  body: a dict merged over that provider's default persona;
        it is who the next authorizations sign in. A null value removes a field. Fields:
        all:      id, email, email_verified (bool), name, extra (dict merged into the profile)
        kakao:    id (number), nickname, avatar (profile_image_url), thumbnail, email_valid,
                  connected_at
        naver:    id (string), nickname, avatar (profile_image), gender, age, birthday,
                  birthyear, mobile
        github:   id (number), login, avatar (avatar_url), email_public (bool, default true),
                  emails (list of {email, primary, verified, visibility}; default: the one email)
        facebook: id (string), first_name, last_name, avatar (picture.data.url)
        discord:  id (string snowflake), username, global_name, avatar (a hash), locale
        apple:    id (sub), first_name, last_name, is_private_email (bool)
        x:        id (string), name, username, avatar (profile_image_url), email (confirmed_email)
        linkedin: id (sub), first_name, last_name, avatar (picture)
  GET  /_control/{provider}/persona
  POST /_control/{provider}/mode     {"mode": "ok" | "deny" | "token_error" | "slow" | "redirect",
        "seconds": 15 (slow), "status": N (optional: overrides token_error's HTTP status)}.
        deny: authorize redirects back with that provider's access_denied error;
        token_error: the token endpoint answers that provider's invalid-grant error;
        redirect: the token endpoint answers 307 to /elsewhere/token on this server (logged
        as provider "elsewhere" if a client follows it);
        slow: the token endpoint sleeps `seconds` and then answers normally. Stays until changed.
  POST /_control/{provider}/client   {client_id, client_secret, redirect_uris?, and for apple
        team_id?, key_id?, public_key_pem?, issuer?}; merged over the current client.
  GET  /_control/{provider}/client
  GET  /_control/requests[?provider=NAME]  every provider request received, oldest first:
        {seq, time, provider, method, path, query, headers, form, json}
  POST /_control/reset   clients, personas, modes, codes, tokens, the log and Apple's
        "already signed in" memory back to the start (Apple's signing key stays).
"""
import argparse
import base64
import copy
import hashlib
import html
import json
import re
import secrets
import signal
import string
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CODE_LIFETIME_SECONDS = 600
DEFAULT_CLIENT_ID = "test-client"
DEFAULT_CLIENT_SECRET = "test-secret"
APPLE_ISSUER = "https://appleid.apple.com"
APPLE_MAX_SECRET_LIFETIME = 15777000  # six months, Apple's limit for a client secret


# --- small helpers -------------------------------------------------------------------------

class Reply:
    def __init__(self, status, body=b"", content_type="application/json;charset=UTF-8", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode()
        self.headers = {"Content-Type": content_type, **(headers or {})}


def json_reply(status, obj, content_type="application/json;charset=UTF-8", headers=None):
    return Reply(status, json.dumps(obj, ensure_ascii=False), content_type, headers)


def token_json_reply(status, obj, content_type="application/json;charset=UTF-8"):
    return json_reply(status, obj, content_type, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def html_reply(status, text):
    return Reply(status, text, "text/html; charset=utf-8")


def error_page(provider, message):
    return html_reply(400, f"<!doctype html><title>{provider} error</title><h1>{html.escape(message)}</h1>")


def with_query(url, params):
    """url with params appended to its query string (keeps any query it already has)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def redirect(url, params):
    return Reply(302, b"", "text/html; charset=utf-8", {"Location": with_query(url, params)})


def random_token(length, alphabet=string.ascii_letters + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_matches(challenge, method, verifier):
    if not verifier:
        return False
    if (method or "plain") == "S256":
        return secrets.compare_digest(b64url(hashlib.sha256(verifier.encode()).digest()), challenge)
    return secrets.compare_digest(verifier, challenge)


def scopes_of(scope):
    return set(re.split(r"[ ,]+", scope.strip())) if scope else set()


def rsa_jwks(key, kid):
    """The JWKS answer publishing an RS256 signing key (Apple's and LinkedIn's keys endpoints)."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return json_reply(200, {"keys": [{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                                      "n": public["n"], "e": public["e"]}]})


def drop_none(d):
    return {k: v for k, v in d.items() if v is not None}


# --- requests as the handlers see them -----------------------------------------------------

class Request:
    def __init__(self, method, path, query, headers, form, json_body):
        self.method = method
        self.path = path            # relative to the provider prefix, version segment removed
        self.query = query          # dict: name -> first value
        self.headers = headers      # email.message.Message: case-insensitive .get()
        self.form = form            # dict: name -> first value (urlencoded or JSON object body)
        self.json = json_body

    def params(self):
        """Query and body parameters together (body wins), for endpoints that take either."""
        return {**self.query, **self.form}

    def basic_credentials(self):
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except ValueError:
            return None
        return urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password)

    def bearer(self, schemes=("bearer",)):
        scheme, _, value = self.headers.get("Authorization", "").strip().partition(" ")
        return value.strip() if scheme.lower() in schemes and value.strip() else None


# --- shared state --------------------------------------------------------------------------

class Grant:
    """What an authorization code stands for."""

    def __init__(self, provider, client_id, redirect_uri, persona, scope, state, nonce, challenge, challenge_method):
        self.provider = provider
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.persona = persona
        self.scope = scope
        self.state = state
        self.nonce = nonce
        self.challenge = challenge
        self.challenge_method = challenge_method
        self.expires_at = time.time() + CODE_LIFETIME_SECONDS


class Store:
    def __init__(self, providers):
        self.lock = threading.Lock()
        self.providers = providers
        self.reset()

    def reset(self):
        with self.lock:
            self.clients = {name: p.default_client() for name, p in self.providers.items()}
            self.personas = {name: dict(p.default_persona) for name, p in self.providers.items()}
            self.modes = {name: {"mode": "ok"} for name in self.providers}
            self.codes = {}
            self.tokens = {}
            self.log = []
            self.apple_seen = set()

    def client(self, provider):
        with self.lock:
            return dict(self.clients[provider])

    def persona(self, provider):
        with self.lock:
            return copy.deepcopy(self.personas[provider])

    def mode(self, provider):
        with self.lock:
            return dict(self.modes[provider])

    def add_code(self, grant):
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = grant
        return code

    def take_code(self, code):
        with self.lock:
            return self.codes.pop(code, None) if code else None

    def add_token(self, token, grant, lifetime):
        with self.lock:
            self.tokens[token] = {"grant": grant, "expires_at": time.time() + lifetime}

    def token(self, provider, token):
        with self.lock:
            record = self.tokens.get(token) if token else None
        if record is None or record["grant"].provider != provider or record["expires_at"] < time.time():
            return None
        return record["grant"]

    def first_sign_in(self, client_id, sub):
        """True the first time (client, sub) is seen, as Apple sends `user` only then."""
        with self.lock:
            if (client_id, sub) in self.apple_seen:
                return False
            self.apple_seen.add((client_id, sub))
            return True

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)

    def requests(self, provider=None):
        with self.lock:
            return [e for e in self.log if provider in (None, e["provider"])]


# --- the common OAuth2 behaviour ----------------------------------------------------------

class Provider:
    name = ""
    authorize_path = ""
    token_path = ""
    token_methods = ("POST",)
    client_auth = ("params",)        # "params" (query or body fields) and/or "basic"
    token_requires_redirect_uri = True
    requires_grant_type = True       # GitHub and Facebook take no grant_type
    access_token_lifetime = 3600
    default_persona = {}
    deny_params = {"error": "access_denied"}

    def __init__(self, store_ref):
        self._store_ref = store_ref

    @property
    def store(self):
        return self._store_ref()

    def default_client(self):
        return {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "redirect_uris": []}

    def routes(self):
        routes = {("GET", self.authorize_path): self.authorize}
        for method in self.token_methods:
            routes[(method, self.token_path)] = self.token
        return routes

    def strip_version(self, path):
        return path

    # provider-specific answers
    def new_access_token(self):
        return random_token(40)

    def token_success(self, req, grant, access_token):
        raise NotImplementedError

    def token_failure(self, req, kind, description, status=None):
        """kind: invalid_client | invalid_grant | unsupported_grant_type."""
        raise NotImplementedError

    def unauthorized(self, req):
        return json_reply(401, {"error": "invalid_token"})

    # authorize
    def authorize(self, req):
        p = req.params()
        client = self.store.client(self.name)
        redirect_uri = p.get("redirect_uri")
        if p.get("client_id") != client["client_id"]:
            return error_page(self.name, "invalid client_id")
        if not redirect_uri:
            return error_page(self.name, "redirect_uri is required")
        if client.get("redirect_uris") and redirect_uri not in client["redirect_uris"]:
            return error_page(self.name, "redirect_uri does not match the registered ones")
        if "code" not in (p.get("response_type") or "").split():
            return error_page(self.name, "response_type must be code")
        state = p.get("state")
        if self.store.mode(self.name)["mode"] == "deny":
            return self.send_result(req, redirect_uri, drop_none({**self.deny_params, "state": state}))
        grant = Grant(self.name, client["client_id"], redirect_uri, self.store.persona(self.name),
                      p.get("scope", ""), state, p.get("nonce"), p.get("code_challenge"),
                      p.get("code_challenge_method"))
        code = self.store.add_code(grant)
        return self.send_result(req, redirect_uri, drop_none({"code": code, "state": state}), grant)

    def send_result(self, req, redirect_uri, params, grant=None):
        return redirect(redirect_uri, params)

    # token
    def client_credentials(self, req, params):
        if "basic" in self.client_auth and req.basic_credentials():
            return req.basic_credentials()
        if "params" in self.client_auth:
            return params.get("client_id"), params.get("client_secret")
        return None, None

    def client_is_valid(self, req, params, client):
        client_id, secret = self.client_credentials(req, params)
        if client_id != client["client_id"]:
            return False
        expected = client.get("client_secret") or ""
        return secrets.compare_digest(secret or "", expected) if expected else True

    def token(self, req):
        # Providers whose token endpoint also takes GET read query parameters; the others only the body.
        params = req.params() if "GET" in self.token_methods else dict(req.form)
        mode = self.store.mode(self.name)
        if mode["mode"] == "slow":
            time.sleep(float(mode.get("seconds", 15)))
        if mode["mode"] == "token_error":
            return self.token_failure(req, "invalid_grant", "token_error mode", mode.get("status"))
        if mode["mode"] == "redirect":
            # 307 keeps the method and body: a client that follows it sends its secret there.
            return Reply(307, b"", "text/plain", {"Location": f"http://{req.headers.get('Host')}/elsewhere/token"})
        client = self.store.client(self.name)
        if not self.client_is_valid(req, params, client):
            return self.token_failure(req, "invalid_client", "client authentication failed")
        grant_type = params.get("grant_type") or ("" if self.requires_grant_type else "authorization_code")
        if grant_type != "authorization_code":
            return self.token_failure(req, "unsupported_grant_type", "only authorization_code is faked")
        grant = self.store.take_code(params.get("code"))
        if grant is None or grant.provider != self.name or grant.client_id != client["client_id"] \
                or grant.expires_at < time.time():
            return self.token_failure(req, "invalid_grant", "authorization code not found or expired")
        redirect_uri = params.get("redirect_uri")
        if (redirect_uri or self.token_requires_redirect_uri) and redirect_uri != grant.redirect_uri:
            return self.token_failure(req, "redirect_uri_mismatch", "redirect_uri does not match")
        if grant.challenge and not pkce_matches(grant.challenge, grant.challenge_method, params.get("code_verifier")):
            return self.token_failure(req, "invalid_grant", "code_verifier does not match code_challenge")
        access_token = self.new_access_token()
        self.store.add_token(access_token, grant, self.access_token_lifetime)
        return self.token_success(req, grant, access_token)

    def grant_for(self, req, schemes=("bearer",)):
        return self.store.token(self.name, req.bearer(schemes))


# --- Kakao ---------------------------------------------------------------------------------

class Kakao(Provider):
    name = "kakao"
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    access_token_lifetime = 21599
    default_persona = {
        "id": 123456789, "nickname": "홍길동", "name": "홍길동", "email": "kakao.user@example.com",
        "email_verified": True, "email_valid": True, "connected_at": "2024-01-15T09:30:00Z",
        "avatar": "http://k.kakaocdn.net/dn/fake/img_640x640.jpg",
        "thumbnail": "http://k.kakaocdn.net/dn/fake/img_110x110.jpg",
    }
    deny_params = {"error": "access_denied", "error_description": "User denied access"}

    def routes(self):
        return {**super().routes(), ("GET", "/v2/user/me"): self.me, ("POST", "/v2/user/me"): self.me}

    def new_access_token(self):
        return random_token(54, string.ascii_letters + string.digits + "-_")

    def token_success(self, req, grant, access_token):
        return token_json_reply(200, {
            "token_type": "bearer", "access_token": access_token, "expires_in": self.access_token_lifetime,
            "refresh_token": random_token(54, string.ascii_letters + string.digits + "-_"),
            "refresh_token_expires_in": 5183999,
            "scope": grant.scope or "account_email profile_image profile_nickname",
        })

    def token_failure(self, req, kind, description, status=None):
        body = {
            "invalid_client": ("invalid_client", "Bad client credentials", "KOE010", 401),
            "redirect_uri_mismatch": ("invalid_grant", "Redirect URI mismatch.", "KOE303", 400),
            "unsupported_grant_type": ("unsupported_grant_type", "Unsupported grant type.", "KOE004", 400),
        }.get(kind, ("invalid_grant", f"authorization code not found for code={req.form.get('code', '')}", "KOE320", 400))
        return token_json_reply(status or body[3], {"error": body[0], "error_description": body[1], "error_code": body[2]})

    def unauthorized(self, req):
        return json_reply(401, {"msg": "this access token does not exist", "code": -401})

    def me(self, req):
        grant = self.grant_for(req)
        if grant is None:
            return self.unauthorized(req)
        p = grant.persona
        profile = drop_none({"nickname": p.get("nickname"), "thumbnail_image_url": p.get("thumbnail"),
                             "profile_image_url": p.get("avatar"), "is_default_image": p.get("avatar") is None,
                             "is_default_nickname": False})
        account = {"profile_nickname_needs_agreement": False, "profile_image_needs_agreement": False,
                   "profile": profile, "name_needs_agreement": p.get("name") is None}
        if p.get("name") is not None:
            account["name"] = p["name"]
        account["email_needs_agreement"] = p.get("email") is None
        if p.get("email") is not None:
            account.update({"is_email_valid": bool(p.get("email_valid", True)),
                            "is_email_verified": bool(p.get("email_verified")), "email": p["email"]})
        body = {"id": p.get("id"), "connected_at": p.get("connected_at"),
                "properties": drop_none({"nickname": p.get("nickname"), "profile_image": p.get("avatar"),
                                         "thumbnail_image": p.get("thumbnail")}),
                "kakao_account": account}
        body.update(p.get("extra") or {})
        return json_reply(200, body)


# --- Naver ---------------------------------------------------------------------------------

class Naver(Provider):
    name = "naver"
    authorize_path = "/oauth2.0/authorize"
    token_path = "/oauth2.0/token"
    token_methods = ("GET", "POST")
    token_requires_redirect_uri = False   # Naver's token request has no redirect_uri
    default_persona = {
        "id": "TTnuQf6aGkJd2H3k2ZSyJw3mB0T8KQYz5dW7Xc5qYoE", "email": "naver.user@example.com",
        "name": "김네이버", "nickname": "네이버테스트", "avatar": "https://phinf.pstatic.net/contact/fake.png",
        "gender": "F", "age": "30-39", "birthday": "10-01", "birthyear": "1990", "mobile": "010-0000-0000",
    }
    deny_params = {"error": "access_denied", "error_description": "Canceled By User"}

    def routes(self):
        return {**super().routes(), ("GET", "/v1/nid/me"): self.me, ("POST", "/v1/nid/me"): self.me}

    def new_access_token(self):
        return base64.b64encode(secrets.token_bytes(48)).decode().rstrip("=")

    def token_success(self, req, grant, access_token):
        return token_json_reply(200, {
            "access_token": access_token, "refresh_token": random_token(40), "token_type": "bearer",
            "expires_in": str(self.access_token_lifetime),   # a string, as Naver sends it
        })

    def token_failure(self, req, kind, description, status=None):
        body = {"invalid_client": {"error": "invalid_client", "error_description": "client authentication failed"},
                "unsupported_grant_type": {"error": "unsupported_grant_type", "error_description": "unsupported grant type"},
                }.get(kind, {"error": "invalid_request", "error_description": "no valid data in session"})
        return token_json_reply(status or 200, body)   # Naver answers token errors with 200

    def unauthorized(self, req):
        return json_reply(401, {"resultcode": "024", "message": "Authentication failed (인증 실패하였습니다.)"})

    def me(self, req):
        grant = self.grant_for(req)
        if grant is None:
            return self.unauthorized(req)
        p = grant.persona
        response = drop_none({"id": p.get("id"), "nickname": p.get("nickname"), "name": p.get("name"),
                              "email": p.get("email"), "gender": p.get("gender"), "age": p.get("age"),
                              "birthday": p.get("birthday"), "birthyear": p.get("birthyear"),
                              "profile_image": p.get("avatar"), "mobile": p.get("mobile")})
        response.update(p.get("extra") or {})
        return json_reply(200, {"resultcode": "00", "message": "success", "response": response})


# --- GitHub --------------------------------------------------------------------------------

class GitHub(Provider):
    name = "github"
    authorize_path = "/login/oauth/authorize"
    token_path = "/login/oauth/access_token"
    token_requires_redirect_uri = False   # optional at GitHub
    requires_grant_type = False
    default_persona = {
        "id": 583231, "login": "octocat", "name": "The Octocat", "email": "octocat@example.com",
        "email_verified": True, "email_public": True,
        "avatar": "https://avatars.githubusercontent.com/u/583231?v=4",
    }
    deny_params = {
        "error": "access_denied", "error_description": "The user has denied your application access.",
        "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
    }

    def routes(self):
        return {**super().routes(), ("GET", "/user"): self.user, ("GET", "/user/emails"): self.emails}

    def new_access_token(self):
        return "gho_" + random_token(36)

    def wants_json(self, req):
        return "application/json" in req.headers.get("Accept", "")

    def answer(self, req, status, fields):
        """GitHub picks the format by the Accept header: form-encoded unless JSON is asked for."""
        if self.wants_json(req):
            return token_json_reply(status, fields, "application/json; charset=utf-8")
        return Reply(status, urllib.parse.urlencode(fields), "application/x-www-form-urlencoded; charset=utf-8",
                     {"Cache-Control": "no-store"})

    def token_success(self, req, grant, access_token):
        granted = ",".join(sorted(scopes_of(grant.scope)))
        return self.answer(req, 200, {"access_token": access_token, "token_type": "bearer", "scope": granted})

    def token_failure(self, req, kind, description, status=None):
        doc = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
        error, text = {
            "invalid_client": ("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect."),
            "redirect_uri_mismatch": ("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application."),
            "unsupported_grant_type": ("unsupported_grant_type", "The grant type is not supported."),
        }.get(kind, ("bad_verification_code", "The code passed is incorrect or expired."))
        return self.answer(req, status or 200,   # GitHub answers token errors with 200
                           {"error": error, "error_description": text, "error_uri": f"{doc}/#{error.replace('_', '-')}"})

    def unauthorized(self, req):
        return json_reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                                "status": "401"}, "application/json; charset=utf-8")

    def user(self, req):
        grant = self.grant_for(req, ("bearer", "token"))
        if grant is None:
            return self.unauthorized(req)
        p = grant.persona
        public_email = p.get("email") if p.get("email_public", True) else None
        body = {
            "login": p.get("login"), "id": p.get("id"), "node_id": "MDQ6VXNlcj" + str(p.get("id")),
            "avatar_url": p.get("avatar"), "gravatar_id": "", "url": f"https://api.github.com/users/{p.get('login')}",
            "html_url": f"https://github.com/{p.get('login')}", "type": "User", "site_admin": False,
            "name": p.get("name"), "company": None, "blog": "", "location": None, "email": public_email,
            "hireable": None, "bio": None, "twitter_username": None, "public_repos": 8, "public_gists": 8,
            "followers": 0, "following": 0, "created_at": "2011-01-25T18:44:36Z", "updated_at": "2024-01-22T12:00:00Z",
        }
        body.update(p.get("extra") or {})
        return json_reply(200, body, "application/json; charset=utf-8")

    def emails(self, req):
        grant = self.grant_for(req, ("bearer", "token"))
        if grant is None:
            return self.unauthorized(req)
        if not scopes_of(grant.scope) & {"user", "user:email"}:
            return json_reply(404, {"message": "Not Found", "status": "404", "documentation_url":
                                    "https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user"},
                              "application/json; charset=utf-8")
        p = grant.persona
        if p.get("emails") is not None:
            emails = p["emails"]
        elif p.get("email"):
            emails = [{"email": p["email"], "primary": True, "verified": bool(p.get("email_verified")),
                       "visibility": "public" if p.get("email_public", True) else "private"}]
        else:
            emails = []
        return json_reply(200, emails, "application/json; charset=utf-8")


# --- Facebook ------------------------------------------------------------------------------

class Facebook(Provider):
    name = "facebook"
    authorize_path = "/dialog/oauth"
    token_path = "/oauth/access_token"
    token_methods = ("GET", "POST")
    requires_grant_type = False
    access_token_lifetime = 5183944
    default_persona = {
        "id": "10158276430201234", "name": "Mark Tester", "first_name": "Mark", "last_name": "Tester",
        "email": "facebook.user@example.com", "avatar": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=fake",
    }
    deny_params = {"error_reason": "user_denied", "error": "access_denied", "error_description": "Permissions error."}
    known_fields = {"id", "name", "email", "first_name", "last_name", "middle_name", "short_name", "picture"}

    def routes(self):
        return {**super().routes(), ("GET", "/me"): self.me}

    def strip_version(self, path):
        return re.sub(r"^/v\d+(\.\d+)?(?=/)", "", path)   # /v19.0/me -> /me

    def new_access_token(self):
        return "EAAG" + random_token(150)

    def graph_error(self, status, message, code, subcode=None):
        error = drop_none({"message": message, "type": "OAuthException", "code": code,
                           "error_subcode": subcode, "fbtrace_id": random_token(11)})
        return json_reply(status, {"error": error}, "application/json; charset=UTF-8")

    def token_success(self, req, grant, access_token):
        return token_json_reply(200, {"access_token": access_token, "token_type": "bearer",
                                      "expires_in": self.access_token_lifetime})

    def token_failure(self, req, kind, description, status=None):
        if kind == "invalid_client":
            return self.graph_error(status or 400, "Error validating client secret.", 1)
        if kind == "redirect_uri_mismatch":
            return self.graph_error(status or 400, "Error validating verification code. Please make sure your "
                                    "redirect_uri is identical to the one you used in the OAuth dialog request", 100, 36008)
        if kind == "unsupported_grant_type":
            return self.graph_error(status or 400, "Unsupported grant_type", 100)
        return self.graph_error(status or 400, "This authorization code has expired.", 100, 36007)

    def unauthorized(self, req):
        return self.graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)

    def me(self, req):
        grant = self.store.token(self.name, req.bearer() or req.query.get("access_token"))
        if grant is None:
            return self.unauthorized(req)
        fields = [f.strip() for f in (req.query.get("fields") or "id,name").split(",") if f.strip()]
        names = [re.split(r"[.{]", f, maxsplit=1)[0] for f in fields]   # picture.type(large) -> picture
        for n in names:
            if n not in self.known_fields:
                return self.graph_error(400, f"(#100) Tried accessing nonexisting field ({n}) on node type (User)", 100)
        p = grant.persona
        values = {
            "id": p.get("id"), "name": p.get("name"), "first_name": p.get("first_name"),
            "last_name": p.get("last_name"), "middle_name": p.get("middle_name"), "short_name": p.get("first_name"),
            "email": p.get("email") if "email" in scopes_of(grant.scope) else None,
            "picture": {"data": {"height": 50, "is_silhouette": p.get("avatar") is None,
                                 "url": p.get("avatar") or "https://static.xx.fbcdn.net/rsrc.php/silhouette.png",
                                 "width": 50}},
        }
        body = drop_none({n: values[n] for n in names})
        body.update(p.get("extra") or {})
        return json_reply(200, body, "application/json; charset=UTF-8")


# --- Discord -------------------------------------------------------------------------------

class Discord(Provider):
    name = "discord"
    authorize_path = "/oauth2/authorize"
    token_path = "/api/oauth2/token"
    client_auth = ("basic", "params")
    access_token_lifetime = 604800
    default_persona = {
        "id": "80351110224678912", "username": "nelly", "global_name": "Nelly",
        "avatar": "8342729096ea3675442027381ff50dfe", "email": "nelly@example.com", "email_verified": True,
        "locale": "en-US",
    }
    deny_params = {"error": "access_denied",
                   "error_description": "The resource owner or authorization server denied the request"}

    def routes(self):
        return {**super().routes(), ("GET", "/api/users/@me"): self.me}

    def strip_version(self, path):
        return re.sub(r"^/api/v\d+(?=/)", "/api", path)   # /api/v10/users/@me -> /api/users/@me

    def token_success(self, req, grant, access_token):
        return token_json_reply(200, {"token_type": "Bearer", "access_token": access_token,
                                      "expires_in": self.access_token_lifetime, "refresh_token": random_token(30),
                                      "scope": " ".join(sorted(scopes_of(grant.scope)))}, "application/json")

    def token_failure(self, req, kind, description, status=None):
        if kind == "invalid_client":
            return token_json_reply(status or 401, {"error": "invalid_client"}, "application/json")
        if kind == "unsupported_grant_type":
            return token_json_reply(status or 400, {"error": "unsupported_grant_type"}, "application/json")
        text = 'Invalid "redirect_uri" in request.' if kind == "redirect_uri_mismatch" else 'Invalid "code" in request.'
        return token_json_reply(status or 400, {"error": "invalid_grant", "error_description": text}, "application/json")

    def unauthorized(self, req):
        return json_reply(401, {"message": "401: Unauthorized", "code": 0}, "application/json")

    def me(self, req):
        grant = self.grant_for(req)
        if grant is None:
            return self.unauthorized(req)
        p = grant.persona
        body = {"id": p.get("id"), "username": p.get("username"), "discriminator": "0",
                "global_name": p.get("global_name", p.get("name")), "avatar": p.get("avatar"),
                "mfa_enabled": False, "banner": None, "accent_color": None, "locale": p.get("locale", "en-US"),
                "flags": 0, "premium_type": 0, "public_flags": 0}
        if "email" in scopes_of(grant.scope):
            body["email"] = p.get("email")
            body["verified"] = bool(p.get("email_verified"))
        body.update(p.get("extra") or {})
        return json_reply(200, body, "application/json")


# --- Apple ---------------------------------------------------------------------------------

class Apple(Provider):
    name = "apple"
    authorize_path = "/auth/authorize"
    token_path = "/auth/token"
    default_persona = {
        "id": "001234.5e201aec537347aeb79d23cbc345170a.1321", "email": "apple.user@example.com",
        "email_verified": True, "is_private_email": False, "first_name": "John", "last_name": "Appleseed",
    }
    deny_params = {"error": "user_cancelled_authorize"}

    def __init__(self, store_ref):
        super().__init__(store_ref)
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-" + secrets.token_hex(4)
        self.default_client_key = ec.generate_private_key(ec.SECP256R1())

    def default_client(self):
        public_pem = self.default_client_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        return {"client_id": DEFAULT_CLIENT_ID, "team_id": "TEAM123456", "key_id": "KEY1234567",
                "public_key_pem": public_pem, "issuer": APPLE_ISSUER, "redirect_uris": []}

    def default_private_key_pem(self):
        return self.default_client_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()).decode()

    def routes(self):
        return {**super().routes(), ("POST", "/auth/authorize"): self.authorize, ("GET", "/auth/keys"): self.keys}

    def authorize(self, req):
        p = req.params()
        wants_profile = scopes_of(p.get("scope", "")) & {"name", "email"}
        if wants_profile and p.get("response_mode") != "form_post":
            return error_page(self.name, "response_mode must be form_post when name or email scope is requested.")
        return super().authorize(req)

    def send_result(self, req, redirect_uri, params, grant=None):
        if req.params().get("response_mode") != "form_post":
            return redirect(redirect_uri, params)
        fields = dict(params)
        if grant is not None and self.store.first_sign_in(grant.client_id, grant.persona.get("id")):
            user = {}
            scopes = scopes_of(grant.scope)
            if "name" in scopes:
                user["name"] = drop_none({"firstName": grant.persona.get("first_name"),
                                          "lastName": grant.persona.get("last_name")})
            if "email" in scopes and grant.persona.get("email"):
                user["email"] = grant.persona["email"]
            if user:
                fields["user"] = json.dumps(user, ensure_ascii=False)
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                         for k, v in fields.items())
        page = ("<!DOCTYPE html><html><head><title>Sign in with Apple</title></head>"
                '<body onload="javascript:document.forms[0].submit()">'
                f'<form method="POST" action="{html.escape(redirect_uri)}">{inputs}</form></body></html>')
        return html_reply(200, page)

    def client_is_valid(self, req, params, client):
        if params.get("client_id") != client["client_id"]:
            return False
        secret = params.get("client_secret") or ""
        try:
            header = jwt.get_unverified_header(secret)
            public_key = serialization.load_pem_public_key(client["public_key_pem"].encode())
            claims = jwt.decode(secret, public_key, algorithms=["ES256"], audience=client.get("issuer", APPLE_ISSUER),
                                issuer=client["team_id"], options={"require": ["iss", "sub", "aud", "iat", "exp"]})
        except (jwt.PyJWTError, ValueError, KeyError, TypeError):
            return False
        return (header.get("kid") == client["key_id"] and claims["sub"] == client["client_id"]
                and claims["exp"] - claims["iat"] <= APPLE_MAX_SECRET_LIFETIME)

    def token_success(self, req, grant, access_token):
        now = int(time.time())
        p = grant.persona
        claims = {
            "iss": self.store.client(self.name).get("issuer", APPLE_ISSUER), "aud": grant.client_id,
            "exp": now + 86400, "iat": now, "sub": p.get("id"),
            "at_hash": b64url(hashlib.sha256(access_token.encode()).digest()[:16]),
            "auth_time": now, "nonce_supported": True,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if p.get("email"):
            claims["email"] = p["email"]
            claims["email_verified"] = "true" if p.get("email_verified") else "false"
            claims["is_private_email"] = "true" if p.get("is_private_email") else "false"
        claims.update(p.get("extra") or {})
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.kid})
        return token_json_reply(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                                      "refresh_token": "r" + random_token(60), "id_token": id_token})

    def token_failure(self, req, kind, description, status=None):
        error = {"invalid_client": "invalid_client", "unsupported_grant_type": "unsupported_grant_type"}.get(kind, "invalid_grant")
        return token_json_reply(status or 400, {"error": error})

    def keys(self, req):
        return rsa_jwks(self.signing_key, self.kid)


# --- X (Twitter) ---------------------------------------------------------------------------

class X(Provider):
    """X's OAuth 2.0 with PKCE (docs.x.com "OAuth 2.0 Authorization Code Flow with PKCE"): the
    authorize page refuses a request without code_challenge; a confidential client
    authenticates with HTTP Basic; the profile is GET /2/users/me, wrapped in "data", with
    profile_image_url and confirmed_email only when asked for in user.fields (the e-mail also
    needs the users.email scope)."""
    name = "x"
    authorize_path = "/i/oauth2/authorize"
    token_path = "/2/oauth2/token"
    client_auth = ("basic",)
    access_token_lifetime = 7200
    default_persona = {"id": "2244994945", "name": "X Dev", "username": "XDevelopers",
                       "avatar": "https://pbs.twimg.com/profile_images/1/x_normal.jpg", "email": "dev@x.example"}
    deny_params = {"error": "access_denied"}

    def routes(self):
        return {**super().routes(), ("GET", "/2/users/me"): self.me}

    def authorize(self, req):
        if not req.params().get("code_challenge"):
            return error_page(self.name, "Something went wrong: code_challenge is required.")
        return super().authorize(req)

    def token_success(self, req, grant, access_token):
        return token_json_reply(200, {"token_type": "bearer", "expires_in": self.access_token_lifetime,
                                      "access_token": access_token, "scope": grant.scope})

    def token_failure(self, req, kind, description, status=None):
        if kind == "invalid_client":
            return token_json_reply(status or 401, {"error": "unauthorized_client",
                                                    "error_description": "Missing valid authorization header"})
        return token_json_reply(status or 400, {"error": "invalid_request",
                                                "error_description": "Value passed for the authorization code was invalid."})

    def unauthorized(self, req):
        return json_reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})

    def me(self, req):
        grant = self.grant_for(req)
        if grant is None:
            return self.unauthorized(req)
        p = grant.persona
        fields = set((req.params().get("user.fields") or "").split(","))
        data = {"id": p.get("id"), "name": p.get("name"), "username": p.get("username")}
        if "profile_image_url" in fields and p.get("avatar"):
            data["profile_image_url"] = p["avatar"]
        if "confirmed_email" in fields and "users.email" in scopes_of(grant.scope) and p.get("email"):
            data["confirmed_email"] = p["email"]
        data.update(p.get("extra") or {})
        return json_reply(200, {"data": data}, "application/json; charset=utf-8")


# --- LinkedIn ------------------------------------------------------------------------------

LINKEDIN_ISSUER = "https://www.linkedin.com/oauth"


class LinkedIn(Provider):
    """LinkedIn's "Sign In with LinkedIn using OpenID Connect": the token answer carries an RS256
    id_token (iss https://www.linkedin.com/oauth, the client as aud, sub, name, given_name,
    family_name, picture, email, email_verified as a boolean, locale), keys at
    /oauth/openid/jwks; the client's id and secret are form fields."""
    name = "linkedin"
    authorize_path = "/oauth/v2/authorization"
    token_path = "/oauth/v2/accessToken"
    access_token_lifetime = 5183999
    default_persona = {"id": "782bbtaQ", "email": "doe@linkedin.example", "email_verified": True,
                       "first_name": "John", "last_name": "Doe", "avatar": "https://media.licdn.example/doe.jpg"}
    deny_params = {"error": "user_cancelled_login", "error_description": "The user cancelled LinkedIn login"}

    def __init__(self, store_ref):
        super().__init__(store_ref)
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "li-" + secrets.token_hex(4)

    def routes(self):
        return {**super().routes(), ("GET", "/oauth/openid/jwks"): self.keys}

    def token_success(self, req, grant, access_token):
        now = int(time.time())
        p = grant.persona
        claims = drop_none({
            "iss": LINKEDIN_ISSUER, "aud": grant.client_id, "iat": now, "exp": now + 3600, "sub": p.get("id"),
            "name": " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x) or None,
            "given_name": p.get("first_name"), "family_name": p.get("last_name"), "picture": p.get("avatar"),
            "email": p.get("email"), "email_verified": bool(p.get("email_verified")) if p.get("email") else None,
            "locale": "en_US", "nonce": grant.nonce,
        })
        claims.update(p.get("extra") or {})
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.kid})
        return token_json_reply(200, {"access_token": access_token, "expires_in": self.access_token_lifetime,
                                      "scope": ",".join(sorted(scopes_of(grant.scope))), "token_type": "Bearer",
                                      "id_token": id_token})

    def token_failure(self, req, kind, description, status=None):
        if kind == "invalid_client":
            return token_json_reply(status or 401, {"error": "invalid_client",
                                                    "error_description": "Client authentication failed"})
        return token_json_reply(status or 400, {"error": "invalid_request",
                                                "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists"})

    def keys(self, req):
        return rsa_jwks(self.signing_key, self.kid)


# --- HTTP plumbing -------------------------------------------------------------------------

PROVIDER_CLASSES = (Kakao, Naver, GitHub, Facebook, Discord, Apple, X, LinkedIn)


class App:
    def __init__(self):
        self.providers = {cls.name: cls(lambda: self.store) for cls in PROVIDER_CLASSES}
        self.store = Store(self.providers)
        self.routes = {name: p.routes() for name, p in self.providers.items()}

    def handle(self, method, raw_path, headers, body):
        parts = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(parts.path)
        query_lists = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        query = {k: v[0] for k, v in query_lists.items()}
        form, json_body = self.parse_body(headers, body)
        prefix, _, rest = path.lstrip("/").partition("/")
        rest = "/" + rest.rstrip("/") if rest.rstrip("/") else "/"
        if prefix == "_control":
            return self.control(method, rest, query, json_body)
        provider = self.providers.get(prefix)
        self.store.record({
            "time": time.time(), "provider": prefix, "method": method, "path": parts.path,
            "query": {k: v[0] if len(v) == 1 else v for k, v in query_lists.items()},
            "headers": {k: v for k, v in headers.items()}, "form": form, "json": json_body,
        })
        if provider is None:
            return json_reply(404, {"error": "not_found", "path": path})
        rest = provider.strip_version(rest)
        handler = self.routes[prefix].get((method, rest))
        if handler is None:
            return json_reply(404, {"error": "not_found", "path": path})
        return handler(Request(method, rest, query, headers, form if isinstance(form, dict) else {}, json_body))

    @staticmethod
    def parse_body(headers, body):
        if not body:
            return {}, None
        content_type = (headers.get("Content-Type") or "").lower()
        text = body.decode("utf-8", errors="replace")
        if "json" in content_type:
            try:
                parsed = json.loads(text)
            except ValueError:
                return {}, None
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
            return form, parsed
        return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}, None

    def control(self, method, path, query, body):
        if (method, path) == ("POST", "/reset"):
            self.store.reset()
            return json_reply(200, {"ok": True})
        if (method, path) == ("GET", "/requests"):
            return json_reply(200, self.store.requests(query.get("provider")))
        name, _, what = path.lstrip("/").partition("/")
        if name not in self.providers or what not in ("persona", "mode", "client"):
            return json_reply(404, {"error": "unknown control path", "path": path})
        if method == "GET":
            return json_reply(200, self.control_view(name, what))
        if method != "POST" or not isinstance(body, dict):
            return json_reply(400, {"error": "POST a JSON object"})
        store = self.store
        with store.lock:
            if what == "persona":
                merged = {**self.providers[name].default_persona, **body}
                store.personas[name] = {k: v for k, v in merged.items() if v is not None}
            elif what == "mode":
                if body.get("mode") not in ("ok", "deny", "token_error", "slow", "redirect"):
                    return json_reply(400, {"error": "mode must be ok, deny, token_error, slow or redirect"})
                store.modes[name] = drop_none({"mode": body["mode"], "seconds": float(body.get("seconds", 15)),
                                               "status": body.get("status")})
            else:
                store.clients[name] = {**store.clients[name], **body}
        return json_reply(200, self.control_view(name, what))

    def control_view(self, name, what):
        if what == "persona":
            return self.store.persona(name)
        if what == "mode":
            return self.store.mode(name)
        client = self.store.client(name)
        apple = self.providers["apple"]
        if name == "apple" and client.get("public_key_pem") == apple.default_client()["public_key_pem"]:
            client["private_key_pem"] = apple.default_private_key_pem()
        return client


class Handler(BaseHTTPRequestHandler):
    server_version = "social-fakes/1"
    app = None  # set in main

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def dispatch(self):
        try:
            reply = self.app.handle(self.command, self.path, self.headers, self.read_body())
        except Exception as error:  # a fake must answer, not hang the client
            reply = json_reply(500, {"error": "fake_crashed", "detail": f"{type(error).__name__}: {error}"})
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = dispatch

    def log_message(self, fmt, *args):
        sys.stderr.write("social-fakes: " + (fmt % args) + "\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description="Fake OAuth2 providers for Gatehouse's tests.")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args()
    Handler.app = App()
    server = Server(("127.0.0.1", args.port), Handler)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent that blocks these signals (the Swift test runner does) passes its mask on: without
    # this the fakes never saw SIGTERM when started from `swift test` (issue 28's self-test run).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
