"""pgp_keys / root_token_pgp_key: what the emulator checks and the test-only stand-in for
OpenPGP encryption.

Vault (vault/seal.go baseValidate, helper/pgpkeys) base64-decodes each key, reads it as an
OpenPGP entity and encrypts each share to it; `keys` then holds hex of the encrypted message and
`keys_base64` its base64. A real OpenPGP implementation is out of reach in the standard
library, so the emulator only checks what it can (count, base64, that the first packet is a
public-key packet) with go-crypto's error texts, and "encrypts" with a transform that only
tests undo (see decrypt()). NOT real encryption; README "Not emulated" says so.
"""

import base64
import binascii
import hashlib

MAGIC = b"EMUPGP1\x00"


class PGPError(ValueError):
    pass


def _first_illegal_base64(s):
    for i, ch in enumerate(s):
        if not (ch.isalnum() and ch.isascii() or ch in "+/="):
            return i
    return len(s) - (len(s) % 4 or 4) if len(s) % 4 else 0


def key_bytes(b64):
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise PGPError("error decoding given PGP key: illegal base64 data at input byte %d" % _first_illegal_base64(b64))
    if not data or not data[0] & 0x80:
        raise PGPError("error parsing given PGP key: openpgp: invalid data: tag byte does not have MSB set")
    tag = data[0] & 0x3F if data[0] & 0x40 else (data[0] >> 2) & 0x0F
    if tag not in (5, 6):
        raise PGPError("error parsing given PGP key: openpgp: invalid data: first packet was not a public/private key")
    return data


def fingerprint(key_b64):
    return hashlib.sha1(key_bytes(key_b64)).hexdigest()


def _stream(key, n):
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:n]


def encrypt(key_b64, plaintext):
    key = key_bytes(key_b64)
    body = bytes(a ^ b for a, b in zip(plaintext, _stream(key, len(plaintext))))
    return MAGIC + hashlib.sha1(key).digest() + body


def decrypt(key_b64, blob):
    """The inverse, for tests: blob is the raw bytes (decode keys[i] as hex or keys_base64[i])."""
    key = key_bytes(key_b64)
    if not blob.startswith(MAGIC) or blob[len(MAGIC):len(MAGIC) + 20] != hashlib.sha1(key).digest():
        raise PGPError("not encrypted to this key")
    body = blob[len(MAGIC) + 20:]
    return bytes(a ^ b for a, b in zip(body, _stream(key, len(body))))
