"""Label and field selectors (k8s.io/apimachinery pkg/labels, pkg/fields)."""

import re

from .errors import bad_request

# ---------------------------------------------------------------------------------------------
# Selectors

_LABEL_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_LABEL_VAL = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_label_selector(s):
    reqs = []
    if not s or not s.strip():
        return reqs
    for part in _split_top(s):
        p = part.strip()
        if not p:
            raise bad_request("unable to parse requirement: found '', expected: identifier")
        m = re.match(r"^(!?)\s*(%s)$" % _LABEL_KEY, p)
        if m:
            reqs.append((m.group(2), "!" if m.group(1) else "exists", None))
            continue
        m = re.match(r"^(%s)\s+(in|notin)\s*\((.*)\)$" % _LABEL_KEY, p)
        if m:
            vals = {v.strip() for v in m.group(3).split(",")}
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.match(r"^(%s)\s*(==|=|!=)\s*(%s)$" % (_LABEL_KEY, _LABEL_VAL), p)
        if m:
            op = "!=" if m.group(2) == "!=" else "="
            reqs.append((m.group(1), op, m.group(3)))
            continue
        raise bad_request("unable to parse requirement: %s" % p)
    return reqs


def label_match(reqs, labels):
    labels = labels or {}
    for key, op, val in reqs:
        has = key in labels
        if op == "exists" and not has:
            return False
        if op == "!" and has:
            return False
        if op == "=" and labels.get(key) != val:
            return False
        if op == "!=" and has and labels.get(key) == val:
            return False
        if op == "in" and (not has or labels[key] not in val):
            return False
        if op == "notin" and has and labels[key] in val:
            return False
    return True


_FIELDS = {
    "pods": {"spec.nodeName": lambda o: o.get("spec", {}).get("nodeName", ""),
             "spec.restartPolicy": lambda o: o.get("spec", {}).get("restartPolicy", ""),
             "spec.schedulerName": lambda o: o.get("spec", {}).get("schedulerName", ""),
             "spec.serviceAccountName": lambda o: o.get("spec", {}).get("serviceAccountName", ""),
             "spec.hostNetwork": lambda o: str(bool(o.get("spec", {}).get("hostNetwork", False))).lower(),
             "status.phase": lambda o: o.get("status", {}).get("phase", ""),
             "status.podIP": lambda o: o.get("status", {}).get("podIP", ""),
             "status.nominatedNodeName": lambda o: o.get("status", {}).get("nominatedNodeName", "")},
    "nodes": {"spec.unschedulable": lambda o: str(bool(o.get("spec", {}).get("unschedulable", False))).lower()},
    "namespaces": {"status.phase": lambda o: o.get("status", {}).get("phase", "")},
    "services": {"spec.clusterIP": lambda o: o.get("spec", {}).get("clusterIP", ""),
                 "spec.type": lambda o: o.get("spec", {}).get("type", "")},
}


def parse_field_selector(s, rdef):
    reqs = []
    if not s or not s.strip():
        return reqs
    extra = _FIELDS.get(rdef.resource, {}) if not rdef.custom else {}
    for part in s.split(","):
        p = part.strip()
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(==|=|!=)\s*(.*)$", p)
        if not m:
            raise bad_request('invalid selector: \'%s\'; can\'t understand \'%s\'' % (s, p))
        field, op, val = m.group(1), m.group(2), m.group(3)
        if field == "metadata.name":
            get = lambda o: o.get("metadata", {}).get("name", "")  # noqa: E731
        elif field == "metadata.namespace":
            get = lambda o: o.get("metadata", {}).get("namespace", "")  # noqa: E731
        elif field in extra:
            get = extra[field]
        else:
            raise bad_request('field label not supported: %s' % field)
        reqs.append((get, "!=" if op == "!=" else "=", val, field))
    return reqs


def field_match(reqs, obj):
    for get, op, val, _ in reqs:
        got = get(obj)
        if op == "=" and got != val:
            return False
        if op == "!=" and got == val:
            return False
    return True
