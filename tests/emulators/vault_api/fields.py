"""Vault's request-field conversions (sdk/framework/field_data.go, sdk/helper/parseutil), and
the Go formats Vault writes (time.Duration.String, protobuf timestamps).

Only the types the emulated endpoints declare: string, bool, int, duration in seconds,
comma-separated string slice, map. Conversion failures raise FieldError whose text follows
framework's "error converting input %v for field %q: %s" (the inner Go error text is
approximate where noted)."""

import re
import time


class FieldError(ValueError):
    pass


_DUR_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_DUR_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")


def parse_go_duration(s):
    """time.ParseDuration, returned in seconds (float). Raises ValueError with Go's text."""
    orig = s
    if s in ("0", "+0", "-0"):
        return 0.0
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        raise ValueError('time: invalid duration "%s"' % orig)
    total, pos = 0.0, 0
    while pos < len(s):
        m = _DUR_PART.match(s, pos)
        if not m:
            n = re.match(r"[0-9]*\.?[0-9]+", s[pos:])
            if n and pos + n.end() == len(s):
                raise ValueError('time: missing unit in duration "%s"' % orig)
            if n:
                unit = re.match(r"[^0-9.]+", s[pos + n.end():])
                raise ValueError('time: unknown unit "%s" in duration "%s"' % (unit.group(0) if unit else "", orig))
            raise ValueError('time: invalid duration "%s"' % orig)
        total += float(m.group(1)) * _DUR_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def duration_seconds(value, name):
    """parseutil.ParseDurationSecond: ints/floats are seconds, strings are ints or Go durations."""
    if isinstance(value, bool):
        raise FieldError('error converting input %s for field "%s": unsupported type bool' % (str(value).lower(), name))
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        v = value.strip()
        if v == "":
            return 0
        if re.fullmatch(r"-?[0-9]+", v):
            return int(v)
        try:
            return int(parse_go_duration(v))
        except ValueError as e:
            raise FieldError('error converting input %s for field "%s": %s' % (value, name, e))
    raise FieldError('error converting input %s for field "%s": unsupported type' % (value, name))


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE or value == "":
            return False
        raise FieldError('error converting input %s for field "%s": strconv.ParseBool: parsing "%s": invalid syntax'
                         % (value, name, value))
    raise FieldError('error converting input %s for field "%s": unsupported type' % (value, name))


def parse_int(value, name):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, str):
        if value == "":
            return 0
        try:
            return int(value, 10)
        except ValueError:
            raise FieldError("error converting input %s for field \"%s\": cannot parse '' as int: strconv.ParseInt: "
                             'parsing "%s": invalid syntax' % (value, name, value))
    raise FieldError('error converting input %s for field "%s": unsupported type' % (value, name))


def comma_slice(value, name):
    """TypeCommaStringSlice: a JSON list or "a, b,c"; items trimmed, empty ones dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) if not isinstance(v, str) else v for v in value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        items = [str(value)]
    return [i.strip() for i in items if i.strip() != ""]


def comma_int_slice(value, name):
    out = []
    for item in comma_slice(value, name) if not isinstance(value, int) else [value]:
        out.append(parse_int(item, name))
    return out


def parse_map(value, name):
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    raise FieldError('error converting input %s for field "%s": \'\' expected a map, got \'%s\''
                     % (value, name, type(value).__name__))


def go_duration_string(seconds):
    """time.Duration(seconds).String() for whole seconds: 0s, 1m30s, 768h0m0s."""
    if seconds == 0:
        return "0s"
    neg = seconds < 0
    seconds = abs(int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    if h:
        out = "%dh%dm%ds" % (h, m, s)
    elif m:
        out = "%dm%ds" % (m, s)
    else:
        out = "%ds" % s
    return "-" + out if neg else out


def now_ns():
    return time.time_ns()


def timestamp_string(ns):
    """ptypes.TimestampString / RFC 3339 with nanoseconds, trailing zeros dropped, UTC "Z"."""
    if ns is None:
        return ""
    sec, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    if frac:
        base += ("." + "%09d" % frac).rstrip("0")
    return base + "Z"


def rfc3339_nano_local(ns):
    """time.Time.Format(time.RFC3339Nano) as token lookup writes it (UTC here)."""
    return timestamp_string(ns)
