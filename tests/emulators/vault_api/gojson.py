"""JSON the way Go's encoding/json writes it, so byte-level comparisons with Vault hold.

- json.Encoder (http respondOk / RespondError) appends "\n"; json.Marshal (raw bodies built by
  logical.RespondWithStatusCode) does not.
- HTML-sensitive characters are escaped: < > & as \\u003c \\u003e \\u0026, and U+2028/U+2029.
- Go maps are written with sorted keys; structs in field order. Callers build structs as
  dicts in field order and wrap map-typed values with go_map() (sorted at encode time).
"""

import json


class GoMap(dict):
    """A dict that is a Go map: its keys are written sorted."""


def go_map(d=None, **kw):
    m = GoMap(d or {})
    m.update(kw)
    return m


def _prepare(obj):
    if isinstance(obj, GoMap):
        return {k: _prepare(obj[k]) for k in sorted(obj)}
    if isinstance(obj, dict):
        return {k: _prepare(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_prepare(v) for v in obj]
    return obj


def dumps(obj, newline=True):
    s = json.dumps(_prepare(obj), separators=(",", ":"), ensure_ascii=False)
    s = (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return (s + "\n" if newline else s).encode("utf-8")


def all_maps(obj):
    """Mark every dict inside obj as a Go map (data decoded from a client's JSON is
    map[string]interface{} all the way down in Vault)."""
    if isinstance(obj, dict):
        return GoMap({k: all_maps(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [all_maps(v) for v in obj]
    return obj
