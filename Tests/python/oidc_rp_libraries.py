"""The two relying-party libraries behind oidc_rp.py, with one interface:

    rp = LIBRARIES[name](args)       args: the parsed command line of oidc_rp.py
    rp.discover() -> metadata        validated by the library; rp.discovery_warnings lists
                                     the rules it breaks that the flow can live with
    rp.authorization_url(extra)      sets rp.state and rp.nonce (PKCE S256 unless --no-pkce)
    rp.exchange(params) -> dict      the token response (params: the authorization response)
    rp.validate_id_token(token) -> (claims, header)   signature, iss, aud, nonce, exp, at_hash
    rp.userinfo(token) -> dict       GET with the access token as Bearer
    rp.logout_url(id_token, uri) -> (url, state)      RP-initiated logout request

Every check here is the library's own; what it cannot do is said where it happens.
"""
from urllib.parse import urlencode

from oidc_browser import Failure

RS256_RULE = ("id_token_signing_alg_values_supported lacks RS256, which OpenID Connect "
              "Discovery 1.0 section 3 requires")


def discovery_url(issuer):
    return issuer.rstrip("/") + "/.well-known/openid-configuration"  # OIDC Discovery 1.0 4.1


def _require_at_hash(claims):
    if "at_hash" not in claims:
        raise Failure("ID token has no at_hash (needed to bind it to the access token)")


class AuthlibRP:
    """Authlib: requests_client.OAuth2Session, oidc.discovery metadata, oidc.core.CodeIDToken."""

    def __init__(self, args):
        from authlib.integrations.requests_client import OAuth2Session
        self.args = args
        self.session = OAuth2Session(
            args.client_id, args.client_secret, scope=args.scope, redirect_uri=args.redirect_uri,
            code_challenge_method=None if args.no_pkce else "S256",
            token_endpoint_auth_method="client_secret_basic" if args.client_secret else "none")
        self.discovery_warnings = []

    def _get(self, url, **kwargs):
        response = self.session.get(url, timeout=self.args.timeout, **kwargs)
        if response.status_code != 200:
            raise Failure(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def discover(self):
        from authlib.oauth2 import rfc9207
        from authlib.oidc import discovery, rpinitiated
        url = discovery_url(self.args.issuer)
        self.metadata = self._get(url, withhold_token=True).json()
        for cls in (discovery.OpenIDProviderMetadata, rpinitiated.OpenIDProviderMetadata,
                    rfc9207.AuthorizationServerMetadata):
            checker = cls(self.metadata)
            for key in cls.REGISTRY_KEYS:
                try:
                    object.__getattribute__(checker, f"validate_{key}")()
                except ValueError as exc:
                    if key == "id_token_signing_alg_values_supported" and "RS256" in str(exc):
                        self.discovery_warnings.append(RS256_RULE)
                    else:
                        raise Failure(f"discovery document refused by Authlib: {exc}") from exc
        return self.metadata

    def authorization_url(self, extra):
        from authlib.common.security import generate_token
        self.nonce = generate_token(24)
        self.code_verifier = None if self.args.no_pkce else generate_token(64)
        url, self.state = self.session.create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=self.code_verifier,
            nonce=self.nonce, **extra)
        return url

    def exchange(self, params):
        # Authlib parses the code out of the redirect URI it was sent to (and checks state).
        response_url = f"{self.args.redirect_uri}?{urlencode(params)}"
        kwargs = {"code_verifier": self.code_verifier} if self.code_verifier else {}
        return dict(self.session.fetch_token(
            self.metadata["token_endpoint"], authorization_response=response_url,
            state=self.state, timeout=self.args.timeout, **kwargs))

    def validate_id_token(self, token):
        from authlib.oidc.core import CodeIDToken
        from joserfc import jwt
        from joserfc.jwk import KeySet
        from joserfc.jws import JWSRegistry
        if "id_token" not in token:
            raise Failure("token response has no id_token")
        keys = KeySet.import_key_set(self._get(self.metadata["jwks_uri"], withhold_token=True).json())
        algorithms = self.metadata.get("id_token_signing_alg_values_supported")
        decoded = jwt.decode(token["id_token"], keys, registry=JWSRegistry(algorithms=algorithms))
        options = {"iss": {"essential": True, "value": self.args.issuer},
                   "aud": {"essential": True, "value": self.args.client_id},
                   "sub": {"essential": True}, "exp": {"essential": True},
                   "nonce": {"essential": True, "value": self.nonce}}
        params = {"nonce": self.nonce, "client_id": self.args.client_id,
                  "access_token": token["access_token"]}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=60)  # checks at_hash against access_token when present
        _require_at_hash(claims)
        return dict(claims), dict(decoded.header)

    def userinfo(self, token):
        from authlib.oidc.core import UserInfo
        response = self._get(self.metadata["userinfo_endpoint"])  # Bearer: the fetched token
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            raise Failure(f"userinfo answered {response.headers.get('Content-Type')}, not JSON")
        return dict(UserInfo(response.json()))

    def logout_url(self, id_token, post_logout_redirect_uri):
        from authlib.common.security import generate_token
        from authlib.common.urls import add_params_to_uri
        endpoint = self.metadata.get("end_session_endpoint")
        if not endpoint:
            raise Failure("discovery has no end_session_endpoint")
        state = generate_token(20)
        return add_params_to_uri(endpoint, {
            "id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": state, "client_id": self.args.client_id}), state


class IdpyRP:
    """idpyoidc: StandAloneClient with static registration, dynamic discovery and PKCE add-on."""

    def __init__(self, args):
        from idpyoidc.client.defaults import DEFAULT_OIDC_SERVICES
        from idpyoidc.client.oauth2.stand_alone_client import StandAloneClient
        self.args = args
        self.discovery_warnings = []
        services = {k: v for k, v in DEFAULT_OIDC_SERVICES.items() if k != "registration"}
        services["end_session"] = {"class": "idpyoidc.client.oidc.end_session.EndSession"}
        preference = {"response_types": ["code"], "scope": args.scope.split()}
        if args.client_secret:
            preference["token_endpoint_auth_method"] = "client_secret_basic"
        else:  # public client: no client authentication, client_id in the body
            services["access_token"] = dict(services["access_token"], kwargs={"default_authn_method": ""})
        self.config = {
            "client_id": args.client_id, "client_type": "oidc",
            "redirect_uris": [args.redirect_uri], "services": services, "preference": preference,
            "post_logout_redirect_uri": args.post_logout_redirect_uri,
        }
        if args.client_secret:
            self.config["client_secret"] = args.client_secret
        if not args.no_pkce:
            self.config["add_ons"] = {"pkce": {
                "function": "idpyoidc.client.oauth2.add_on.pkce.add_support",
                "kwargs": {"code_challenge_length": 64, "code_challenge_method": "S256"}}}
        self._make_client = lambda provider_info: StandAloneClient(
            config=dict(self.config, provider_info=provider_info),
            httpc_params={"timeout": args.timeout})

    def discover(self):
        self.client = self._make_client({"issuer": self.args.issuer})
        try:
            self.client.do_provider_info()  # fetches and verifies discovery, loads the JWKS
        except ValueError as exc:
            if "RS256" not in str(exc):
                raise
            # idpyoidc's dynamic discovery refuses an OP without RS256; take the same document
            # as static provider info (the library's other configuration path) and say so.
            self.discovery_warnings.append(RS256_RULE)
            import requests
            url = discovery_url(self.args.issuer)
            info = requests.get(url, timeout=self.args.timeout).json()
            info["keys"] = {"url": {info["issuer"]: info["jwks_uri"]}}
            self.client = self._make_client(info)
            self.client.do_provider_info()
        self.client.do_client_registration()  # static: only maps our preferences
        if not self.args.client_secret:  # idpyoidc has no "none" method: authenticate with nothing
            self.client.get_context().set_usage("token_endpoint_auth_method", "")
        info = self.client.get_context().provider_info
        return dict(info.to_dict() if hasattr(info, "to_dict") else info)

    def authorization_url(self, extra):
        from urllib.parse import parse_qs, urlsplit
        request = {"redirect_uri": self.args.redirect_uri, "scope": self.args.scope}
        url = self.client.init_authorization(req_args=dict(request, **extra))
        query = parse_qs(urlsplit(url).query)
        self.state, self.nonce = query["state"][0], query["nonce"][0]
        return url

    def exchange(self, params):
        from idpyoidc.message.oauth2 import is_error_message
        response = self.client.finalize_auth(params)  # checks state and iss
        if is_error_message(response):
            raise Failure(f"authorization error: {response.to_dict()}")
        return self.client.get_tokens(self.state).to_dict()  # verifies the ID token and nonce

    def validate_id_token(self, token):
        from idpyoidc import verified_claim_name
        from idpyoidc.message.oidc import left_hash
        stored = self.client.get_context().cstate.get(self.state)
        idt = stored.get(verified_claim_name("id_token"))
        if not idt:
            raise Failure("idpyoidc kept no verified ID token")
        claims = idt if isinstance(idt, dict) else idt.to_dict()
        header = getattr(idt, "jws_header", None) or {}
        if not header:
            from cryptojwt.jws.jws import factory
            header = factory(token["id_token"]).jwt.headers
        _require_at_hash(claims)
        # idpyoidc verifies at_hash only for ID tokens from the authorization endpoint, so its
        # own hash helper is applied here to the token endpoint's access token.
        if claims["at_hash"] != left_hash(token["access_token"], "HS" + header["alg"][-3:]):
            raise Failure("ID token at_hash does not match the access token")
        if claims.get("nonce") != self.nonce:
            raise Failure("ID token nonce does not match the request")
        return dict(claims), dict(header)

    def userinfo(self, token):
        response = self.client.get_user_info(self.state, access_token=token["access_token"])
        return response.to_dict()  # idpyoidc checks sub against the ID token's

    def logout_url(self, id_token, post_logout_redirect_uri):
        info = self.client.logout(self.state, post_logout_redirect_uri=post_logout_redirect_uri)
        return info["url"], info["request"]["state"]


LIBRARIES = {"authlib": AuthlibRP, "idpyoidc": IdpyRP}
