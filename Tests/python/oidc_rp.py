"""A standard OpenID Connect relying party run against a Gatehouse gateway (authorization code flow).

    python3 oidc_rp.py --library authlib|idpyoidc --issuer URL --client-id ID [--client-secret S]
        --redirect-uri URI --username U --password P [--scope "openid profile email"]
        [--totp-secret BASE32] [--cookies FILE] [--expect-sso] [--response-mode query|form_post]
        [--consent allow|deny] [--screens DIR] [--param KEY=VALUE ...] [--no-pkce]
        [--logout --post-logout-redirect-uri URI]

Everything protocol-related is done by the chosen library (Authlib's OAuth2Session and
authlib.oidc, or idpyoidc's StandAloneClient): discovery, the authorization URL (state, nonce,
PKCE S256), the code exchange (client_secret_basic with --client-secret, a public client with
PKCE without), the ID token check against the JWKS of discovery (signature, iss, aud, nonce,
exp, at_hash), userinfo with the access token, and the RP-initiated logout URL. Only the
provider's HTML pages are driven by hand (oidc_browser.py). --param adds authorization request
parameters (e.g. prompt=none, max_age=0, login_hint=...).

Output, one JSON object on stdout:
  success (exit 0): {"id_token": {claims}, "id_token_header": {...}, "userinfo": {...},
      "token_response": {"scope", "token_type", "expires_in", "has_refresh_token"},
      "access_token", "id_token_raw", "refresh_token" (or null), "pages": [form ids seen],
      "discovery_warnings": [...], "logout": {"location": ...} (with --logout)}
  authorization error (exit 3): {"authorization_error": {"error", "error_description",
      "state", "iss"}, "pages": [...]}
  anything else (exit 1): one line "error: <reason>".
--cookies FILE keeps the browser's cookies between runs (single sign-on across two clients).
"""
import argparse
import json
import logging
import os
import sys
import warnings
from urllib.parse import parse_qsl, urlsplit

warnings.filterwarnings("ignore")  # library deprecation notices would pollute the output
logging.getLogger().addHandler(logging.NullHandler())

from oidc_browser import (REDIRECT_STATUSES, Browser, Failure, FlowOptions, authorize, brief,  # noqa: E402
                          load_cookies, parse_page, save_cookies)
from oidc_rp_libraries import LIBRARIES  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--library", choices=sorted(LIBRARIES), required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret")
    p.add_argument("--redirect-uri", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--scope", default="openid profile email")
    p.add_argument("--totp-secret")
    p.add_argument("--cookies")
    p.add_argument("--expect-sso", action="store_true")
    p.add_argument("--response-mode", choices=("query", "form_post"), default="query")
    p.add_argument("--consent", choices=("allow", "deny"), default="allow")
    p.add_argument("--screens")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--no-pkce", action="store_true", help="confidential clients only")
    p.add_argument("--logout", action="store_true")
    p.add_argument("--post-logout-redirect-uri")
    p.add_argument("--timeout", type=float, default=15)
    args = p.parse_args(argv)
    if args.no_pkce and not args.client_secret:
        p.error("--no-pkce needs --client-secret (public clients must use PKCE)")
    if args.logout and not args.post_logout_redirect_uri:
        parts = urlsplit(args.redirect_uri)
        args.post_logout_redirect_uri = f"{parts.scheme}://{parts.netloc}/logged-out"
    extra = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            p.error(f"--param {item}: expected KEY=VALUE")
        extra[key] = value
    if args.response_mode != "query":
        extra["response_mode"] = args.response_mode
    args.extra = extra
    return args


def metadata_advisories(metadata, args):
    """Discovery fields that do not stop the flow but that these clients rely on."""
    notes = []
    method = "client_secret_basic" if args.client_secret else "none"
    if method not in metadata.get("token_endpoint_auth_methods_supported", ["client_secret_basic"]):
        notes.append(f"token_endpoint_auth_methods_supported lacks {method}")
    if not args.no_pkce and "S256" not in metadata.get("code_challenge_methods_supported", []):
        notes.append("code_challenge_methods_supported lacks S256")
    if args.response_mode not in metadata.get("response_modes_supported", ["query", "fragment"]):
        notes.append(f"response_modes_supported lacks {args.response_mode}")
    for key in ("userinfo_endpoint", "end_session_endpoint"):
        if key not in metadata:
            notes.append(f"discovery has no {key}")
    return notes


def check_authorization_response(params, rp, issuer, metadata):
    """state must match; iss (RFC 9207) must equal the issuer, and be present when advertised."""
    if params.get("state") != rp.state:
        raise Failure(f"authorization response state {params.get('state')!r} != {rp.state!r}")
    if "iss" in params:
        if params["iss"] != issuer:
            raise Failure(f"authorization response iss {params['iss']!r} != issuer {issuer!r}")
    elif metadata.get("authorization_response_iss_parameter_supported"):
        raise Failure("authorization response has no iss although discovery advertises "
                      "authorization_response_iss_parameter_supported")
    if "error" not in params and not params.get("code"):
        raise Failure(f"authorization response has neither code nor error: {params}")


def check_tokens(args, rp, claims, userinfo):
    """Cross-library sanity checks on what the library already validated."""
    aud = claims.get("aud")
    if claims.get("iss") != args.issuer:
        raise Failure(f"ID token iss {claims.get('iss')!r} != {args.issuer!r}")
    if args.client_id not in (aud if isinstance(aud, list) else [aud]):
        raise Failure(f"ID token aud {aud!r} does not contain {args.client_id!r}")
    if claims.get("nonce") != rp.nonce:
        raise Failure(f"ID token nonce {claims.get('nonce')!r} != {rp.nonce!r}")
    if userinfo.get("sub") != claims.get("sub"):
        raise Failure(f"userinfo sub {userinfo.get('sub')!r} != ID token sub {claims.get('sub')!r}")


def logout(args, rp, browser, id_token_raw):
    """RP-initiated logout: the end_session_endpoint must redirect back with our state."""
    url, state = rp.logout_url(id_token_raw, args.post_logout_redirect_uri)
    response = browser.request("GET", url)
    location = response.headers.get("Location", "")
    if response.status_code not in REDIRECT_STATUSES or not location.startswith(args.post_logout_redirect_uri):
        text = brief(parse_page(response.text)[1]) if "html" in response.headers.get("Content-Type", "") else ""
        raise Failure(f"logout answered HTTP {response.status_code} Location={location!r}, expected a "
                      f"redirect to {args.post_logout_redirect_uri} {text}")
    query = dict(parse_qsl(urlsplit(location).query))
    if query.get("state") != state:
        raise Failure(f"logout redirect state {query.get('state')!r} != {state!r}")
    return {"location": location}


def step(name, function, *arguments):
    """Runs one library step; a library's exception becomes a Failure naming the step."""
    try:
        return function(*arguments)
    except Failure:
        raise
    except Exception as exc:
        raise Failure(f"{name}: {type(exc).__name__}: {' '.join(str(exc).split()) or repr(exc)}") from exc


def run(args):
    rp = step("setup", LIBRARIES[args.library], args)
    metadata = step("discovery", rp.discover)
    if metadata.get("issuer") != args.issuer:
        raise Failure(f"discovery issuer {metadata.get('issuer')!r} != {args.issuer!r}")
    rp.discovery_warnings.extend(metadata_advisories(metadata, args))
    url = step("authorization request", rp.authorization_url, args.extra)
    browser = Browser(args.issuer, load_cookies(args.cookies), args.screens, args.timeout)
    options = FlowOptions(args.redirect_uri, args.username, args.password, args.totp_secret,
                          args.consent, args.expect_sso)
    try:
        params, pages = authorize(browser, url, options)
        check_authorization_response(params, rp, args.issuer, metadata)
        if "error" in params:
            keys = ("error", "error_description", "state", "iss")
            return 3, {"authorization_error": {k: params.get(k) for k in keys}, "pages": pages}
        token = step("token request", rp.exchange, params)
        claims, header = step("ID token", rp.validate_id_token, token)
        userinfo = step("userinfo", rp.userinfo, token)
        check_tokens(args, rp, claims, userinfo)
        result = {
            "id_token": claims,
            "id_token_header": header,
            "userinfo": userinfo,
            "token_response": {
                "scope": token.get("scope"),
                "token_type": token.get("token_type"),
                "expires_in": token.get("expires_in"),
                "has_refresh_token": bool(token.get("refresh_token")),
            },
            "access_token": token["access_token"],
            "id_token_raw": token["id_token"],
            "refresh_token": token.get("refresh_token"),
            "pages": pages,
            "discovery_warnings": rp.discovery_warnings,
        }
        if args.logout:
            result["logout"] = step("logout", logout, args, rp, browser, token["id_token"])
        return 0, result
    finally:
        save_cookies(args.cookies, browser.cookies)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if urlsplit(args.issuer).scheme == "http":
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # loopback tests use plain http
    try:
        status, result = run(args)
    except Failure as exc:
        print(f"error: {' '.join(str(exc).split())}")
        return 1
    except Exception as exc:  # a bug here or an unexpected answer: still one line
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split()) or repr(exc)}")
        return 1
    print(json.dumps(result, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main())
