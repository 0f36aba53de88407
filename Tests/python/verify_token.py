"""Verifies a Gatehouse access token with PyJWT against the gateway's published JWKS.

Usage: verify_token.py JWKS_URL ISSUER AUDIENCE TOKEN. Prints the claims as JSON; exits 1 with
the reason when the token does not verify.
"""
import json
import sys

import jwt


def main() -> int:
    jwks_url, issuer, audience, token = sys.argv[1:5]
    try:
        key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["ES256"], audience=audience, issuer=issuer,
                            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})
        header = jwt.get_unverified_header(token)
    except Exception as error:  # any failure is the answer
        print(f"{type(error).__name__}: {error}")
        return 1
    print(json.dumps({"header": header, "claims": claims}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
