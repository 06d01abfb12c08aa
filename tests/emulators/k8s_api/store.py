"""The object store: objects, versions (for consistent paging), per-resource event history and
watchers. It plays etcd plus the watch cache."""

import base64
import collections
import copy
import json
import queue
import threading
import time
import uuid

from .errors import AdminError, ApiError, bad_request, expired, invalid_list_options, not_found_obj, parse_rv, \
    too_large_rv
from .normalize import normalize
from .resources import BUILTINS, CRD_GR
from .selector import field_match, label_match
from .util import json_copy, merge_patch, now_rfc3339

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
        self.listeners = []          # fn(rdef, type, obj, prev), called under the lock: must only queue work
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
        new = json_copy(obj)
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
                if self._generation_changes(rdef, cur, new):
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

    @staticmethod
    def _generation_changes(rdef, cur, new):
        """Built-in types bump metadata.generation when spec changes. Custom resources bump it on any
        change outside metadata, and outside status too when the status subresource is enabled
        (apiextensions-apiserver customresource strategy PrepareForUpdate)."""
        if not rdef.custom:
            return new.get("spec") != cur.get("spec")
        skip = {"metadata", "apiVersion", "kind"} | ({"status"} if "status" in rdef.subresources else set())
        return {k: v for k, v in new.items() if k not in skip} != {k: v for k, v in cur.items() if k not in skip}

    def write(self, rdef, ns, name, change):
        """An update through the API: change(current object) returns the new object, or raises an
        ApiError; it runs under the store lock, so a resourceVersion check in it is atomic with the
        write. Returns (stored object, event type or None for a no-op)."""
        with self.lock:
            ns = (ns or "default") if rdef.namespaced else ""
            cur = self.objects.get(self.key(rdef, ns, name))
            if cur is None:
                raise not_found_obj(rdef, name)
            new = change(json_copy(cur))
            meta = new.setdefault("metadata", {})
            for k in ("uid", "creationTimestamp", "generation"):     # the server owns these
                if k in cur["metadata"]:
                    meta[k] = cur["metadata"][k]
                else:
                    meta.pop(k, None)
            return self._put(rdef, ns, name, new, False)

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
        for fn in self.listeners:
            fn(rdef, typ, obj, prev)
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
