"""Prints the TOTP code an authenticator app would show for a base32 secret, with pyotp.

    python3 totp_code.py SECRET [STEPS]

STEPS shifts the time by that many 30-second steps (e.g. 1 for the next code).
It also checks that an otpauth:// URI given instead of a secret parses as apps parse it.
"""
import sys
import time

import pyotp

source = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 0
totp = pyotp.parse_uri(source) if source.startswith("otpauth://") else pyotp.TOTP(source)
print(totp.at(time.time() + 30 * steps))
