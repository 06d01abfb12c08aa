"""The system backend's logical paths the emulator serves (vault/logical_system.go,
vault/mount.go, vault/auth.go, vault/policy_store.go, vault/audit.go, vault/logical_raft.go):
sys/mounts, sys/auth, sys/policies/acl and legacy sys/policy, sys/audit, sys/capabilities-self,
sys/storage/raft/snapshot(-force) and sys/storage/raft/configuration."""

import base64
import binascii
import copy
import hashlib
import io
import json
import tarfile
import time

from . import hcl, kv
from .errors import VaultError, bad_request, unsupported_operation, unsupported_path
from .response import Raw, Response, list_response
from .state import new_mount_entry

# PathsSpecial.Root of the system backend: these need `sudo` besides the capability
ROOT_PATHS = ("auth/*", "remount", "audit", "audit/*", "raw", "raw/*", "rotate", "config/cors",
              "config/auditing/*", "config/ui/headers/*", "plugins/catalog/*", "revoke-prefix/*",
              "revoke-force/*", "leases/revoke-prefix/*", "leases/revoke-force/*", "leases/lookup/*",
              "storage/raft/snapshot-auto/config/*", "internal/inspect/*")
SECRET_TYPES = ("kv", "kv-v2")                       # engines the emulator implements
AUTH_TYPES = ("kubernetes",)
RESERVED = ("sys/", "auth/", "cubbyhole/", "identity/", "token/")
DEFAULT_LEASE = 768 * 3600


def is_root_path(sub):
    for pattern in ROOT_PATHS:
        if pattern.endswith("*"):
            if sub.startswith(pattern[:-1]):
                return True
        elif sub == pattern:
            return True
    return False


def mount_info(entry):
    """SystemBackend.mountInfo (a Go map: written with sorted keys)."""
    info = {k: copy.deepcopy(entry[k]) for k in ("type", "description", "accessor", "local", "seal_wrap",
                                                 "external_entropy_access", "options", "uuid", "plugin_version",
                                                 "running_plugin_version", "running_sha256", "config")}
    if entry["type"] in ("kv", "kubernetes"):
        info["deprecation_status"] = "supported"
    return info


def _norm(path):
    path = path.strip("/")
    return path + "/" if path else ""


def _options(raw, typ):
    opts = None
    if raw:
        if not isinstance(raw, dict):
            raise bad_request("Field validation failed: error converting input %s for field \"options\"" % raw)
        opts = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in raw.items()}
    if typ == "kv-v2":
        opts = dict(opts or {}, version="2")
    return opts


def _enable(state, table, path, data):
    typ = data.get("type", "")
    if not isinstance(typ, str) or typ == "":
        raise bad_request("backend type must be specified as a string")
    path = _norm(path)
    known = AUTH_TYPES if table == "auth" else SECRET_TYPES
    if typ not in known:
        raise bad_request("plugin not found in the catalog: %s" % typ)
    entries = state.p[table]
    reserved = ("token/",) if table == "auth" else RESERVED
    if path in entries:
        raise bad_request("path is already in use at %s" % path)
    if table == "mounts" and any(path.startswith(r) for r in reserved):
        raise bad_request('cannot mount "%s"' % path)
    for existing in entries:
        if path.startswith(existing) or existing.startswith(path):
            raise bad_request("existing mount at %s" % existing)
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise bad_request("Field validation failed: error converting input for field \"config\"")
    entry = new_mount_entry(path, "kv" if typ == "kv-v2" else typ, data.get("description", "") or "",
                            _options(data.get("options"), typ) if table == "mounts" else None, config,
                            local=bool(data.get("local", False)), seal_wrap=bool(data.get("seal_wrap", False)),
                            table=table)
    entries[path] = entry
    if kv.is_v2(entry):
        kv.start_upgrade(state, entry)
    state.wrote("mount" if table == "mounts" else "auth-enable", ("sys/mounts/" if table == "mounts" else "sys/auth/") + path)
    return None


def _tune(state, table, entry, req):
    if req.op == "read":
        cfg = entry["config"]
        out = {"default_lease_ttl": cfg["default_lease_ttl"] or DEFAULT_LEASE,
               "max_lease_ttl": cfg["max_lease_ttl"] or DEFAULT_LEASE, "force_no_cache": cfg["force_no_cache"],
               "description": entry["description"]}
        if table == "auth":
            out["token_type"] = cfg.get("token_type", "default-service")
        if entry.get("options"):
            out["options"] = entry["options"]
        return Response(out)
    data = req.data
    from . import fields
    for f in ("default_lease_ttl", "max_lease_ttl"):
        if f in data:
            entry["config"][f] = fields.duration_seconds(data[f], f)
    if "description" in data:
        entry["description"] = data["description"] or ""
    if "options" in data and isinstance(data["options"], dict) and table == "mounts":
        new = _options(data["options"], entry["type"]) or {}
        old_v = str((entry.get("options") or {}).get("version", "1"))
        new_v = new.get("version")
        if new_v is not None and entry["type"] == "kv":
            if new_v == "":
                raise bad_request("cannot unset version")
            if old_v == "2" and new_v == "1":
                raise bad_request("cannot downgrade mount from versioned to non-versioned")
        entry["options"] = dict(entry.get("options") or {}, **new)
        if entry["type"] == "kv" and old_v != "2" and new_v == "2":
            kv.start_upgrade(state, entry)
    state.wrote("tune", req.path)
    return None


def _mounts(state, req, sub, table):
    kind = "secret engine mount" if table == "mounts" else "auth engine"
    entries = state.p[table]
    if sub == "":
        if req.op != "read":
            raise unsupported_operation()
        return Response({path: mount_info(e) for path, e in entries.items()})
    if sub.endswith("/tune") or sub.endswith("/tune/"):
        path = _norm(sub[:-len("/tune")] if sub.endswith("/tune") else sub[:-len("/tune/")])
        entry = entries.get(path)
        if entry is None:
            raise bad_request('cannot fetch sysview for path "%s"' % path if req.op == "read" else
                              'no mount entry found for path "%s"' % path)
        return _tune(state, table, entry, req)
    path = _norm(sub)
    if req.op == "read":
        entry = entries.get(path)
        if entry is None:
            raise bad_request("No %s at %s" % (kind, path))
        return Response(mount_info(entry))
    if req.op in ("create", "update"):
        return _enable(state, table, path, req.data)
    if req.op == "delete":
        entry = entries.pop(path, None)
        if entry is not None:
            state.p["engines"].pop(entry["uuid"], None)
            state.wrote("unmount" if table == "mounts" else "auth-disable", req.path)
        return None
    raise unsupported_operation()


def _policy_text(data, legacy):
    raw = data.get("policy")
    if legacy and not raw:
        raw = data.get("rules")
    if not isinstance(raw, str) or raw == "":
        raise bad_request("'policy' parameter not supplied or empty")
    try:
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
        raw = decoded
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    try:
        hcl.parse_policy(raw)
    except hcl.HCLError as e:
        raise bad_request("failed to parse policy: %s" % e)
    return raw


def _policies(state, req, name, legacy):
    pols = state.p["policies"]
    if name == "":
        if req.op not in ("list", "read"):
            raise unsupported_operation()
        names = sorted(pols) + ["root"]
        if legacy:
            return Response({"keys": names, "policies": names})
        return list_response(names)
    name = name.lower()
    if req.op == "read":
        if name == "root":
            return Response({"name": "root", ("rules" if legacy else "policy"): ""})
        if name not in pols:
            return None
        return Response({"name": name, ("rules" if legacy else "policy"): pols[name]})
    if req.op in ("create", "update"):
        if name == "root":
            raise bad_request('cannot update "root" policy')
        text = _policy_text(req.data, legacy)
        pols[name] = text
        state.wrote("policy", "sys/policies/acl/" + name)
        return None
    if req.op == "delete":
        if name in ("root", "default"):
            raise bad_request('cannot delete "%s" policy' % name)
        if pols.pop(name, None) is not None:
            state.wrote("policy-delete", "sys/policies/acl/" + name)
        return None
    raise unsupported_operation()


AUDIT_TYPES = ("file", "socket", "syslog")


def _audit(state, req, sub):
    devices = state.p["audit"]
    if sub == "":
        if req.op != "read":
            raise unsupported_operation()
        return Response({p: d for p, d in devices.items()})
    path = _norm(sub)
    if req.op in ("create", "update"):
        typ = req.data.get("type", "")
        opts = req.data.get("options") or {}
        if path in devices:
            raise bad_request("path already in use")
        if typ not in AUDIT_TYPES:
            raise bad_request('unknown backend type: "%s"' % typ)
        if typ == "file" and not opts.get("file_path"):
            raise bad_request("file_path is required")
        devices[path] = {"type": typ, "description": req.data.get("description", ""),
                         "options": {k: str(v) for k, v in opts.items()}, "local": bool(req.data.get("local", False)),
                         "path": path}
        state.wrote("audit-enable", "sys/audit/" + path)
        return None
    if req.op == "delete":
        if devices.pop(path, None) is not None:
            state.wrote("audit-disable", "sys/audit/" + path)
        return None
    raise unsupported_operation()


# -- Raft snapshots ------------------------------------------------------------------------

def snapshot_bytes(state):
    """A gzipped tar like `vault operator raft snapshot save` writes (meta.json, state.bin,
    SHA256SUMS); state.bin here is the emulator's own JSON state."""
    body = json.dumps(state.export(), sort_keys=True).encode()
    meta = json.dumps({"Version": 1, "ID": "emu-%d" % time.time_ns(), "Index": state.write_seq, "Term": 2,
                       "Peers": "", "Configuration": {"Servers": [{"Suffrage": 0, "ID": "vault-0",
                                                                   "Address": "127.0.0.1:8201"}]},
                       "ConfigurationIndex": 1, "Size": len(body),
                       "ClusterID": state.p["cluster_id"]}).encode()
    sums = "".join("%s  %s\n" % (hashlib.sha256(b).hexdigest(), n) for n, b in (("meta.json", meta), ("state.bin", body)))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("meta.json", meta), ("state.bin", body), ("SHA256SUMS", sums.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _restore(state, body, force):
    """Errors here are the emulator's own wording (the real texts come from physical/raft)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines() if line)
        for name in ("meta.json", "state.bin"):
            if hashlib.sha256(files[name]).hexdigest() != sums.get(name):
                raise ValueError("checksum mismatch for %s" % name)
        meta = json.loads(files["meta.json"])
        data = json.loads(files["state.bin"])
    except (tarfile.TarError, KeyError, ValueError, OSError, EOFError) as e:
        raise VaultError(500, "failed to read snapshot file: %s" % e)
    if not force and meta.get("ClusterID") != state.p["cluster_id"]:
        raise VaultError(400, "failed to verify snapshot: the snapshot was taken on a different cluster; "
                              "use sys/storage/raft/snapshot-force to restore it anyway")
    different = data.get("seal_key") != state.p["seal_key"]
    state.restore(data)
    state.wrote("snapshot-restore", "sys/storage/raft/snapshot")
    if different:
        state.seal()      # the restored keyring needs the other cluster's unseal keys
    return None


def handle(state, req, sub, token_acl):
    if sub == "mounts" or sub.startswith("mounts/"):
        return _mounts(state, req, sub[len("mounts/"):] if sub.startswith("mounts/") else "", "mounts")
    if sub == "auth" or sub.startswith("auth/"):
        return _mounts(state, req, sub[len("auth/"):] if sub.startswith("auth/") else "", "auth")
    if sub in ("policies/acl", "policies/acl/") or sub.startswith("policies/acl/"):
        return _policies(state, req, sub[len("policies/acl/"):] if sub.startswith("policies/acl/") else "", False)
    if sub in ("policy", "policy/") or sub.startswith("policy/"):
        return _policies(state, req, sub[len("policy/"):] if sub.startswith("policy/") else "", True)
    if sub == "audit" or sub.startswith("audit/"):
        return _audit(state, req, sub[len("audit/"):] if sub.startswith("audit/") else "")
    if sub == "capabilities-self" and req.op in ("create", "update"):
        paths = req.data.get("paths") or req.data.get("path") or []
        if isinstance(paths, str):
            paths = [p.strip() for p in paths.split(",") if p.strip()]
        out = {p: token_acl.capabilities(p) for p in paths}
        if len(paths) == 1:
            out["capabilities"] = out[paths[0]]
        return Response(out)
    if sub == "storage/raft/snapshot":
        if req.op == "read":
            return Raw(200, snapshot_bytes(state), "application/gzip")
        if req.op in ("create", "update"):
            return _restore(state, req.raw_body, force=False)
    if sub == "storage/raft/snapshot-force" and req.op in ("create", "update"):
        return _restore(state, req.raw_body, force=True)
    if sub == "storage/raft/configuration" and req.op == "read":
        return Response({"config": {"index": state.write_seq, "servers": [
            {"address": "127.0.0.1:8201", "leader": True, "node_id": "vault-0", "protocol_version": "3",
             "voter": True}]}})
    raise unsupported_path()


INJECT_PREFIXES = ("sys/audit", "sys/auth", "sys/mounts", "sys/policy")


def injects_top_level(path):
    """http/handler.go injectDataIntoTopRoutes: these copy `data` into the top level too."""
    return any(path == p or path.startswith(p + "/") for p in INJECT_PREFIXES)


