"""Opens an SP result JWE with joserfc, as a service provider would, and prints its JSON payload.

Usage: decrypt_result.py RESULT_KEY_BASE64URL KID COMPACT_JWE
Exits 1 when the JWE does not open, or its kid or algorithms are not the expected ones.
"""
import json
import sys

from joserfc import jwe
from joserfc.jwk import OctKey


def main() -> None:
    key_b64, kid, token = sys.argv[1:4]
    key = OctKey.import_key({"kty": "oct", "k": key_b64, "kid": kid})
    result = jwe.decrypt_compact(token, key, algorithms=["dir", "A256GCM"])
    header = result.protected
    if header.get("alg") != "dir" or header.get("enc") != "A256GCM" or header.get("kid") != kid:
        print(f"unexpected header {header}")
        sys.exit(1)
    print(json.dumps(json.loads(result.plaintext)))


if __name__ == "__main__":
    main()
