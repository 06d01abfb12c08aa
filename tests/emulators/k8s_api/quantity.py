"""Kubernetes resource quantities (k8s.io/apimachinery pkg/api/resource) as numbers, and floats
as Go's strconv.FormatFloat(v, 'g', -1, 64) writes them (what the Prometheus text encoder uses)."""

import decimal
import re

_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$")
_SUFFIX = {None: 1, "n": decimal.Decimal("1e-9"), "u": decimal.Decimal("1e-6"), "m": decimal.Decimal("1e-3"),
           "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def parse_quantity(q):
    """'250m' -> 0.25, '128Mi' -> 134217728.0, '1e3' -> 1000.0, 2 -> 2.0. ValueError otherwise."""
    if isinstance(q, bool):
        raise ValueError("not a quantity: %r" % (q,))
    if isinstance(q, (int, float)):
        return float(q)
    m = _QUANTITY.match(str(q).strip())
    if not m:
        raise ValueError("not a quantity: %r" % (q,))
    n = decimal.Decimal(m.group(1))
    if m.group(3) is not None:
        return float(n.scaleb(int(m.group(3))))
    return float(n * _SUFFIX[m.group(2)])


def go_float(v):
    """A float64 as Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that round-trip,
    in %e form when the decimal exponent is below -4 or at least 6 (Go decides the shortest form
    with precision 6): 1000 -> "1000", 32923648 -> "3.2923648e+07", 1e-05 -> "1e-05"."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    d = decimal.Decimal(repr(abs(v))).normalize()
    _, digits, exp = d.as_tuple()
    ds = "".join(map(str, digits))
    dp = len(ds) + exp               # position of the decimal point
    x = dp - 1                       # the exponent in d.ddd form
    if x < -4 or x >= 6:             # the shortest form decides with precision 6
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return "%s%se%s%02d" % (sign, mant, "-" if x < 0 else "+", abs(x))
    if dp <= 0:
        return sign + "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return sign + ds + "0" * (dp - len(ds))
    return sign + ds[:dp] + "." + ds[dp:]
