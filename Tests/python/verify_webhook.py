"""Verifies an SP callback as an SP using the Standard Webhooks library would
(https://www.standardwebhooks.com, `standardwebhooks` from PyPI).

    python3 verify_webhook.py SECRET HEADERS_JSON BODY_FILE

SECRET is the `standard_webhook_secret` Gatehouse printed (`whsec_...`); HEADERS_JSON the
callback's headers; BODY_FILE its body, byte for byte. Prints the verified payload's
transaction_id and exits 0, or prints the library's error and exits 1.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

secret, headers, body_file = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
with open(body_file, "rb") as f:
    body = f.read()
try:
    payload = Webhook(secret).verify(body, headers)
except WebhookVerificationError as error:
    print(f"refused: {error}")
    sys.exit(1)
print(payload["transaction_id"])
