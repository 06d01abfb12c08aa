#!/usr/bin/env python3
"""A Kubernetes API server emulator for integration tests. Python 3 standard library only.

It speaks the API server's wire protocol (HTTPS with client-certificate or bearer-token auth,
JSON objects, Status errors, LIST paging, chunked NDJSON WATCH streams with bookmarks and 410
Expired, discovery, node and service proxy) and adds an unauthenticated control API under
/__emulator/ for tests: apply/delete/patch objects, scheduled changes, fault injection, a request
log. README.md beside this file documents the interface; this file is the implementation.

Start: python3 k8s_api.py --port 0 --tls-dir DIR [--token-file F] [--fixtures FILE] ...
It prints exactly one line "LISTENING <port>" on stdout when ready, then logs to stderr.
"""

import argparse
import base64
import collections
import copy
import csv
import ctypes
import email.utils
import gzip
import hashlib
import heapq
import http
import http.client
import json
import os
import queue
import random
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_K8S_VERSION = "v1.36.1"
ADMIN_GROUPS = {"system:masters", "kubeadm:cluster-admins"}
PUBLIC_INFO_PATHS = ("/healthz", "/livez", "/readyz", "/version")
GZIP_THRESHOLD = 128 * 1024     # apiserver compresses responses above 128 KiB (APIResponseCompression)
CHUNK_THRESHOLD = 2048          # Go net/http sends Content-Length only when the body fits its buffer
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "trailers", "transfer-encoding", "upgrade", "proxy-connection"}


def log(msg):
    try:
        sys.stderr.write("k8s_api: %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def go_json(obj, pretty=False):
    """Encode like Go's json.Encoder: compact, HTML-escaped, raw UTF-8, trailing newline."""
    if pretty:
        s = json.dumps(obj, ensure_ascii=False, indent=2, separators=(",", ": "))
    else:
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    s = (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return (s + "\n").encode("utf-8")


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def sort_keys(obj):
    """Go encodes map[string]interface{} (unstructured custom resources) with sorted keys."""
    if isinstance(obj, dict):
        return {k: sort_keys(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sort_keys(v) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------------
# Status errors (k8s.io/apimachinery pkg/api/errors, meta/v1 Status)

class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None, metadata=None):
        super().__init__(message)
        self.code = code
        self.headers = dict(headers or {})
        self.status = status_obj(code, reason, message, details, metadata)


class AdminError(Exception):
    def __init__(self, message, code=400):
        super().__init__(message)
        self.code = code


class AbortConnection(Exception):
    """Raised inside a handler to drop the connection: FIN, or RST when rst is true."""

    def __init__(self, rst=False):
        super().__init__("abort")
        self.rst = rst


def status_obj(code, reason, message, details=None, metadata=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": metadata or {}, "status": "Failure",
          "message": message, "reason": reason}
    if details is not None:
        st["details"] = details
    st["code"] = code
    return st


def obj_details(rdef, name):
    d = {}
    if name:
        d["name"] = name
    if rdef.group:
        d["group"] = rdef.group
    d["kind"] = rdef.resource
    return d


def not_found_generic():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def not_found_obj(rdef, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (rdef.qualified, name), obj_details(rdef, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid_list_options(field_errors):
    causes = [{"reason": r, "message": m, "field": f} for f, r, m in field_errors]
    msg = 'ListOptions.meta.k8s.io "" is invalid: ' + ", ".join(
        "%s: %s" % (f, m) for f, _, m in field_errors)
    return ApiError(422, "Invalid", msg, {"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes})


def expired(message, metadata=None):
    return status_obj(410, "Expired", message, None, metadata)


def too_large_rv(requested, current):
    return status_obj(504, "Timeout", "Timeout: Too large resource version: %d, current: %d" % (requested, current),
                      {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                       "retryAfterSeconds": 1})


_FAULT_REASONS = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden: injected fault"),
    404: ("NotFound", "the server could not find the requested resource"),
    409: ("Conflict", "Operation cannot be fulfilled: injected fault"),
    410: ("Expired", "The resourceVersion for the provided list is too old."),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    502: ("InternalError", "an error on the server (\"\") has prevented the request from succeeding"),
    503: ("ServiceUnavailable", "The server is currently unable to handle the request"),
    504: ("Timeout", "Timeout: request did not complete within the allotted timeout"),
}


def fault_error(rule):
    code = int(rule.get("code", 500))
    reason, message = _FAULT_REASONS.get(code, ("InternalError", "injected fault"))
    reason = rule.get("reason", reason)
    message = rule.get("message", message)
    retry = rule.get("retry_after")
    if retry is None and code == 429:
        retry = 1
    details = {}
    if code == 500:
        details["causes"] = [{"message": message}]
    if retry is not None:
        details["retryAfterSeconds"] = int(retry)
    headers = {"Retry-After": str(int(retry))} if retry is not None else {}
    err = ApiError(code, reason, message, details or ({} if code in (404, 500) else None), headers)
    if "body" in rule:
        err.raw_body = rule["body"].encode() if isinstance(rule["body"], str) else go_json(rule["body"])
        err.raw_type = rule.get("content_type", "text/plain; charset=utf-8")
    return err


def parse_bool(value, name):
    """Go strconv.ParseBool, as the apiserver decodes boolean query parameters."""
    if value is None or value == "":
        return None
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise bad_request('strconv.ParseBool: parsing "%s": invalid syntax (query parameter %s)' % (value, name))


def parse_rv(value):
    try:
        n = int(value)
        if n < 0 or str(n) != value.lstrip("+"):
            raise ValueError
        return n
    except (ValueError, AttributeError):
        raise bad_request('invalid resource version "%s"' % value)


# ---------------------------------------------------------------------------------------------
# Resources

class RDef:
    def __init__(self, group, versions, resource, kind, namespaced, singular, short=(), subresources=(),
                 generation=False, crd_name=None, established=True):
        self.group = group
        self.versions = list(versions)
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
        self.singular = singular
        self.short = list(short)
        self.subresources = list(subresources)
        self.generation = generation
        self.crd_name = crd_name
        self.established = established

    @property
    def gr(self):
        return (self.group, self.resource)

    @property
    def qualified(self):
        return self.resource + ("." + self.group if self.group else "")

    @property
    def list_kind(self):
        return self.kind + "List"

    @property
    def custom(self):
        return self.crd_name is not None

    def gv(self, version=None):
        v = version or self.versions[0]
        return v if not self.group else self.group + "/" + v


BUILTINS = [
    RDef("", ["v1"], "configmaps", "ConfigMap", True, "configmap", ["cm"]),
    RDef("", ["v1"], "namespaces", "Namespace", False, "namespace", ["ns"], ["finalize", "status"]),
    RDef("", ["v1"], "nodes", "Node", False, "node", ["no"], ["proxy", "status"]),
    RDef("", ["v1"], "pods", "Pod", True, "pod", ["po"], ["status"]),
    RDef("", ["v1"], "services", "Service", True, "service", ["svc"], ["proxy", "status"]),
    RDef("apps", ["v1"], "daemonsets", "DaemonSet", True, "daemonset", ["ds"], ["status"], True),
    RDef("apps", ["v1"], "deployments", "Deployment", True, "deployment", ["deploy"], ["scale", "status"], True),
    RDef("apps", ["v1"], "replicasets", "ReplicaSet", True, "replicaset", ["rs"], ["scale", "status"], True),
    RDef("apps", ["v1"], "statefulsets", "StatefulSet", True, "statefulset", ["sts"], ["scale", "status"], True),
    RDef("apiextensions.k8s.io", ["v1"], "customresourcedefinitions", "CustomResourceDefinition", False,
         "customresourcedefinition", ["crd", "crds"], ["status"], True),
]
CRD_GR = ("apiextensions.k8s.io", "customresourcedefinitions")

_SUBRESOURCE_KIND = {("nodes", "proxy"): "NodeProxyOptions", ("services", "proxy"): "ServiceProxyOptions",
                     ("deployments", "scale"): "Scale", ("replicasets", "scale"): "Scale",
                     ("statefulsets", "scale"): "Scale"}


def _established(crd):
    for c in (crd.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Established":
            return c.get("status") == "True"
    return False


class Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.builtin = {d.gr: d for d in BUILTINS}
        self.custom = {}

    def all(self):
        with self.lock:
            return list(self.builtin.values()) + list(self.custom.values())

    def lookup(self, group, version, resource):
        """The resource served at /api[s]/group/version/resource, or None (404)."""
        with self.lock:
            d = self.builtin.get((group, resource)) or self.custom.get((group, resource))
        if d is None or version not in d.versions or not d.established:
            return None
        return d

    def by_kind(self, api_version, kind):
        group = api_version.rpartition("/")[0] if api_version and "/" in api_version else ""
        with self.lock:
            cands = [d for d in list(self.builtin.values()) + list(self.custom.values())
                     if d.kind == kind and (api_version is None or d.group == group)]
        return cands[0] if len(cands) == 1 else None

    def find(self, name, api_version=None):
        """Resolve an admin reference: a kind ("Node"), a plural ("nodes") or plural.group."""
        if not name:
            return None
        group = None
        if api_version:
            group = api_version.rpartition("/")[0] if "/" in api_version else ""
        low = name.lower()
        with self.lock:
            defs = list(self.builtin.values()) + list(self.custom.values())
        cands = [d for d in defs if (group is None or d.group == group) and
                 (d.kind.lower() == low or d.resource == low or d.qualified == low or d.singular == low
                  or low in d.short)]
        if len(cands) > 1:
            exact = [d for d in cands if d.kind == name]
            cands = exact or cands
        return cands[0] if len(cands) == 1 else None

    def set_crds(self, crds):
        custom = {}
        for c in crds:
            spec = c.get("spec") or {}
            names = spec.get("names") or {}
            plural, group, kind = names.get("plural"), spec.get("group"), names.get("kind")
            if not (plural and group and kind):
                continue
            versions = [v.get("name") for v in spec.get("versions") or [] if v.get("served", True) and v.get("name")]
            if not versions and spec.get("version"):
                versions = [spec["version"]]
            subs = []
            for v in spec.get("versions") or []:
                for s in (v.get("subresources") or {}):
                    if s not in subs:
                        subs.append(s)
            custom[(group, plural)] = RDef(group, versions, plural, kind, spec.get("scope") != "Cluster",
                                           names.get("singular") or kind.lower(), names.get("shortNames") or [],
                                           sorted(subs), True, c["metadata"]["name"], _established(c))
        with self.lock:
            self.custom = custom

    def groups(self):
        """Served groups for /apis, in the order the apiserver lists them (built-ins, then CRDs)."""
        order = []
        for d in self.all():
            if d.group and d.established and d.versions and d.group not in [g for g, _ in order]:
                order.append((d.group, d.versions))
        return order


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


# ---------------------------------------------------------------------------------------------
# Object normalisation (field order like the Go structs)

META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
              "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
              "ownerReferences", "finalizers", "managedFields"]


def normalize(obj, rdef):
    if rdef.custom:
        return sort_keys(obj)
    out = {"kind": obj.get("kind"), "apiVersion": obj.get("apiVersion")}
    meta = obj.get("metadata") or {}
    m = {k: meta[k] for k in META_ORDER if k in meta}
    for k, v in meta.items():
        if k not in m:
            m[k] = v
    for k in ("labels", "annotations"):
        if isinstance(m.get(k), dict):
            m[k] = dict(sorted(m[k].items()))
    out["metadata"] = m
    for k in ("spec", "status"):
        if k in obj:
            out[k] = obj[k]
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    return out


def output_obj(obj, rdef, version, in_list=False):
    """An object as served: built-in list items carry no kind/apiVersion; custom resources do."""
    if rdef.custom:
        gv = rdef.gv(version)
        if obj.get("apiVersion") == gv:
            return obj
        o = dict(obj)
        o["apiVersion"] = gv
        return o
    if in_list:
        return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
    return obj


_TEMPLATE_ZERO = {"metadata": {"creationTimestamp": None}, "spec": {"containers": None}}
_BOOKMARK_ZERO = {
    "nodes": {"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}}, "nodeInfo": {
        "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "",
        "containerRuntimeVersion": "", "kubeletVersion": "", "kubeProxyVersion": "", "operatingSystem": "",
        "architecture": ""}}},
    "pods": {"spec": {"containers": None}, "status": {}},
    "namespaces": {"spec": {}, "status": {}},
    "services": {"spec": {}, "status": {"loadBalancer": {}}},
    "configmaps": {},
    "deployments": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "strategy": {}}, "status": {}},
    "replicasets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO}, "status": {"replicas": 0}},
    "daemonsets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "updateStrategy": {}},
                   "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                              "numberReady": 0}},
    "statefulsets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "serviceName": "",
                              "updateStrategy": {}}, "status": {"replicas": 0, "availableReplicas": 0}},
    "customresourcedefinitions": {"spec": {"group": "", "names": {"plural": "", "kind": ""}, "scope": "",
                                           "versions": None},
                                  "status": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": None}},
}


def bookmark_obj(rdef, version, rv, initial_end=False):
    """A BOOKMARK object: only metadata.resourceVersion set, the rest Go zero values."""
    if rdef.custom:
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta = {"annotations": {"k8s.io/initial-events-end": "true"}, "resourceVersion": str(rv)}
        return {"apiVersion": rdef.gv(version), "kind": rdef.kind, "metadata": meta}
    meta = {"resourceVersion": str(rv), "creationTimestamp": None}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    o = {"kind": rdef.kind, "apiVersion": rdef.gv(version), "metadata": meta}
    o.update(copy.deepcopy(_BOOKMARK_ZERO.get(rdef.resource, {})))
    return o


# ---------------------------------------------------------------------------------------------
# Store: objects, versions (for consistent paging), per-resource event history, watchers

class Event:
    __slots__ = ("rv", "type", "obj", "prev")

    def __init__(self, rv, typ, obj, prev):
        self.rv, self.type, self.obj, self.prev = rv, typ, obj, prev


class Watcher:
    def __init__(self, rdef, version, namespace, labels, fields, info):
        self.rdef = rdef
        self.gr = rdef.gr
        self.version = version
        self.ns = namespace
        self.labels = labels
        self.fields = fields
        self.info = info
        self.q = queue.Queue()
        self.since = time.time()

    def matches(self, obj):
        if obj is None:
            return False
        if self.ns and (obj.get("metadata") or {}).get("namespace") != self.ns:
            return False
        return label_match(self.labels, (obj.get("metadata") or {}).get("labels")) and field_match(self.fields, obj)

    def offer(self, ev):
        """Filter one store event the way the apiserver cacher does (cacheWatcher.convertToWatchEvent)."""
        if ev.type == "DELETED":
            if self.matches(ev.prev):
                self.q.put(("event", "DELETED", ev.obj))
            return
        cur = self.matches(ev.obj)
        old = ev.prev is not None and self.matches(ev.prev)
        if ev.type == "ADDED":
            if cur:
                self.q.put(("event", "ADDED", ev.obj))
        elif cur and old:
            self.q.put(("event", "MODIFIED", ev.obj))
        elif cur:
            self.q.put(("event", "ADDED", ev.obj))
        elif old:
            gone = dict(ev.prev)
            gone["metadata"] = dict(ev.prev["metadata"], resourceVersion=str(ev.rv))
            self.q.put(("event", "DELETED", gone))


def encode_continue(rv, start):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        d = json.loads(raw)
        if d.get("v") != "meta.k8s.io/v1":
            raise ValueError("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        rv = int(d["rv"])
        start = d["start"]
        if not isinstance(start, str) or not start:
            raise ValueError("continue key is empty")
        return rv, start
    except Exception as e:
        raise bad_request("continue key is not valid: %s" % e)


class Store:
    def __init__(self, registry, initial_rv=1000, window=1000):
        self.registry = registry
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = initial_rv
        self.objects = {}
        self.versions = {}
        self.history = {}
        self.horizon = {}
        self.compacted = 0
        self.watchers = set()
        self.window = max(1, window)

    @staticmethod
    def key(rdef, ns, name):
        return (rdef.group, rdef.resource, ((ns or "default") if rdef.namespaced else ""), name)

    def get(self, rdef, ns, name):
        with self.lock:
            return self.objects.get(self.key(rdef, ns, name))

    # -- writes (admin API) --

    def apply(self, obj):
        if not isinstance(obj, dict):
            raise AdminError("an object must be a JSON object")
        rdef = self.registry.by_kind(obj.get("apiVersion"), obj.get("kind"))
        if rdef is None:
            raise AdminError("unknown kind %s %s (built-ins: %s; for a custom resource apply its CRD first)"
                             % (obj.get("apiVersion"), obj.get("kind"),
                                ", ".join(sorted(d.kind for d in BUILTINS))))
        meta = obj.get("metadata") or {}
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise AdminError("metadata.name is required")
        ns = (meta.get("namespace") or "default") if rdef.namespaced else ""
        with self.lock:
            return self._put(rdef, ns, name, obj, "generation" in meta)

    def _put(self, rdef, ns, name, obj, explicit_generation):
        key = self.key(rdef, ns, name)
        cur = self.objects.get(key)
        new = copy.deepcopy(obj)
        new["kind"] = rdef.kind
        av = new.get("apiVersion")
        if not rdef.custom or not av or av.rpartition("/")[0] != rdef.group:
            new["apiVersion"] = rdef.gv()
        m = new.get("metadata")
        if not isinstance(m, dict):
            m = new["metadata"] = {}
        m["name"] = name
        if ns:
            m["namespace"] = ns
        else:
            m.pop("namespace", None)
        m.pop("resourceVersion", None)
        m.pop("selfLink", None)
        if cur is not None:
            cm = cur["metadata"]
            if not m.get("uid"):
                m["uid"] = cm.get("uid")
            if not m.get("creationTimestamp"):
                m["creationTimestamp"] = cm.get("creationTimestamp")
            if rdef.generation and not explicit_generation:
                g = cm.get("generation", 1)
                if new.get("spec") != cur.get("spec"):
                    g += 1
                m["generation"] = g
        else:
            if not m.get("uid"):
                m["uid"] = str(uuid.uuid4())
            if not m.get("creationTimestamp"):
                m["creationTimestamp"] = now_rfc3339()
            if rdef.generation and not explicit_generation:
                m["generation"] = 1
        new = normalize(new, rdef)
        if cur is not None:
            same = dict(cur)
            same["metadata"] = {k: v for k, v in cur["metadata"].items() if k != "resourceVersion"}
            if same == new:
                return cur, None
        self.rv += 1
        new["metadata"]["resourceVersion"] = str(self.rv)
        new = normalize(new, rdef)
        self.objects[key] = new
        self.versions.setdefault(key, []).append((self.rv, new))
        typ = "MODIFIED" if cur is not None else "ADDED"
        self._emit(rdef, typ, new, cur)
        if rdef.gr == CRD_GR:
            self._crd_changed(rdef, new)
        return new, typ

    def _crd_changed(self, crd_rdef, crd):
        conds = (crd.get("status") or {}).get("conditions") or []
        if not any(c.get("type") == "Established" for c in conds):
            # the apiextensions controllers accept the names and establish a new CRD at once
            est = copy.deepcopy(crd)
            names = est.get("spec", {}).get("names", {})
            ts = now_rfc3339()
            versions = est.get("spec", {}).get("versions") or []
            stored = [v["name"] for v in versions if v.get("storage")] or [v.get("name") for v in versions[:1]]
            est["status"] = {
                "acceptedNames": dict(names),
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "lastTransitionTime": ts, "reason": "NoConflicts",
                     "message": "no conflicts found"},
                    {"type": "Established", "status": "True", "lastTransitionTime": ts,
                     "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}],
                "storedVersions": stored,
            }
            self._put(crd_rdef, "", crd["metadata"]["name"], est, True)
            return
        self._refresh_crds()

    def _refresh_crds(self):
        before = {d.gr for d in self.registry.all() if d.custom and d.established}
        self.registry.set_crds([o for k, o in self.objects.items() if k[:2] == CRD_GR])
        after = {d.gr for d in self.registry.all() if d.custom and d.established}
        for w in list(self.watchers):
            if w.gr in before - after:
                w.q.put(("end", "resource-removed"))

    def delete(self, rdef, ns, name):
        with self.lock:
            key = self.key(rdef, ns, name)
            cur = self.objects.get(key)
            if cur is None:
                raise not_found_obj(rdef, name)
            if rdef.gr == CRD_GR:
                spec = cur.get("spec") or {}
                cr_gr = (spec.get("group"), (spec.get("names") or {}).get("plural"))
                cr_def = self.registry.custom.get(cr_gr)
                if cr_def is not None:
                    for k in sorted(k for k in self.objects if k[:2] == cr_gr):
                        self._delete_key(cr_def, k, self.objects[k])
            return self._delete_key(rdef, key, cur)

    def _delete_key(self, rdef, key, cur):
        del self.objects[key]
        self.rv += 1
        last = dict(cur)
        last["metadata"] = dict(cur["metadata"], resourceVersion=str(self.rv))
        self.versions.setdefault(key, []).append((self.rv, None))
        self._emit(rdef, "DELETED", last, cur)
        if rdef.gr == CRD_GR:
            self._refresh_crds()
        return last

    def patch(self, rdef, ns, name, patch, status_only=False):
        if not isinstance(patch, dict):
            raise AdminError("a patch must be a JSON object")
        with self.lock:
            ns = (ns or "default") if rdef.namespaced else ""
            cur = self.objects.get(self.key(rdef, ns, name))
            if cur is None:
                raise not_found_obj(rdef, name)
            if status_only:
                new = copy.deepcopy(cur)
                new["status"] = merge_patch(cur.get("status") or {}, patch)
                explicit = True
            else:
                new = merge_patch(copy.deepcopy(cur), patch)
                explicit = isinstance(patch.get("metadata"), dict) and "generation" in patch["metadata"]
            return self._put(rdef, ns, name, new, explicit)

    def _emit(self, rdef, typ, obj, prev):
        ev = Event(self.rv, typ, obj, prev)
        h = self.history.get(rdef.gr)
        if h is None:
            h = self.history[rdef.gr] = collections.deque()
        h.append(ev)
        while len(h) > self.window:
            dropped = h.popleft()
            self.horizon[rdef.gr] = max(self.horizon.get(rdef.gr, 0), dropped.rv)
        for w in self.watchers:
            if w.gr == rdef.gr:
                w.offer(ev)
        self.cond.notify_all()

    def compact(self, rv=None):
        with self.lock:
            to = self.rv if rv in (None, "") else min(int(rv), self.rv)
            self.compacted = max(self.compacted, to)
            for gr, h in self.history.items():
                while h and h[0].rv <= to:
                    h.popleft()
            for gr in set(self.history) | set(self.horizon):
                self.horizon[gr] = max(self.horizon.get(gr, 0), to)
            for k in list(self.versions):
                vers = self.versions[k]
                idx = 0
                for i, (vrv, _) in enumerate(vers):
                    if vrv <= to:
                        idx = i
                if idx:
                    del vers[:idx]
                if len(vers) == 1 and vers[0][1] is None and vers[0][0] <= to:
                    del self.versions[k]
            return self.compacted

    # -- reads --

    @staticmethod
    def relkey(k, ns):
        # etcd key relative to the list prefix: "name" in one namespace, "ns/name" across namespaces
        return k[3] if (ns or not k[2]) else k[2] + "/" + k[3]

    def _current(self, gr, ns):
        out = [(self.relkey(k, ns), o) for k, o in self.objects.items()
               if k[0] == gr[0] and k[1] == gr[1] and (not ns or k[2] == ns)]
        out.sort(key=lambda x: x[0])
        return out

    def _at(self, gr, ns, at):
        out = []
        for k, vers in self.versions.items():
            if k[0] != gr[0] or k[1] != gr[1] or (ns and k[2] != ns):
                continue
            found = None
            for vrv, o in vers:
                if vrv <= at:
                    found = (vrv, o)
            if found and found[1] is not None:
                out.append((self.relkey(k, ns), found[1]))
        out.sort(key=lambda x: x[0])
        return out

    def _wait_for_rv(self, n):
        deadline = time.monotonic() + 3
        while n > self.rv:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.cond.wait(left)
        return True

    def list(self, rdef, ns, params, keep, limit, paginate_rv0):
        rv_param = params.get("resourceVersion")
        rvm = params.get("resourceVersionMatch")
        cont = params.get("continue")
        if rvm not in (None, "", "Exact", "NotOlderThan"):
            raise invalid_list_options([("resourceVersionMatch", "FieldValueNotSupported",
                                         'Unsupported value: "%s": supported values: "Exact", "NotOlderThan"' % rvm)])
        if rvm and not rv_param:
            raise invalid_list_options([("resourceVersionMatch", "FieldValueForbidden",
                                         "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")])
        with self.lock:
            start = None
            if cont:
                if rv_param:
                    raise bad_request("specifying resource version is not allowed when using continue")
                tok_rv, start = decode_continue(cont)
                if tok_rv == -1:
                    at = None
                elif tok_rv < self.compacted:
                    raise ApiError(410, "Expired",
                                   "The provided continue parameter is too old to display a consistent list result. "
                                   "You can start a new list without the continue parameter, or use the continue "
                                   "token in this response to retrieve the remainder of the results. Continuing "
                                   "with the provided token results in an inconsistent list - objects that were "
                                   "created, modified, or deleted between the time the first chunk was returned "
                                   "and now may show up in the list.",
                                   metadata={"continue": encode_continue(-1, start)})
                else:
                    at = tok_rv
            elif not rv_param:
                at = None
            elif rv_param == "0" and rvm != "Exact":
                at = None
                if not paginate_rv0:
                    limit = 0   # served from the watch cache, which ignores limit
            else:
                n = parse_rv(rv_param)
                if rvm == "Exact":
                    if n < self.compacted:
                        raise ApiError(410, "Expired", "The resourceVersion for the provided list is too old.")
                    if not self._wait_for_rv(n):
                        st = too_large_rv(n, self.rv)
                        raise ApiError(504, "Timeout", st["message"], st["details"])
                    at = n
                else:
                    if not self._wait_for_rv(n):
                        st = too_large_rv(n, self.rv)
                        raise ApiError(504, "Timeout", st["message"], st["details"])
                    at = None
            list_rv = self.rv if at is None else at
            items = self._current(rdef.gr, ns) if at is None else self._at(rdef.gr, ns, at)
        if start is not None:
            items = [x for x in items if x[0] >= start]
        out, last, more, remaining = [], None, False, None
        for i, (rk, o) in enumerate(items):
            if limit and len(out) >= limit:
                more, remaining = True, len(items) - i
                break
            if keep(o):
                out.append(o)
            last = rk
        token = encode_continue(list_rv, last + "\x00") if more else None
        return out, list_rv, token, remaining

    # -- watch --

    def start_watch(self, w, rv_param, send_initial):
        """Register a watcher. Returns (initial ADDED objects, snapshot RV, in-band error Status or None)."""
        with self.lock:
            if send_initial or rv_param in (None, "", "0"):
                if send_initial and rv_param not in (None, "", "0") and not self._wait_for_rv(int(rv_param)):
                    return [], self.rv, too_large_rv(int(rv_param), self.rv)
                initial = [o for _, o in self._current(w.gr, w.ns) if w.matches(o)]
                self.watchers.add(w)
                return initial, self.rv, None
            n = int(rv_param)
            if not self._wait_for_rv(n):
                return [], self.rv, too_large_rv(n, self.rv)
            horizon = max(self.horizon.get(w.gr, 0), self.compacted)
            if n < horizon:
                return [], self.rv, expired("too old resource version: %d (%d)" % (n, horizon))
            self.watchers.add(w)
            for ev in self.history.get(w.gr, ()):
                if ev.rv > n:
                    w.offer(ev)
            return [], self.rv, None

    def stop_watch(self, w):
        with self.lock:
            self.watchers.discard(w)

    def bookmark_rv(self, w):
        """The RV for a bookmark now, or None while events are still queued for this watcher."""
        with self.lock:
            return self.rv if w.q.empty() else None

    def signal_watchers(self, item, pred=lambda w: True):
        with self.lock:
            ws = [w for w in self.watchers if pred(w)]
        for w in ws:
            w.q.put(item)
        return len(ws)


# ---------------------------------------------------------------------------------------------
# Faults, request log, scheduler, proxy targets

FAULT_TYPES = ("delay", "status", "close", "reset", "truncate")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.next_id = 1

    def add(self, rule):
        if not isinstance(rule, dict):
            raise AdminError("a fault must be a JSON object")
        r = dict(rule)
        r.pop("op", None)
        t = r.get("type")
        if t not in FAULT_TYPES:
            raise AdminError("fault type must be one of %s, got %r" % (", ".join(FAULT_TYPES), t))
        if t == "delay":
            r["seconds"] = float(r.get("seconds", 1))
        if t == "status":
            r["code"] = int(r.get("code", 500))
        if "path_regex" in r:
            try:
                re.compile(r["path_regex"])
            except re.error as e:
                raise AdminError("bad path_regex: %s" % e)
        times = r.get("times")
        r["remaining"] = None if times is None else int(times)
        r["skip_left"] = int(r.get("skip", 0))
        r["hits"] = 0
        with self.lock:
            r["id"] = self.next_id
            self.next_id += 1
            self.rules.append(r)
        return r["id"]

    def clear(self, rid=None):
        with self.lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if rid is not None and r["id"] != int(rid)]
            return before - len(self.rules)

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    @staticmethod
    def _match(r, method, path, is_watch):
        if r.get("method") and r["method"].upper() != method:
            return False
        if not path.startswith(r.get("path_prefix") or "/"):
            return False
        if r.get("path_regex") and not re.search(r["path_regex"], path):
            return False
        if r.get("watch") is not None and bool(r["watch"]) != is_watch:
            return False
        return True

    def on_request(self, method, path, is_watch):
        """Request-stage faults: total delay and the first terminal rule (status/close/reset)."""
        delay, term = 0.0, None
        with self.lock:
            for r in self.rules:
                t = r["type"]
                if t == "truncate" or (t == "reset" and is_watch):
                    continue     # stream-stage rules, see on_event
                if t != "delay" and term is not None:
                    continue
                if not self._match(r, method, path, is_watch):
                    continue
                if r["remaining"] is not None and r["remaining"] <= 0:
                    continue
                if r["skip_left"] > 0:
                    r["skip_left"] -= 1
                    continue
                if r["remaining"] is not None:
                    r["remaining"] -= 1
                r["hits"] += 1
                if t == "delay":
                    delay += r["seconds"]
                else:
                    term = dict(r)
        return delay, term

    def on_event(self, method, path, events_sent):
        """Stream-stage faults, checked before each watch event is written."""
        with self.lock:
            for r in self.rules:
                if r["type"] not in ("truncate", "reset"):
                    continue
                if not self._match(r, method, path, True):
                    continue
                if events_sent < int(r.get("after_events", 0)):
                    continue
                if r["remaining"] is not None:
                    if r["remaining"] <= 0:
                        continue
                    r["remaining"] -= 1
                r["hits"] += 1
                return dict(r)
        return None


class RequestLog:
    def __init__(self, limit=10000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0

    def begin(self, **fields):
        with self.lock:
            self.seq += 1
            e = {"seq": self.seq, "start": time.time(), "end": None, "duration": None, "in_progress": True,
                 "status": None, "bytes": 0, "events": 0, "event_types": {}, "end_reason": None, "fault": None}
            e.update(fields)
            self.entries.append(e)
            return e

    def snapshot(self, since=0, path_prefix=None):
        with self.lock:
            out = [dict(e, event_types=dict(e["event_types"])) for e in self.entries if e["seq"] > since]
            return out if not path_prefix else [e for e in out if e["path"].startswith(path_prefix)]

    def clear(self):
        with self.lock:
            self.entries.clear()


class Scheduler:
    def __init__(self, run):
        self.run = run
        self.cond = threading.Condition()
        self.heap = []
        self.next_id = 1
        self.done = []
        threading.Thread(target=self._loop, name="scheduler", daemon=True).start()

    def add(self, after, ops):
        with self.cond:
            sid = self.next_id
            self.next_id += 1
            due = time.monotonic() + max(0.0, float(after))
            heapq.heappush(self.heap, (due, sid, ops, time.time() + max(0.0, float(after))))
            self.cond.notify()
            return sid

    def pending(self):
        with self.cond:
            return [{"id": sid, "due": wall, "ops": ops} for _, sid, ops, wall in sorted(self.heap)]

    def cancel(self, sid=None):
        with self.cond:
            before = len(self.heap)
            self.heap = [x for x in self.heap if sid is not None and x[1] != int(sid)]
            heapq.heapify(self.heap)
            return before - len(self.heap)

    def _loop(self):
        while True:
            with self.cond:
                while not self.heap or self.heap[0][0] > time.monotonic():
                    self.cond.wait(None if not self.heap else max(0.0, self.heap[0][0] - time.monotonic()))
                _, sid, ops, _ = heapq.heappop(self.heap)
            for op in ops:
                try:
                    self.run(op)
                    log("scheduled #%d ran %s" % (sid, op.get("op")))
                except Exception as e:   # a bad scheduled op must not kill the scheduler
                    log("scheduled #%d failed: %s: %s" % (sid, op.get("op"), e))
            with self.cond:
                self.done.append(sid)


# ---------------------------------------------------------------------------------------------
# TLS and authentication

_KEEP_ALIVE = []


class TLS:
    """Server TLS. With a client CA, the server requests a client certificate but does not reject
    the handshake when it fails verification: like kube-apiserver (tls.RequestClientCert), the
    x509 authenticator judges it afterwards and a bad certificate becomes 401 Unauthorized."""

    def __init__(self, cert, key, client_ca=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        try:
            ctx.set_alpn_protocols(["http/1.1"])
        except NotImplementedError:
            pass
        self.ctx = ctx
        self.mode = "none"
        self._lib = None
        if client_ca:
            ctx.load_verify_locations(client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
            self.mode = "verify-at-handshake"
            try:
                self._install_request_client_cert()
                self.mode = "request"
            except Exception as e:
                log("warning: cannot request client certificates without verifying them in the handshake "
                    "(%s); bad client certificates will fail the TLS handshake instead of getting 401" % e)

    def _install_request_client_cert(self):
        import _ssl
        if sys.implementation.name != "cpython":
            raise RuntimeError("not CPython")
        lib = ctypes.CDLL(_ssl.__file__)
        cb_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
        cb = cb_type(lambda ok, store: 1)
        lib.SSL_CTX_set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, cb_type]
        lib.SSL_CTX_set_verify.restype = None
        lib.SSL_CTX_get_verify_mode.argtypes = [ctypes.c_void_p]
        lib.SSL_CTX_get_verify_mode.restype = ctypes.c_int
        lib.SSL_get_SSL_CTX.argtypes = [ctypes.c_void_p]
        lib.SSL_get_SSL_CTX.restype = ctypes.c_void_p
        lib.SSL_get_verify_result.argtypes = [ctypes.c_void_p]
        lib.SSL_get_verify_result.restype = ctypes.c_long
        lib.X509_verify_cert_error_string.argtypes = [ctypes.c_long]
        lib.X509_verify_cert_error_string.restype = ctypes.c_char_p
        # PySSLContext: PyObject_HEAD then SSL_CTX *ctx
        ctxp = ctypes.c_void_p.from_address(id(self.ctx) + object.__basicsize__).value
        if not ctxp or lib.SSL_CTX_get_verify_mode(ctxp) != 1:
            raise RuntimeError("unexpected SSLContext layout")
        lib.SSL_CTX_set_verify(ctxp, 1, cb)
        _KEEP_ALIVE.append(cb)
        self._lib, self._ctxp = lib, ctxp

    def check_peer(self, s):
        """None (no client cert) or {"valid", "user", "groups", "error"}."""
        der = s.getpeercert(binary_form=True)
        if not der:
            return None
        err = None
        if self._lib is not None:
            # PySSLSocket: PyObject_HEAD, PyObject *Socket, SSL *ssl
            sslp = ctypes.c_void_p.from_address(id(s._sslobj) + object.__basicsize__ + ctypes.sizeof(ctypes.c_void_p)).value
            if self._lib.SSL_get_SSL_CTX(sslp) != self._ctxp:
                return {"valid": False, "user": None, "groups": [], "error": "cannot read verification result"}
            res = self._lib.SSL_get_verify_result(sslp)
            if res != 0:
                err = "x509: " + self._lib.X509_verify_cert_error_string(res).decode()
        info = s.getpeercert() or {}
        user, groups = None, []
        for rdn in info.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    user = v
                elif k == "organizationName":
                    groups.append(v)
        return {"valid": err is None, "user": user, "groups": groups, "error": err}


class AuthResult:
    def __init__(self, ok, method, user=None, groups=(), cert="none", bearer="none", error=None):
        self.ok, self.method, self.user, self.groups = ok, method, user, list(groups)
        self.cert, self.bearer, self.error = cert, bearer, error

    @property
    def anonymous(self):
        return self.method == "anonymous"

    @property
    def admin(self):
        return bool(ADMIN_GROUPS & set(self.groups))


def load_tokens(path):
    """kube-apiserver --token-auth-file CSV (token,user,uid[,"group1,group2"]) or a bare token."""
    tokens = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "," not in line:
                tokens[line] = ("admin", ["system:masters"])
                continue
            row = next(csv.reader([line]))
            if len(row) < 3:
                raise SystemExit("%s:%d: token file rows are token,user,uid[,\"groups\"]" % (path, n))
            groups = [g.strip() for g in row[3].split(",") if g.strip()] if len(row) > 3 else []
            tokens[row[0]] = (row[1], groups)
    return tokens


class Authenticator:
    def __init__(self, tokens, anonymous, tls):
        self.tokens = tokens or {}
        self.anonymous = anonymous
        self.insecure = not tls and not self.tokens   # plain HTTP without tokens: the old insecure port

    def authenticate(self, cert, headers):
        if self.insecure:
            return AuthResult(True, "insecure", "system:admin", ["system:masters"])
        errors = []
        cert_state = bearer_state = "none"
        # union of authenticators: x509 first, then bearer tokens (kube-apiserver order)
        if cert is not None:
            if cert["valid"]:
                return AuthResult(True, "x509", cert["user"], cert["groups"] + ["system:authenticated"], "valid")
            errors.append(cert["error"] or "x509: certificate rejected")
            cert_state = "invalid"
        auth = headers.get("Authorization")
        if auth:
            parts = auth.strip().split(" ", 2)
            if len(parts) >= 2 and parts[0].lower() == "bearer" and parts[1]:
                hit = self.tokens.get(parts[1])
                if hit:
                    return AuthResult(True, "token", hit[0], hit[1] + ["system:authenticated"], cert_state, "valid")
                errors.append("invalid bearer token")
                bearer_state = "invalid"
        if errors:
            # union.NewFailOnError: a bad credential is not anonymous
            return AuthResult(False, "failed", None, [], cert_state, bearer_state, "; ".join(errors))
        if self.anonymous:
            return AuthResult(True, "anonymous", "system:anonymous", ["system:unauthenticated"])
        return AuthResult(False, "failed", None, [], error="no credentials")


# ---------------------------------------------------------------------------------------------
# Request info (k8s.io/apiserver pkg/endpoints/request RequestInfoFactory)

class ReqInfo:
    resource_request = False
    verb = group = version = namespace = resource = subresource = name = ""
    path_name = ""
    parts = ()


def request_info(method, path, params):
    info = ReqInfo()
    info.verb = method.lower()
    segs = [s for s in path.strip("/").split("/")] if path.strip("/") else []
    if len(segs) < 2 or segs[0] not in ("api", "apis"):
        return info
    if segs[0] == "api":
        info.version, rest = segs[1], segs[2:]
    else:
        if len(segs) < 3:
            return info
        info.group, info.version, rest = segs[1], segs[2], segs[3:]
    if not rest:
        return info
    info.resource_request = True
    info.verb = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete"}.get(method, "")
    if rest[0] == "watch":
        info.verb = "watch"
        rest = rest[1:]
        if not rest:
            info.resource_request = False
            return info
    if rest[0] == "namespaces":
        if len(rest) > 1:
            info.namespace = rest[1]
            if len(rest) > 2 and rest[2] not in ("status", "finalize"):
                rest = rest[2:]
    info.parts = rest
    if len(rest) >= 3 and info.verb != "proxy":
        info.subresource = rest[2]
    if len(rest) >= 2:
        info.name = info.path_name = rest[1]
    if rest:
        info.resource = rest[0]
    if not info.name and info.verb == "get":
        watch = parse_bool(params.get("watch"), "watch") if params.get("watch") else False
        info.verb = "watch" if watch else "list"
        fs = params.get("fieldSelector") or ""
        m = re.match(r"^metadata\.name==?([^,]+)$", fs.strip())
        if m:
            info.name = m.group(1)
    if not info.name and info.verb == "delete":
        info.verb = "deletecollection"
    return info


def forbidden(auth, info, path):
    user = auth.user or "system:anonymous"
    if not info.resource_request:
        return ApiError(403, "Forbidden", 'forbidden: User "%s" cannot %s path "%s"' % (user, info.verb, path), {})
    res = info.resource + ("/" + info.subresource if info.subresource else "")
    what = info.resource + ("." + info.group if info.group else "")
    subject = '%s "%s" is forbidden' % (what, info.name) if info.name else "%s is forbidden" % what
    scope = ' in the namespace "%s"' % info.namespace if info.namespace else " at the cluster scope"
    details = {}
    if info.name:
        details["name"] = info.name
    if info.group:
        details["group"] = info.group
    details["kind"] = info.resource
    return ApiError(403, "Forbidden", '%s: User "%s" cannot %s resource "%s" in API group "%s"%s'
                    % (subject, user, info.verb, res, info.group, scope), details)


def authorize(auth, info, path):
    if auth.admin:
        return
    if not info.resource_request:
        if any(path == p or path.startswith(p + "/") for p in PUBLIC_INFO_PATHS):
            return     # system:public-info-viewer, bound to authenticated and unauthenticated
        if not auth.anonymous and (path in ("/api", "/apis") or path.startswith(("/api/", "/apis/", "/openapi/"))):
            return     # system:discovery, bound to system:authenticated
    raise forbidden(auth, info, path)


# ---------------------------------------------------------------------------------------------
# The application: state shared by all connections

class App:
    def __init__(self, args):
        self.args = args
        self.registry = Registry()
        self.store = Store(self.registry, args.initial_rv, args.watch_window)
        self.faults = Faults()
        self.reqlog = RequestLog(args.request_log_limit)
        self.proxies = {}
        self.proxies_lock = threading.Lock()
        self.tls_failures = collections.deque(maxlen=1000)
        self.server = None
        self.tls = None
        self.auth = None
        self.scheduler = Scheduler(self.run_op)
        self.started = time.time()

    # -- ops shared by the admin endpoints and the scheduler --

    def _resolve(self, op):
        ref = op.get("kind") or op.get("resource")
        rdef = self.registry.find(ref, op.get("apiVersion"))
        if rdef is None:
            raise AdminError("unknown or ambiguous kind/resource %r (give apiVersion too)" % ref, 404)
        if not op.get("name"):
            raise AdminError("name is required")
        return rdef

    def apply_objects(self, data):
        if isinstance(data, dict) and isinstance(data.get("items"), list) and str(data.get("kind", "")).endswith("List"):
            item_kind = data["kind"][:-4] if data["kind"] != "List" else None
            objs = []
            for it in data["items"]:
                it = dict(it)
                if item_kind and not it.get("kind"):
                    it["kind"] = item_kind
                    it.setdefault("apiVersion", data.get("apiVersion"))
                objs.append(it)
        elif isinstance(data, list):
            objs = data
        else:
            objs = [data]
        out = []
        for o in objs:
            stored, typ = self.store.apply(o)
            out.append({"event": typ, "object": stored})
        return out

    def run_op(self, op):
        if not isinstance(op, dict) or "op" not in op:
            raise AdminError('an op is a JSON object with an "op" field')
        name = op["op"].replace("-", "_")
        st = self.store
        try:
            if name == "apply":
                data = op.get("objects") if op.get("objects") is not None else op.get("object")
                if data is None:
                    raise AdminError('apply needs "object" or "objects"')
                return {"applied": self.apply_objects(data)}
            if name == "delete":
                rdef = self._resolve(op)
                return {"deleted": st.delete(rdef, op.get("namespace"), op["name"])}
            if name in ("patch", "patch_status"):
                rdef = self._resolve(op)
                body = op.get("status") if name == "patch_status" else op.get("patch")
                obj, typ = st.patch(rdef, op.get("namespace"), op["name"], body, name == "patch_status")
                return {"event": typ, "object": obj}
            if name == "fault":
                rule = op.get("fault") if isinstance(op.get("fault"), dict) else op
                return {"id": self.faults.add(rule)}
            if name == "clear_faults":
                return {"cleared": self.faults.clear(op.get("id"))}
            if name == "end_watches":
                return {"ended": st.signal_watchers(("end", "ended-by-emulator"), self._watch_pred(op))}
            if name == "expire_watches":
                msg = op.get("message") or "The resourceVersion for the provided watch is too old."
                return {"expired": st.signal_watchers(("error", expired(msg)), self._watch_pred(op))}
            if name == "compact":
                return {"compacted": str(st.compact(op.get("resourceVersion")))}
            if name == "outage":
                self.server.begin_outage(float(op.get("seconds", 1)))
                return {"outage_seconds": float(op.get("seconds", 1))}
            if name == "proxy":
                return self.set_proxy(op)
        except ApiError as e:
            raise AdminError(e.status["message"], e.code)
        except (KeyError, TypeError, ValueError) as e:
            raise AdminError("bad %s op: %s: %s" % (name, type(e).__name__, e))
        raise AdminError("unknown op %r" % op["op"])

    @staticmethod
    def _watch_pred(op):
        res, prefix = op.get("resource"), op.get("path_prefix")
        return lambda w: (not res or w.rdef.resource == res) and (not prefix or w.info["path"].startswith(prefix))

    def set_proxy(self, op):
        if op.get("node"):
            key = ("node", op["node"], str(op.get("port", "")))
        elif isinstance(op.get("service"), dict):
            s = op["service"]
            if not s.get("name"):
                raise AdminError("service.name is required")
            key = ("service", s.get("namespace") or "default", s["name"], str(s.get("port", "")))
            if op.get("url") and op.get("create", True):
                from_spec = self.registry.find("Service")
                if self.store.get(from_spec, key[1], key[2]) is None:
                    port = s.get("port") or 80
                    ports = [{"name": str(port) if not str(port).isdigit() else "http",
                              "port": int(port) if str(port).isdigit() else 80, "protocol": "TCP"}]
                    self.store.apply({"apiVersion": "v1", "kind": "Service",
                                      "metadata": {"name": key[2], "namespace": key[1]},
                                      "spec": {"type": "ClusterIP", "ports": ports, "selector": {"app": key[2]}},
                                      "status": {"loadBalancer": {}}})
        else:
            raise AdminError('proxy needs "node" (+ "port") or "service": {"namespace","name","port"}')
        with self.proxies_lock:
            if op.get("url"):
                self.proxies[key] = op["url"]
            else:
                self.proxies.pop(key, None)
        return {"target": list(key), "url": op.get("url")}

    def proxy_target(self, key):
        with self.proxies_lock:
            return self.proxies.get(key)

    def proxy_targets(self, prefix):
        with self.proxies_lock:
            return {k: v for k, v in self.proxies.items() if k[:len(prefix)] == prefix}

    def state(self):
        st = self.store
        with st.lock:
            counts = collections.Counter("%s%s" % (k[1], "." + k[0] if k[0] else "") for k in st.objects)
            watchers = [{"resource": w.rdef.qualified, "namespace": w.ns or None, "since": w.since,
                         "seq": w.info.get("seq"), "path": w.info.get("path")} for w in st.watchers]
            return {"resourceVersion": str(st.rv), "compactedResourceVersion": str(st.compacted),
                    "objects": dict(sorted(counts.items())), "watchers": watchers,
                    "tls": self.tls is not None, "client_cert_mode": self.tls.mode if self.tls else "none",
                    "port": self.server.port if self.server else None,
                    "connections": len(self.server.conns) if self.server else 0,
                    "tls_failures": list(self.tls_failures), "served_resources": sorted(
                        d.qualified for d in self.registry.all() if d.established)}

    def admin(self, method, route, params, data):
        route = route.strip("/")
        if route in ("state", "info") and method == "GET":
            return self.state()
        if route == "requests":
            if method == "GET":
                return {"requests": self.reqlog.snapshot(int(params.get("since") or 0), params.get("path_prefix"))}
            if method == "DELETE":
                self.reqlog.clear()
                return {"cleared": True}
        if route == "faults":
            if method == "GET":
                return {"faults": self.faults.list()}
            if method == "POST":
                rules = data if isinstance(data, list) else [data]
                return {"ids": [self.faults.add(r) for r in rules]}
            if method == "DELETE":
                return {"cleared": self.faults.clear(params.get("id"))}
        if route == "schedule":
            if method == "GET":
                return {"pending": self.scheduler.pending(), "done": list(self.scheduler.done)}
            if method == "DELETE":
                return {"cancelled": self.scheduler.cancel(params.get("id"))}
            if method == "POST":
                if not isinstance(data, dict) or "after_seconds" not in data:
                    raise AdminError('schedule needs {"after_seconds": N, "op": {...}} or "ops": [...]')
                ops = data.get("ops") or [data.get("op")]
                for op in ops:
                    if not isinstance(op, dict) or "op" not in op:
                        raise AdminError('each scheduled op is a JSON object with an "op" field')
                return {"id": self.scheduler.add(data["after_seconds"], ops)}
        if route == "objects" and method == "GET":
            with self.store.lock:
                objs = [o for k, o in sorted(self.store.objects.items())]
            if params.get("kind"):
                objs = [o for o in objs if o.get("kind") == params["kind"]]
            if params.get("namespace"):
                objs = [o for o in objs if o["metadata"].get("namespace") == params["namespace"]]
            return {"resourceVersion": str(self.store.rv), "items": objs}
        if route == "proxy" and method == "GET":
            with self.proxies_lock:
                return {"targets": [{"target": list(k), "url": v} for k, v in self.proxies.items()]}
        if method == "POST":
            if route == "ops":
                ops = data if isinstance(data, list) else [data]
                return {"results": [self.run_op(op) for op in ops]}
            if route == "apply":
                if data is None:
                    raise AdminError("apply needs a JSON body")
                return {"applied": self.apply_objects(data)}
            simple = {"delete": "delete", "patch": "patch", "patch-status": "patch_status", "compact": "compact",
                      "end-watches": "end_watches", "expire-watches": "expire_watches", "outage": "outage",
                      "proxy": "proxy", "fault": "fault"}
            if route in simple:
                op = dict(data or {})
                op["op"] = simple[route]
                return self.run_op(op)
        raise AdminError("no admin endpoint %s /__emulator/%s" % (method, route), 404)


# ---------------------------------------------------------------------------------------------
# HTTP

class ConnInfo:
    _ids = iter(range(1, 1 << 62))
    _lock = threading.Lock()

    def __init__(self, sock, peer):
        with ConnInfo._lock:
            self.id = next(ConnInfo._ids)
        self.sock = sock
        self.peer = peer
        self.cert = None
        self.requests = 0


_local = threading.local()


class WatchEnded(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300

    def setup(self):
        super().setup()
        self.conn = _local.conn
        self.app = self.server.app

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- low-level writing --

    def _head(self, code, headers):
        try:
            phrase = http.HTTPStatus(code).phrase
        except ValueError:
            phrase = ""
        hs = [("Date", email.utils.formatdate(usegmt=True))] + list(headers)
        if self.close_connection:
            hs.append(("Connection", "close"))
        lines = ["HTTP/1.1 %d %s" % (code, phrase)] + ["%s: %s" % (k, v) for k, v in hs]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data)
        if getattr(self, "entry", None) is not None:
            self.entry["status"] = code
        return data

    def _count(self, n):
        if getattr(self, "entry", None) is not None:
            self.entry["bytes"] += n

    def _std_headers(self, ctype):
        return [("Audit-Id", str(uuid.uuid4())), ("Cache-Control", "no-cache, private"),
                ("Content-Type", ctype),
                ("X-Kubernetes-Pf-Flowschema-Uid", "cb0e1a4c-0000-4000-8000-000000000001"),
                ("X-Kubernetes-Pf-Prioritylevel-Uid", "cb0e1a4c-0000-4000-8000-000000000002")]

    def _send(self, code, body, ctype="application/json", extra=(), allow_gzip=True):
        headers = self._std_headers(ctype) + list(extra)
        if (allow_gzip and len(body) > GZIP_THRESHOLD and self.command != "HEAD"
                and "gzip" in (self.headers.get("Accept-Encoding") or "").lower()):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
            chunked = True
        else:
            chunked = len(body) > CHUNK_THRESHOLD
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        else:
            headers.append(("Content-Length", str(len(body))))
            framed = body
        if self.command == "HEAD":
            framed = b""
        rule = getattr(self, "reset_rule", None)
        self._head(code, sorted(headers))
        if rule is not None:
            n = rule.get("after_bytes")
            n = max(1, len(framed) // 2) if n is None else min(int(n), len(framed))
            self.wfile.write(framed[:n])
            self._count(n)
            if self.entry is not None:
                self.entry["end_reason"] = "fault-reset"
            time.sleep(float(rule.get("pause", 0.2)))   # let the client read what was sent before the RST
            raise AbortConnection(rst=True)
        self.wfile.write(framed)
        self._count(len(framed))

    def _send_json(self, code, obj, pretty=False, extra=()):
        self._send(code, go_json(obj, pretty), extra=extra)

    def _send_error(self, err):
        if getattr(err, "raw_body", None) is not None:
            self._send(err.code, err.raw_body, err.raw_type, sorted(err.headers.items()))
        else:
            self._send_json(err.code, err.status, extra=sorted(err.headers.items()))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(65537)
                if len(out) > 64 << 20:
                    raise ValueError("request body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > 64 << 20:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n > 0 else b""

    # -- dispatch --

    def _dispatch(self):
        self.conn.requests += 1
        self.entry = None
        self.reset_rule = None
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path or "/", split.query
        params = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params.setdefault(k, v)
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send_json(413, status_obj(413, "RequestEntityTooLarge", "request body too large"))
            return
        if path == "/__emulator" or path.startswith("/__emulator/"):
            return self._admin(path[len("/__emulator"):], params, body)
        t0 = time.monotonic()
        auth = self.app.auth.authenticate(self.conn.cert, self.headers)
        try:
            info = request_info(self.command, path, params)
            info_err = None
        except ApiError as e:
            info, info_err = ReqInfo(), e
        self.entry = self.app.reqlog.begin(
            conn=self.conn.id, conn_request=self.conn.requests, method=self.command, path=path, query=query,
            params=params, watch=info.verb == "watch", verb=info.verb, auth=auth.method, user=auth.user,
            client_cert=self.conn.cert and ("valid" if self.conn.cert["valid"] else "invalid") or "none",
            bearer=auth.bearer,
            user_agent=self.headers.get("User-Agent"), accept=self.headers.get("Accept"),
            accept_encoding=self.headers.get("Accept-Encoding"))
        try:
            delay, rule = self.app.faults.on_request(self.command, path, info.verb == "watch")
            if delay:
                self.entry["fault"] = "delay"
                time.sleep(delay)
            if rule is not None:
                self.entry["fault"] = rule["type"]
                if rule["type"] == "status":
                    raise fault_error(rule)
                if rule["type"] == "close":
                    self.entry["end_reason"] = "fault-close"
                    raise AbortConnection(rst=bool(rule.get("rst")))
                if rule["type"] == "reset":
                    self.reset_rule = rule
            if not auth.ok:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            authorize(auth, info, path)
            if info_err is not None:
                raise info_err
            self._route(info, path, query, params, body)
        except ApiError as e:
            self._send_error(e)
        finally:
            e = self.entry
            e["end"] = time.time()
            e["duration"] = round(time.monotonic() - t0, 6)
            e["in_progress"] = False
            if self.app.args.access_log:
                log("%s %s%s %s %s:%s %.3fs%s" % (
                    self.command, path, "?" + query if query else "", e["status"], auth.method, auth.user,
                    e["duration"], " [%s]" % e["end_reason"] if e["end_reason"] else ""))

    def _admin(self, route, params, body):
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            return self._send_json(400, {"error": "body is not JSON: %s" % e})
        try:
            result = self.app.admin(self.command, route, params, data)
            self._send_json(200, result)
        except AdminError as e:
            self._send_json(e.code, {"error": str(e)})
        except ApiError as e:
            self._send_json(e.code, {"error": e.status["message"], "status": e.status})

    def _accepts_json(self):
        accept = self.headers.get("Accept")
        if not accept:
            return True
        for part in accept.split(","):
            mt, _, prm = part.strip().partition(";")
            if mt.strip().lower() in ("application/json", "*/*", "application/*") and "as=" not in prm.replace(" ", ""):
                return True
        return False

    def _route(self, info, path, query, params, body):
        if not info.resource_request:
            return self._nonresource(path, params)
        reg = self.app.registry
        rdef = reg.lookup(info.group, info.version, info.resource)
        if rdef is None:
            raise not_found_generic()
        ns = info.namespace
        if rdef.resource == "namespaces":
            ns = ""
        elif not rdef.namespaced:
            if ns:
                raise not_found_generic()
        elif info.path_name and not ns:
            raise not_found_generic()
        if info.subresource == "proxy":
            if rdef.resource not in ("nodes", "services") or not info.path_name:
                raise not_found_generic()
            return self._proxy(rdef, ns, info, path, query, body)
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                           {})
        if not self._accepts_json():
            raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, "
                           "application/yaml, application/vnd.kubernetes.protobuf")
        if info.subresource and info.subresource != "status":
            raise not_found_generic()
        pretty = bool(parse_bool(params.get("pretty"), "pretty"))
        if info.verb == "watch":
            return self._watch(rdef, info, ns, params)
        if info.path_name:
            obj = self.app.store.get(rdef, ns, info.path_name)
            if obj is None:
                raise not_found_obj(rdef, info.path_name)
            return self._send_json(200, output_obj(obj, rdef, info.version), pretty)
        return self._list(rdef, info, ns, params, pretty)

    def _selectors(self, rdef, params):
        labels = parse_label_selector(params.get("labelSelector", ""))
        fields = parse_field_selector(params.get("fieldSelector", ""), rdef)
        return labels, fields

    def _list(self, rdef, info, ns, params, pretty):
        labels, fields = self._selectors(rdef, params)
        try:
            limit = int(params.get("limit") or 0)
        except ValueError:
            raise bad_request('invalid value for limit: "%s"' % params.get("limit"))
        if limit < 0:
            limit = 0

        def keep(o):
            return label_match(labels, o["metadata"].get("labels")) and field_match(fields, o)

        items, list_rv, token, remaining = self.app.store.list(rdef, ns, params, keep, limit,
                                                                 self.app.args.paginate_rv0)
        meta = {"resourceVersion": str(list_rv)}
        if token:
            meta["continue"] = token
            if remaining is not None and not labels and not fields:
                meta["remainingItemCount"] = remaining
        lst = {"kind": rdef.list_kind, "apiVersion": rdef.gv(info.version), "metadata": meta,
               "items": [output_obj(o, rdef, info.version, in_list=True) for o in items]}
        self._send_json(200, lst, pretty)

    # -- watch --

    def _watch(self, rdef, info, ns, params):
        labels, fields = self._selectors(rdef, params)
        if info.path_name:
            name = info.path_name
            fields.append((lambda o: o.get("metadata", {}).get("name", ""), "=", name, "metadata.name"))
        rv = params.get("resourceVersion")
        if rv not in (None, "", "0"):
            parse_rv(rv)
        allow_bm = bool(parse_bool(params.get("allowWatchBookmarks"), "allowWatchBookmarks"))
        send_initial = parse_bool(params.get("sendInitialEvents"), "sendInitialEvents")
        rvm = params.get("resourceVersionMatch")
        errs = []
        if send_initial is not None:
            if rvm != "NotOlderThan":
                errs.append(("resourceVersionMatch", "FieldValueForbidden",
                             "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            if not allow_bm:
                errs.append(("allowWatchBookmarks", "FieldValueRequired",
                             "Required value: sendInitialEvents requires allowWatchBookmarks=true"))
        elif rvm:
            errs.append(("resourceVersionMatch", "FieldValueForbidden",
                         "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        if errs:
            raise invalid_list_options(errs)
        ts = params.get("timeoutSeconds")
        if ts:
            try:
                timeout = int(ts)
            except ValueError:
                raise bad_request('invalid value for timeoutSeconds: "%s"' % ts)
        else:
            mrt = self.app.args.min_request_timeout
            timeout = random.uniform(mrt, 2 * mrt)
        deadline = time.monotonic() + max(0, timeout)
        st = self.app.store
        w = Watcher(rdef, info.version, ns, labels, fields, self.entry)
        initial, snap_rv, err = st.start_watch(w, rv, bool(send_initial))
        self.events_sent = 0
        self._head(200, sorted(self._std_headers("application/json") + [("Transfer-Encoding", "chunked")]))
        end_reason = "timeout"
        try:
            try:
                for o in initial:
                    self._event("ADDED", output_obj(o, rdef, info.version))
                if send_initial and err is None:
                    self._event("BOOKMARK", bookmark_obj(rdef, info.version, snap_rv, initial_end=True))
                if err is not None:
                    self._event("ERROR", err)
                    end_reason = "error"
                    raise WatchEnded()
                interval = self.app.args.bookmark_interval
                next_bm = time.monotonic() + interval if allow_bm else float("inf")
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        break
                    if now >= next_bm:
                        brv = st.bookmark_rv(w)
                        if brv is not None:
                            self._event("BOOKMARK", bookmark_obj(rdef, info.version, brv))
                            next_bm = now + interval
                        else:
                            next_bm = now + 0.01
                    wait = max(0.0, min(deadline, next_bm, now + 0.25) - now)
                    try:
                        item = w.q.get(timeout=wait)
                    except queue.Empty:
                        if self._client_gone():
                            end_reason = "client-closed"
                            raise AbortConnection()
                        continue
                    if item[0] == "event":
                        self._event(item[1], output_obj(item[2], rdef, info.version))
                    elif item[0] == "error":
                        self._event("ERROR", item[1])
                        end_reason = "error"
                        break
                    elif item[0] == "end":
                        end_reason = item[1]
                        break
                    elif item[0] == "abort":
                        end_reason = "outage"
                        raise AbortConnection()
            except WatchEnded:
                pass
            self.wfile.write(b"0\r\n\r\n")
            self._count(5)
        except AbortConnection as a:
            end_reason = self.entry.get("end_reason") or end_reason
            raise a
        except (OSError, ssl.SSLError):
            end_reason = "client-closed"
            raise AbortConnection()
        finally:
            st.stop_watch(w)
            if not self.entry.get("end_reason"):
                self.entry["end_reason"] = end_reason

    def _event(self, typ, obj):
        line = go_json({"type": typ, "object": obj})
        rule = self.app.faults.on_event(self.command, self.entry["path"], self.events_sent)
        if rule is not None:
            half = line[: max(1, len(line) // 2)]
            self.entry["fault"] = rule["type"]
            if rule["type"] == "truncate" and rule.get("end") == "eof":
                # a complete chunk holding half a line; the caller then ends the HTTP body cleanly
                data = b"%x\r\n%s\r\n" % (len(half), half)
                self.wfile.write(data)
                self._count(len(data))
                self.entry["end_reason"] = "fault-truncate-eof"
                raise WatchEnded()
            # the chunk header announces the whole line; the connection dies in the middle of it
            data = b"%x\r\n%s" % (len(line), half)
            self.wfile.write(data)
            self._count(len(data))
            self.entry["end_reason"] = "fault-" + rule["type"]
            if rule["type"] == "reset":
                time.sleep(float(rule.get("pause", 0.2)))   # let the client read what was sent before the RST
            raise AbortConnection(rst=rule["type"] == "reset")
        data = b"%x\r\n%s\r\n" % (len(line), line)
        self.wfile.write(data)
        self._count(len(data))
        self.events_sent += 1
        self.entry["events"] += 1
        self.entry["event_types"][typ] = self.entry["event_types"].get(typ, 0) + 1

    def _client_gone(self):
        try:
            r, _, _ = select.select([self.connection.fileno()], [], [], 0)
            return bool(r)
        except (OSError, ValueError):
            return True

    # -- non-resource paths --

    def _nonresource(self, path, params):
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                           {})
        reg = self.app.registry
        for hp in ("/healthz", "/livez", "/readyz"):
            if path == hp or path.startswith(hp + "/"):
                if "verbose" in params:
                    checks = ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers",
                              "poststarthook/crd-informer-synced"]
                    body = "".join("[+]%s ok\n" % c for c in checks) + "%s check passed\n" % hp[1:]
                else:
                    body = "ok"
                return self._send(200, body.encode(), "text/plain; charset=utf-8",
                                  [("X-Content-Type-Options", "nosniff")])
        if path in ("/version", "/version/"):
            v = self.app.args.kubernetes_version
            major, minor = v.lstrip("v").split(".")[:2]
            doc = {"major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
                   "minCompatibilityMajor": major, "minCompatibilityMinor": str(max(0, int(minor) - 1)),
                   "gitVersion": v, "gitCommit": "0123456789abcdef0123456789abcdef01234567",
                   "gitTreeState": "clean", "buildDate": "2026-05-12T08:00:00Z", "goVersion": "go1.26.2",
                   "compiler": "gc", "platform": "linux/amd64"}
            return self._send_json(200, doc, pretty=True)
        if path in ("/api", "/api/"):
            return self._send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}]})
        if path in ("/apis", "/apis/"):
            groups = [self._group_doc(g, vs) for g, vs in reg.groups()]
            return self._send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        segs = [s for s in path.strip("/").split("/")]
        if segs[0] == "api" and len(segs) == 2 and segs[1] == "v1":
            return self._send_json(200, self._resource_list("", "v1"))
        if segs[0] == "apis" and len(segs) == 2:
            for g, vs in reg.groups():
                if g == segs[1]:
                    doc = self._group_doc(g, vs)
                    doc = {"kind": "APIGroup", "apiVersion": "v1", **doc}
                    return self._send_json(200, doc)
        if segs[0] == "apis" and len(segs) == 3:
            for g, vs in reg.groups():
                if g == segs[1] and segs[2] in vs:
                    return self._send_json(200, self._resource_list(g, segs[2]))
        raise not_found_generic()

    @staticmethod
    def _group_doc(group, versions):
        vs = [{"groupVersion": group + "/" + v, "version": v} for v in versions]
        return {"name": group, "versions": vs, "preferredVersion": vs[0]}

    def _resource_list(self, group, version):
        res = []
        for d in sorted(self.app.registry.all(), key=lambda d: d.resource):
            if d.group != group or version not in d.versions or not d.established:
                continue
            hv = base64.b64encode(hashlib.sha256(("%s/%s/%s" % (group, version, d.kind)).encode()).digest()[:8])
            ent = {"name": d.resource, "singularName": d.singular, "namespaced": d.namespaced, "kind": d.kind,
                   "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}
            if d.short:
                ent["shortNames"] = d.short
            ent["storageVersionHash"] = hv.decode()
            res.append(ent)
            for sub in d.subresources:
                k = _SUBRESOURCE_KIND.get((d.resource, sub), d.kind)
                verbs = ["create", "delete", "get", "patch", "update"] if sub == "proxy" else \
                    ["update"] if sub == "finalize" else ["get", "patch", "update"]
                res.append({"name": d.resource + "/" + sub, "singularName": "", "namespaced": d.namespaced,
                            "kind": k, "verbs": verbs})
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group + "/" + version if group
                else version, "resources": res}

    # -- proxy --

    def _proxy(self, rdef, ns, info, path, query, body):
        segs = urllib.parse.unquote(info.path_name).split(":")
        if len(segs) == 1:
            scheme, name, port = "", segs[0], ""
        elif len(segs) == 2:
            scheme, name, port = "", segs[0], segs[1]
        elif len(segs) == 3 and segs[0] in ("http", "https"):
            scheme, name, port = segs
        else:
            raise bad_request('invalid %s request "%s"' % (rdef.singular, info.path_name))
        raw = path.split("/")
        idx = raw.index("proxy", raw.index(info.path_name) + 1)
        remainder = "/" + "/".join(raw[idx + 1:])
        st = self.app.store
        if rdef.resource == "nodes":
            obj = st.get(rdef, "", name)
            if obj is None:
                raise not_found_obj(rdef, name)
            status = obj.get("status") or {}
            if not port:
                port = str(((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or 10250)
            ip = next((a.get("address") for a in status.get("addresses") or [] if a.get("type") == "InternalIP"),
                      name)
            target = self.app.proxy_target(("node", name, port))
            if target is None:
                raise ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s:%s: connect: "
                               "connection refused" % (ip, port))
        else:
            obj = st.get(rdef, ns, name)
            if obj is None:
                raise not_found_obj(rdef, name)
            targets = self.app.proxy_targets(("service", ns, name))
            aliases = {port}
            for p in (obj.get("spec") or {}).get("ports") or []:
                if port in (str(p.get("port")), p.get("name")):
                    aliases |= {str(p.get("port")), p.get("name") or ""}
            target = next((v for k, v in targets.items() if k[3] in aliases), None)
            if target is None and not port and len(targets) == 1:
                target = next(iter(targets.values()))
            if target is None:
                raise ApiError(503, "ServiceUnavailable", 'no endpoints available for service "%s"' % name)
        self.entry["proxy_target"] = target
        self._forward(target, remainder, query, body)

    def _forward(self, base, remainder, query, body):
        u = urllib.parse.urlsplit(base)
        upath = (u.path.rstrip("/") + remainder) or "/"
        if query:
            upath += "?" + query
        try:
            if u.scheme == "https":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                up = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx, timeout=30)
            else:
                up = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
            hdrs = {k: v for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP and k.lower() not in ("host", "authorization", "content-length")}
            hdrs["X-Forwarded-For"] = self.client_address[0]
            up.request(self.command, upath, body=body if body else None, headers=hdrs)
            resp = up.getresponse()
        except (OSError, http.client.HTTPException) as e:
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: %s" % e)
        try:
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "date"]
            headers.append(("Audit-Id", str(uuid.uuid4())))
            # 1xx, 204 and 304 answers (and HEAD) end with their headers (RFC 9112 6.3): no chunked
            # framing, or a keep-alive client reads its "0" as the start of the next answer.
            no_body = resp.status < 200 or resp.status in (204, 304) or self.command == "HEAD"
            length = resp.getheader("Content-Length")
            if length is None and not no_body:
                headers = [h for h in headers if h[0].lower() != "content-length"] + [("Transfer-Encoding", "chunked")]
            self._head(resp.status, headers)
            while not no_body:
                chunk = resp.read(65536)
                if not chunk:
                    break
                data = chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
                self.wfile.write(data)
                self._count(len(data))
            if length is None and not no_body:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, http.client.HTTPException):
            raise AbortConnection()
        finally:
            up.close()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, tls):
        self.app = app
        self.tls = tls
        self.conns = {}
        self.conns_lock = threading.Lock()
        self.outage_seconds = 0.0
        self.stopping = threading.Event()
        super().__init__(addr, Handler, bind_and_activate=False)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def port(self):
        return self.server_address[1]

    def finish_request(self, request, client_address):
        conn = ConnInfo(request, client_address)
        with self.conns_lock:
            self.conns[conn.id] = conn
        sock = request
        try:
            if self.tls is not None:
                request.settimeout(10)
                try:
                    sock = self.tls.ctx.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.app.tls_failures.append({"time": time.time(), "peer": "%s:%s" % client_address[:2],
                                                  "error": str(e)})
                    log("TLS handshake with %s:%s failed: %s" % (client_address[0], client_address[1], e))
                    return
                conn.sock = sock
                conn.cert = self.tls.check_peer(sock)
            _local.conn = conn
            try:
                self.RequestHandlerClass(sock, client_address, self)
            except AbortConnection as a:
                if a.rst:
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    except OSError:
                        pass
                sock.close()
            except (OSError, ssl.SSLError):
                pass
        finally:
            with self.conns_lock:
                self.conns.pop(conn.id, None)
            if sock is not request:
                try:
                    sock.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        log("error while serving %s: %s" % (client_address, "".join(traceback.format_exc())))

    def begin_outage(self, seconds):
        self.outage_seconds = max(0.0, seconds)

        def later():
            time.sleep(0.1)   # let the admin response that asked for it go out first
            self.shutdown()
        threading.Thread(target=later, daemon=True).start()

    def drop_connections(self):
        self.app.store.signal_watchers(("abort",))
        with self.conns_lock:
            conns = list(self.conns.values())
        for c in conns:
            try:
                socket.socket.shutdown(c.sock, socket.SHUT_RDWR)   # not SSLSocket.shutdown: other threads use it
            except OSError:
                pass

    def run(self):
        """Serve until stopped; an outage closes the listener, drops connections, re-listens later."""
        while not self.stopping.is_set():
            self.serve_forever(poll_interval=0.1)
            if self.stopping.is_set():
                break
            log("outage: not listening for %.1fs" % self.outage_seconds)
            self.socket.close()
            self.drop_connections()
            if self.stopping.wait(self.outage_seconds):
                break
            while not self.stopping.is_set():
                try:
                    self.socket = socket.socket(self.address_family, self.socket_type)
                    self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    self.socket.bind(self.server_address)
                    self.socket.listen(self.request_queue_size)
                    break
                except OSError as e:
                    log("outage: cannot listen again yet: %s" % e)
                    self.socket.close()
                    self.stopping.wait(0.1)
            log("outage over: listening on port %d" % self.port)


def load_fixtures(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Kubernetes API server emulator for tests (see README.md).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed as LISTENING <port>)")
    ap.add_argument("--tls-dir", help="directory with ca.crt, server.crt, server.key: HTTPS with client-cert auth")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="CA for client certificates (default: TLS_DIR/ca.crt)")
    ap.add_argument("--token-file", help="kube-apiserver token CSV (token,user,uid,\"groups\") or one bare token")
    ap.add_argument("--anonymous-auth", default="true", choices=["true", "false"],
                    help="unauthenticated requests become system:anonymous (403 on resources) [true]")
    ap.add_argument("--fixtures", action="append", default=[], help="JSON object/array/List or NDJSON to load")
    ap.add_argument("--watch-window", type=int, default=1000, help="events kept per resource for watch resume")
    ap.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds between BOOKMARK events")
    ap.add_argument("--min-request-timeout", type=float, default=1800.0,
                    help="watch without timeoutSeconds lasts a random time in [T, 2T)")
    ap.add_argument("--initial-rv", type=int, default=1000, help="first resourceVersion - 1")
    ap.add_argument("--listen-delay", type=float, default=0.0,
                    help="bind the port at once (and print LISTENING) but refuse connections for N seconds")
    ap.add_argument("--fault", action="append", default=[], help="a fault rule as JSON (repeatable)")
    ap.add_argument("--paginate-rv0", action="store_true",
                    help="honour limit on resourceVersion=0 lists (default: ignored, like the watch cache)")
    ap.add_argument("--kubernetes-version", default=DEFAULT_K8S_VERSION)
    ap.add_argument("--request-log-limit", type=int, default=10000)
    ap.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = ap.parse_args(argv)

    tls = None
    cert, key, client_ca = args.tls_cert, args.tls_key, args.client_ca
    if args.tls_dir:
        cert = cert or os.path.join(args.tls_dir, "server.crt")
        key = key or os.path.join(args.tls_dir, "server.key")
        if client_ca is None and os.path.exists(os.path.join(args.tls_dir, "ca.crt")):
            client_ca = os.path.join(args.tls_dir, "ca.crt")
    if cert:
        tls = TLS(cert, key, client_ca)
    tokens = load_tokens(args.token_file) if args.token_file else {}

    app = App(args)
    app.tls = tls
    app.auth = Authenticator(tokens, args.anonymous_auth == "true", tls is not None)
    for f in args.fixtures:
        app.apply_objects(load_fixtures(f))
    for fj in args.fault:
        app.faults.add(json.loads(fj))

    server = Server((args.host, args.port), app, tls)
    app.server = server
    server.server_bind()

    def stop(signum, frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("%s on %s:%d (client certs: %s, tokens: %d, anonymous: %s)" % (
        "https" if tls else "http", args.host, server.port, tls.mode if tls else "n/a", len(tokens),
        args.anonymous_auth))
    if args.listen_delay > 0:
        # the port is bound (reserved) but not listening: clients get "connection refused"
        sys.stdout.write("LISTENING %d\n" % server.port)
        sys.stdout.flush()
        log("refusing connections for %.1fs" % args.listen_delay)
        if server.stopping.wait(args.listen_delay):
            os._exit(0)
        server.server_activate()
    else:
        server.server_activate()
        sys.stdout.write("LISTENING %d\n" % server.port)
        sys.stdout.flush()
    server.run()
    log("stopped")
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
