"""Shamir secret sharing over GF(2^8), laid out exactly as Vault's shamir package does it.

Source: hashicorp/vault shamir/shamir.go (also openbao sdk/helper/shamir/shamir.go, same code):
- field GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (reduction constant 0x1B);
- one random polynomial of degree threshold-1 per secret byte, intercept = that byte;
- x coordinates are distinct, non-zero, taken from a shuffled 1..255;
- a share is the y values followed by ONE trailing byte holding its x coordinate, so
  len(share) == len(secret) + 1 (ShareOverhead = 1). Vault's 32-byte key gives 33-byte shares:
  66 hex characters, 44 base64 characters.
- Combine: Lagrange interpolation at x = 0 over the parts given, which must all be the same
  length; a repeated x coordinate is "duplicate part detected".
The error texts are Vault's, so callers can wrap them the way vault/seal.go does.
"""

import secrets

SHARE_OVERHEAD = 1


def _mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return r


_EXP = [0] * 510
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x = _mul(_x, 3)          # 3 generates the multiplicative group of this field
for _i in range(255, 510):
    _EXP[_i] = _EXP[_i - 255]


def mult(a, b):
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def div(a, b):
    if b == 0:
        raise ZeroDivisionError("divide by zero")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def _evaluate(coefficients, x):
    # Horner's rule from the highest coefficient, as polynomial.evaluate does
    out = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = mult(out, x) ^ c
    return out


def _interpolate(xs, ys, x):
    result = 0
    for i, xi in enumerate(xs):
        basis = 1
        for j, xj in enumerate(xs):
            if i != j:
                basis = mult(basis, div(x ^ xj, xi ^ xj))
        result ^= mult(ys[i], basis)
    return result


def split(secret, parts, threshold):
    """Vault's shamir.Split: `parts` shares of which any `threshold` rebuild `secret`."""
    if parts < threshold:
        raise ValueError("parts cannot be less than threshold")
    if parts > 255:
        raise ValueError("parts cannot exceed 255")
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    if threshold > 255:
        raise ValueError("threshold cannot exceed 255")
    if len(secret) == 0:
        raise ValueError("cannot split an empty secret")
    xs = list(range(1, 256))
    for i in range(len(xs) - 1, 0, -1):      # Fisher-Yates, like shuffledXCoordinates
        j = secrets.randbelow(i)
        xs[i], xs[j] = xs[j], xs[i]
    out = [bytearray(len(secret) + 1) for _ in range(parts)]
    for idx in range(parts):
        out[idx][len(secret)] = xs[idx]
    for idx, val in enumerate(secret):
        coefficients = [val] + [secrets.randbelow(256) for _ in range(threshold - 1)]
        for i in range(parts):
            out[i][idx] = _evaluate(coefficients, xs[i])
    return [bytes(p) for p in out]


def combine(parts):
    """Vault's shamir.Combine. Raises ValueError with Vault's texts."""
    if len(parts) < 2:
        raise ValueError("less than two parts cannot be used to reconstruct the secret")
    first = len(parts[0])
    if first < 2:
        raise ValueError("parts must be at least two bytes")
    if any(len(p) != first for p in parts[1:]):
        raise ValueError("all parts must be the same length")
    xs = []
    for p in parts:
        if p[-1] in xs:
            raise ValueError("duplicate part detected")
        xs.append(p[-1])
    return bytes(_interpolate(xs, [p[idx] for p in parts], 0) for idx in range(first - 1))
