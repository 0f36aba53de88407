"""Passkeys through the JSON API with a software authenticator built from python-fido2's WebAuthn
and COSE types (an implementation that is not ours), against a running gateway.

Usage: passkey_api.py SETTINGS_JSON

SETTINGS_JSON names the issuer, the service (first-party) and a person (username, password) of it.
The person signs in with the password, registers an ES256 and an EdDSA passkey (the options need
the password), renames one, signs in with the other (and with the same answer eight times at
once: one sign-in), and sees refused: a replayed registration, a wrong origin, a wrong RP ID, a
counter that goes back, no user verification, and a removed passkey. Then, with TOTP on, a
password sign-in's second step is answered by the remaining passkey (and not by one the account
does not have), once. Prints one JSON object (status and problem code of every step) and exits 0;
exits 1 with the reason.
"""
import concurrent.futures
import hashlib
import json
import os
import sys

import pyotp
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from fido2.cose import ES256, EdDSA
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

FLAG = AuthenticatorData.FLAG


class Failure(Exception):
    pass


class SoftAuthenticator:
    """Keeps its credentials (id, key, user handle, counter) and answers options as a browser would."""

    def __init__(self):
        self.credentials = {}

    def create(self, options, origin, algorithm, flags=FLAG.UP | FLAG.UV | FLAG.BE):
        public = options["public_key"]
        if algorithm == -7:
            key = ec.generate_private_key(ec.SECP256R1())
            cose = ES256.from_cryptography_key(key.public_key())
        else:
            key = ed25519.Ed25519PrivateKey.generate()
            cose = EdDSA.from_cryptography_key(key.public_key())
        credential_id = os.urandom(32)
        rp_hash = hashlib.sha256(public["rp"]["id"].encode()).digest()
        auth_data = AuthenticatorData.create(rp_hash, flags | FLAG.AT, 0, AttestedCredentialData.create(bytes(16), credential_id, cose))
        client_data = CollectedClientData.create("webauthn.create", websafe_decode(public["challenge"]), origin)
        self.credentials[credential_id] = {"key": key, "algorithm": algorithm, "user": public["user"]["id"], "counter": 0}
        return credential_id, {
            "id": websafe_encode(credential_id), "type": "public-key",
            "response": {"clientDataJSON": websafe_encode(bytes(client_data)),
                         "attestationObject": websafe_encode(bytes(AttestationObject.create("none", auth_data, {})))},
        }

    def get(self, options, origin, credential_id, rp_id=None, counter=None, flags=FLAG.UP | FLAG.UV | FLAG.BE):
        public = options["public_key"]
        stored = self.credentials[credential_id]
        stored["counter"] = stored["counter"] + 1 if counter is None else counter
        rp_hash = hashlib.sha256((rp_id or public["rpId"]).encode()).digest()
        auth_data = bytes(AuthenticatorData.create(rp_hash, flags, stored["counter"]))
        client_data = CollectedClientData.create("webauthn.get", websafe_decode(public["challenge"]), origin)
        signed = auth_data + client_data.hash
        key = stored["key"]
        signature = key.sign(signed, ec.ECDSA(hashes.SHA256())) if stored["algorithm"] == -7 else key.sign(signed)
        return {
            "id": websafe_encode(credential_id), "type": "public-key",
            "response": {"clientDataJSON": websafe_encode(bytes(client_data)), "authenticatorData": websafe_encode(auth_data),
                         "signature": websafe_encode(signature), "userHandle": stored["user"]},
        }


def code(answer):
    try:
        return answer.json().get("code")
    except ValueError:
        return None


def run(settings):
    issuer, service, person = settings["issuer"], settings["service"], settings["person"]
    seen = {}

    def step(name, answer, expected):
        seen[name] = [answer.status_code, code(answer)]
        if answer.status_code != expected:
            raise Failure(f"{name}: expected {expected}, got {answer.status_code} {answer.text[:300]}")
        return answer

    signed_in = step("password sign-in", requests.post(f"{issuer}/api/v1/auth/login", json={
        "service": service, "username": person["username"], "password": person["password"], "client_type": "mobile"}, timeout=10), 200)
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    me = f"{issuer}/api/v1/users/me/passkeys"

    def creation_options():
        return step("registration options", requests.post(
            f"{me}/options", json={"current_password": person["password"]}, headers=auth, timeout=10), 200).json()

    step("options without proof", requests.post(f"{me}/options", json={}, headers=auth, timeout=10), 403)
    authenticator = SoftAuthenticator()
    origin = issuer
    options = creation_options()
    if options["public_key"]["attestation"] != "none" or options["public_key"]["excludeCredentials"]:
        raise Failure(f"unexpected options: {options}")
    laptop, credential = authenticator.create(options, origin, -7)
    body = {"challenge_id": options["challenge_id"], "name": "Laptop", "credential": credential}
    step("register ES256", requests.post(me, json=body, headers=auth, timeout=10), 201)
    step("registration replayed", requests.post(me, json=body, headers=auth, timeout=10), 400)

    options = creation_options()
    if [item["id"] for item in options["public_key"]["excludeCredentials"]] != [websafe_encode(laptop)]:
        raise Failure(f"the registered passkey is not excluded: {options['public_key']['excludeCredentials']}")
    phone_key, credential = authenticator.create(options, origin, -8)
    phone = step("register EdDSA", requests.post(
        me, json={"challenge_id": options["challenge_id"], "name": "Phone", "credential": credential}, headers=auth, timeout=10), 201)
    step("rename", requests.patch(f"{me}/{phone.json()['id']}", json={"name": "Old phone"}, headers=auth, timeout=10), 200)
    listed = step("list", requests.get(me, headers=auth, timeout=10), 200).json()["passkeys"]
    seen["names"] = sorted(item["name"] for item in listed)

    def sign_in_options():
        return step("sign-in options", requests.post(
            f"{issuer}/api/v1/auth/passkey/options", json={"service": service}, timeout=10), 200).json()

    def sign_in(name, options, answer, expected):
        return step(name, requests.post(f"{issuer}/api/v1/auth/passkey", json={
            "challenge_id": options["challenge_id"], "client_type": "mobile", "credential": answer}, timeout=10), expected)

    options = sign_in_options()
    answer = authenticator.get(options, origin, laptop)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        racing = list(pool.map(lambda _: requests.post(f"{issuer}/api/v1/auth/passkey", json={
            "challenge_id": options["challenge_id"], "client_type": "mobile", "credential": answer}, timeout=20), range(8)))
    seen["racing statuses"] = sorted(item.status_code for item in racing)
    tokens = [item.json()["access_token"] for item in racing if item.status_code == 200]
    if len(tokens) != 1:
        raise Failure(f"eight sign-ins with one answer: {seen['racing statuses']}")
    step("token of the passkey sign-in", requests.get(
        f"{issuer}/api/v1/users/me", headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=10), 200)

    options = sign_in_options()
    sign_in("wrong origin", options, authenticator.get(options, "https://evil.example", laptop), 400)
    options = sign_in_options()
    sign_in("wrong RP ID", options, authenticator.get(options, origin, laptop, rp_id="evil.example"), 400)
    options = sign_in_options()
    sign_in("counter back", options, authenticator.get(options, origin, laptop, counter=1), 401)
    options = sign_in_options()
    sign_in("no user verification", options, authenticator.get(options, origin, laptop, flags=FLAG.UP), 400)
    options = sign_in_options()
    sign_in("sign-in again", options, authenticator.get(options, origin, laptop), 200)

    # A session of its own, which has proved nothing yet (the first one proved the password minutes ago).
    fresh = step("password sign-in again", requests.post(f"{issuer}/api/v1/auth/login", json={
        "service": service, "username": person["username"], "password": person["password"], "client_type": "mobile"}, timeout=10), 200)
    auth = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    laptop_id = next(item["id"] for item in listed if item["name"] == "Laptop")
    step("remove without proof", requests.delete(f"{me}/{laptop_id}", headers=auth, timeout=10), 403)
    step("remove", requests.delete(f"{me}/{laptop_id}", json={"current_password": person["password"]}, headers=auth, timeout=10), 204)
    options = sign_in_options()
    sign_in("removed passkey", options, authenticator.get(options, origin, laptop), 401)
    second_factor(issuer, service, person, auth, step, authenticator, phone_key)
    return seen


def second_factor(issuer, service, person, auth, step, authenticator, phone):
    """With TOTP on, a password sign-in waits on its second step; the remaining passkey answers
    it (presence is enough there), once."""
    totp = f"{issuer}/api/v1/users/me/mfa/totp"
    secret = step("TOTP enrolment", requests.post(
        totp, json={"current_password": person["password"]}, headers=auth, timeout=10), 200).json()["secret"]
    step("TOTP on", requests.post(f"{totp}/enable", json={"code": pyotp.TOTP(secret).now()}, headers=auth, timeout=10), 200)

    def waiting():
        answer = step("password sign-in with TOTP on", requests.post(f"{issuer}/api/v1/auth/login", json={
            "service": service, "username": person["username"], "password": person["password"], "client_type": "mobile"},
            timeout=10), 401)
        return answer.json()["mfa_token"]

    def options_for(token, expected=200):
        return step("second-factor options", requests.post(
            f"{issuer}/api/v1/auth/mfa/passkey/options", json={"mfa_token": token}, timeout=10), expected).json()

    def verify(name, token, options, answer, expected):
        return step(name, requests.post(f"{issuer}/api/v1/auth/mfa/verify", json={
            "mfa_token": token, "passkey": {"challenge_id": options["challenge_id"], "credential": answer}}, timeout=10), expected)

    options_for("not-a-token", 401)
    token = waiting()
    options = options_for(token)
    allowed = [item["id"] for item in options["public_key"]["allowCredentials"]]
    if allowed != [websafe_encode(phone)] or options["public_key"]["userVerification"] != "preferred":
        raise Failure(f"second-factor options name {allowed}, user verification {options['public_key']['userVerification']}")
    stranger = SoftAuthenticator()
    unknown, _ = stranger.create({"public_key": {"rp": {"id": options["public_key"]["rpId"]}, "challenge": options["public_key"]["challenge"],
                                                 "user": {"id": "AA"}}}, issuer, -7)
    verify("second factor by an unknown passkey", token, options, stranger.get(options, issuer, unknown), 401)
    options = options_for(token)
    signed_in = verify("second factor by passkey", token, options, authenticator.get(options, issuer, phone, flags=FLAG.UP), 200)
    step("token of the second factor", requests.get(
        f"{issuer}/api/v1/users/me", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}, timeout=10), 200)
    options_for(token, 401)


def main():
    try:
        print(json.dumps(run(json.load(open(sys.argv[1])))))
    except Failure as failure:
        print(f"error: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
