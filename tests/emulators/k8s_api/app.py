"""The application: state shared by all connections, and the control API (/__emulator/)."""

import collections
import threading
import time

from .argocd import ArgoController
from .errors import AdminError, ApiError, expired
from .faults import Faults
from .kubelet import USAGE_API_VERSION, USAGE_KINDS, Kubelets
from .requestlog import RequestLog
from .resources import Registry
from .scheduler import Scheduler
from .services import Services
from .store import Store

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
        self.kubelets = Kubelets(self.store, self.registry)
        self.services = Services(self.store, self.registry)
        self.argocd = ArgoController(self.store, self.registry, getattr(args, "argocd_controller", False))
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
            if isinstance(o, dict) and o.get("apiVersion") == USAGE_API_VERSION and o.get("kind") in USAGE_KINDS:
                out.append({"event": None, "object": self.kubelets.apply(o)})    # the kubelets' model, not the store
                continue
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
            if name == "endpoints":
                return self.set_endpoint(op)
            if name == "argocd":
                return self.argocd.configure({k: v for k, v in op.items() if k != "op"})
            if name == "usage":
                objs = op.get("objects") if op.get("objects") is not None else [op.get("object")]
                return {"usage": [self.kubelets.apply(self._usage_obj(o)) for o in objs]}
        except ApiError as e:
            raise AdminError(e.status["message"], e.code)
        except (KeyError, TypeError, ValueError) as e:
            raise AdminError("bad %s op: %s: %s" % (name, type(e).__name__, e))
        raise AdminError("unknown op %r" % op["op"])

    @staticmethod
    def _usage_obj(o):
        if not isinstance(o, dict):
            raise AdminError('usage needs "object" or "objects": PodUsage or NodeUsage objects')
        return dict(o, apiVersion=USAGE_API_VERSION)

    @staticmethod
    def _watch_pred(op):
        res, prefix = op.get("resource"), op.get("path_prefix")
        return lambda w: (not res or w.rdef.resource == res) and (not prefix or w.info["path"].startswith(prefix))

    def set_proxy(self, op):
        if op.get("node"):
            key = ("node", op["node"], str(op.get("port", "")))
            with self.proxies_lock:
                if op.get("url"):
                    self.proxies[key] = op["url"]
                else:
                    self.proxies.pop(key, None)
            return {"target": list(key), "url": op.get("url")}
        if isinstance(op.get("service"), dict):
            s = op["service"]
            if not s.get("name"):
                raise AdminError("service.name is required")
            return self.set_endpoint(dict(s, url=op.get("url"), create=op.get("create", True)))
        if op.get("backend"):
            return self.services.set_backend(op["backend"], op.get("url"))
        raise AdminError('proxy needs "node" (+ "port"), "service": {"namespace","name","port"} or "backend": "IP:PORT"')

    def set_endpoint(self, op):
        if not isinstance(op, dict) or not op.get("name"):
            raise AdminError('endpoints needs {"namespace", "name", "port", "url", "ready"}')
        return self.services.set_endpoint(op.get("namespace"), op["name"], op.get("port"), op.get("url"),
                                          op.get("ready", True), op.get("portName"), op.get("targetPort"),
                                          op.get("create", True), op.get("pod"))

    def proxy_target(self, key):
        with self.proxies_lock:
            return self.proxies.get(key)

    def proxy_targets(self, prefix):
        with self.proxies_lock:
            return {k: v for k, v in self.proxies.items() if k[:len(prefix)] == prefix}

    def state(self):
        if self.server is not None:
            self.server.settle_handshakes()
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
        if route == "argocd" and method == "GET":
            return self.argocd.state()
        if route == "argocd" and method == "POST":
            return self.argocd.configure(data)
        if route == "usage" and method == "GET":
            return self.kubelets.state()
        if route == "usage" and method == "POST":
            objs = data if isinstance(data, list) else [data]
            return {"usage": [self.kubelets.apply(self._usage_obj(o)) for o in objs]}
        if route == "proxy" and method == "GET":
            with self.proxies_lock:
                targets = [{"target": list(k), "url": v} for k, v in self.proxies.items()]
            return dict(self.services.state(), targets=targets)
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
                      "proxy": "proxy", "fault": "fault", "endpoints": "endpoints"}
            if route in simple:
                op = dict(data or {})
                op["op"] = simple[route]
                return self.run_op(op)
        raise AdminError("no admin endpoint %s /__emulator/%s" % (method, route), 404)
