"""Identifiers shaped like Vault's: service tokens `hvs.` + 24 base62 characters (Vault >= 1.10),
24-character accessors, 8-hex mount accessor suffixes."""

import secrets

TOKEN_PREFIX = "hvs."
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
TOKEN_LENGTH = len(TOKEN_PREFIX) + 24
DEFAULT_TTL = 768 * 3600              # the system max lease TTL default (32 days)


def random_id(n):
    return "".join(secrets.choice(BASE62) for _ in range(n))


def new_token_id():
    return TOKEN_PREFIX + random_id(24)


def short_hex():
    return secrets.token_hex(4)
