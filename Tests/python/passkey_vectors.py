#!/usr/bin/env python3
"""Fixed passkey test vectors for Tests/TokenServiceTests/PasskeyVectorTests.swift, made by an
independent WebAuthn implementation: python-fido2 (`pip install fido2==2.2.1`), its
`fido2.webauthn` (client data, authenticator data, attestation object) and `fido2.cose` classes.

Two software keys from fixed secrets (P-256 scalar 0x11..11, Ed25519 seed 0x22..22) each make a
`none` registration and an assertion; ES256 signs deterministically (RFC 6979) and Ed25519 is
deterministic, so running this again prints the same bytes. The Ed25519 registration carries an
authenticator extension (credProtect) so the ED flag is exercised. Every signature is checked
again with fido2's own CoseKey.verify before it is printed. Prints Swift constants, base64url,
which PasskeyVectorTests.swift holds as they are.
"""
import hashlib

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives import hashes
from fido2 import cbor
from fido2.cose import ES256, EdDSA
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

RP_ID = "login.example.com"
ORIGIN = "https://login.example.com"
FLAG = AuthenticatorData.FLAG


def vectors(name, private_key, cose_key, sign, credential_id, registration_challenge, assertion_challenge, extensions):
    rp_id_hash = hashlib.sha256(RP_ID.encode()).digest()
    credential = AttestedCredentialData.create(bytes(16), credential_id, cose_key)
    flags = FLAG.UP | FLAG.UV | FLAG.BE | FLAG.AT | (FLAG.ED if extensions else 0)
    auth_data = AuthenticatorData.create(rp_id_hash, flags, 0, credential, extensions)
    attestation = AttestationObject.create("none", auth_data, {})
    create_data = CollectedClientData.create("webauthn.create", registration_challenge, ORIGIN)

    get_auth = AuthenticatorData.create(rp_id_hash, FLAG.UP | FLAG.UV | FLAG.BE | FLAG.BS, 7)
    get_data = CollectedClientData.create("webauthn.get", assertion_challenge, ORIGIN)
    signature = sign(private_key, bytes(get_auth) + get_data.hash)
    cose_key.verify(bytes(get_auth) + get_data.hash, signature)

    public_key_cose = cbor.encode(cose_key)
    assert bytes(credential).endswith(public_key_cose) and AttestedCredentialData(credential).public_key == cose_key
    values = {
        "registrationChallenge": registration_challenge,
        "attestationObject": bytes(attestation),
        "registrationClientDataJSON": bytes(create_data),
        "credentialID": credential_id,
        "publicKeyCOSE": public_key_cose,
        "assertionChallenge": assertion_challenge,
        "authenticatorData": bytes(get_auth),
        "assertionClientDataJSON": bytes(get_data),
        "signature": signature,
    }
    for key, value in values.items():
        text = websafe_encode(value)
        declaration = f"  static let {name}{key[0].upper()}{key[1:]} ="
        if len(declaration) + len(text) < 130:
            print(f'{declaration} "{text}"')
        else:
            print(f"{declaration} [")
            for start in range(0, len(text), 100):
                print(f'    "{text[start:start + 100]}",')
            print("  ].joined()")


def main():
    p256 = ec.derive_private_key(int("11" * 32, 16), ec.SECP256R1())
    vectors(
        "es256", p256, ES256.from_cryptography_key(p256.public_key()),
        lambda key, data: key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True)),
        bytes(range(1, 17)), bytes([0xA1] * 32), bytes([0xB2] * 32), None,
    )
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([0x22] * 32))
    vectors(
        "ed25519", ed, EdDSA.from_cryptography_key(ed.public_key()),
        lambda key, data: key.sign(data),
        bytes(range(32, 64)), bytes([0xC3] * 32), bytes([0xD4] * 32), {"credProtect": 2},
    )


if __name__ == "__main__":
    main()
