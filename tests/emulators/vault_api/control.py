"""The unauthenticated control API under /__emulator/ for tests (never faulted, never logged).
README.md "Vault API emulator / Control API" lists every route."""

import urllib.parse

from . import k8s_auth, kv, system
from .faults import FaultError


class ControlError(Exception):
    def __init__(self, message, code=400):
        super().__init__(message)
        self.code = code


def _mount(state, name, table="mounts"):
    path = name.strip("/") + "/"
    entry = state.p[table].get(path)
    if entry is None:
        raise ControlError("no %s mount at %s" % ("auth" if table == "auth" else "secrets", path), 404)
    return entry


def summary(app):
    st = app.state
    p = st.p
    kvs, k8s = {}, {}
    for path, e in p["mounts"].items():
        if e["type"] == "kv":
            kvs[path] = {"version": 2 if kv.is_v2(e) else 1, "config": st.engine(e).get("config"),
                         "keys": kv.dump(st, e, with_values=False)}
    for path, e in p["auth"].items():
        if e["type"] == "kubernetes":
            eng = k8s_auth._engine(st, e)
            cfg = dict(eng["config"]) if eng.get("config") else None
            if cfg:
                cfg["token_reviewer_jwt"] = "<set>" if cfg["token_reviewer_jwt"] else ""
            k8s[path] = {"config": cfg, "roles": eng["roles"]}
    return {
        "initialized": p["initialized"], "sealed": st.sealed, "standby": st.standby,
        "seal": {k: v for k, v in (p["seal"] or {}).items()} if p["seal"] else None,
        "unseal_progress": len(st.progress.parts), "generate_root_started": st.generate_root is not None,
        "cluster_id": p["cluster_id"], "cluster_name": p["cluster_name"],
        "mounts": {k: {"type": e["type"], "options": e["options"], "description": e["description"],
                       "accessor": e["accessor"]} for k, e in p["mounts"].items()},
        "auth": {k: {"type": e["type"], "description": e["description"], "accessor": e["accessor"]}
                 for k, e in p["auth"].items()},
        "policies": dict(p["policies"]), "audit": dict(p["audit"]), "kv": kvs, "kubernetes": k8s,
        "tokens": [{"accessor": t["accessor"], "policies": t["policies"], "orphan": not t["parent"],
                    "display_name": t["display_name"], "ttl": t["ttl"]} for t in p["tokens"].values()],
        "write_seq": st.write_seq, "kv_upgrade_seconds": st.kv_upgrade_seconds,
        "enable_unauthenticated_access": sorted(st.enable_unauthenticated), "port": app.port}


def handle(app, method, route, query, data):
    st = app.state
    q = dict(urllib.parse.parse_qsl(query))
    data = data if data is not None else {}
    with st.lock:
        if route == "state" and method == "GET":
            return 200, summary(app)
        if route == "kv" and method == "GET":
            entry = _mount(st, q.get("mount", "secret"))
            keys = kv.dump(st, entry, with_values=True)
            if "path" in q:
                if q["path"] not in keys:
                    raise ControlError("no key %s in %s" % (q["path"], entry["path"]), 404)
                return 200, keys[q["path"]]
            return 200, keys
        if route == "kv" and method == "POST":
            entry = _mount(st, data.get("mount", "secret"))
            if not kv.is_v2(entry):
                raise ControlError("direct writes need a KV v2 mount")
            if not isinstance(data.get("data"), dict) or not data.get("path"):
                raise ControlError('need {"mount", "path", "data": {...}}')
            return 200, kv.put_direct(st, entry, data["path"], data["data"])
        if route == "init-material" and method == "GET":
            if st.init_material is None:
                raise ControlError("not initialised through this emulator process", 404)
            return 200, st.init_material
        if route == "initialize" and method == "POST":
            shares, _root = st.initialize(int(data.get("shares", 5)), int(data.get("threshold", 3)), [], "")
            if data.get("unseal", False):
                st.sealed = False
            return 200, st.init_material
        if route == "unseal" and method == "POST":
            if not st.p["initialized"]:
                raise ControlError("not initialised")
            st.sealed = False
            st.progress.reset()
            return 200, st.seal_status()
        if route in ("seal", "restart") and method == "POST":
            st.seal()
            st.standby = False
            if route == "restart" and data.get("outage_seconds"):
                app.server.begin_outage(float(data["outage_seconds"]))
            return 200, st.seal_status()
        if route == "outage" and method == "POST":
            app.server.begin_outage(float(data.get("seconds", 1)))
            return 200, {"outage_seconds": float(data.get("seconds", 1))}
        if route == "standby" and method == "POST":
            st.standby = bool(data.get("standby", True))
            return 200, {"standby": st.standby}
        if route == "reset" and method == "POST":
            st.p = st._fresh()
            st.seal()
            st.init_material = None
            st.writes.clear()
            return 200, summary(app)
        if route == "config" and method == "POST":
            if "kv_upgrade_seconds" in data:
                st.kv_upgrade_seconds = float(data["kv_upgrade_seconds"])
            if "enable_unauthenticated_access" in data:
                st.enable_unauthenticated = set(data["enable_unauthenticated_access"] or [])
            return 200, summary(app)
        if route == "snapshot" and method == "GET":
            return 200, system.snapshot_bytes(st)
        if route == "writes" and method == "GET":
            since = int(q.get("since", 0))
            return 200, {"writes": [w for w in st.writes if w["seq"] > since], "write_seq": st.write_seq}
        if route == "writes" and method == "DELETE":
            st.writes.clear()
            return 200, {"write_seq": st.write_seq}
    if route == "faults":
        if method == "POST":
            try:
                rules = data if isinstance(data, list) else [data]
                return 200, {"ids": [app.faults.add(r) for r in rules]}
            except FaultError as e:
                raise ControlError(str(e))
        if method == "GET":
            return 200, {"faults": app.faults.list()}
        if method == "DELETE":
            return 200, {"cleared": app.faults.clear(q.get("id"))}
    if route == "requests":
        if method == "GET":
            entries = app.reqlog.snapshot(int(q.get("since", 0)), q.get("path_prefix"))
            return 200, {"requests": entries}
        if method == "DELETE":
            app.reqlog.clear()
            return 200, {"cleared": True}
    raise ControlError("no control route %s %s" % (method, route), 404)


