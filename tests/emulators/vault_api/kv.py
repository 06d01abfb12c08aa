"""The KV secrets engine: version 2 (hashicorp/vault-plugin-secrets-kv v0.26.2: path_data.go,
path_metadata.go, path_config.go, path_delete.go, path_destroy.go, backend.go, upgrade.go) and
the version 1 passthrough (passthrough.go) at any mount."""

import copy
import time

from . import fields, framework
from .errors import VaultError, bad_request
from .response import Response, list_response, with_status

DEFAULT_MAX_VERSIONS = 10
INVALID_PATH = ("Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API "
                "endpoints to use. If using the Vault CLI, use 'vault kv %s' for this operation.")
ROOT_PATH = "Non-listing operations on the root of a K/V v2 mount are not supported."
UPGRADING = ("Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief "
             "period and will resume service shortly.")
KV1_TTL = 768 * 3600


def is_v2(entry):
    return entry["type"] == "kv" and str((entry.get("options") or {}).get("version", "1")) == "2"


def _engine(state, entry):
    eng = state.engine(entry)
    eng.setdefault("config", {"max_versions": 0, "cas_required": False, "delete_version_after": 0})
    eng.setdefault("keys", {})
    return eng


def start_upgrade(state, entry):
    """A new (or tuned to v2) mount answers UPGRADING for kv_upgrade_seconds (upgrade.go)."""
    _engine(state, entry)["upgrading_until"] = time.time() + state.kv_upgrade_seconds


def _split(sub):
    for prefix in ("data/", "metadata/", "delete/", "undelete/", "destroy/", "subkeys/"):
        if sub.startswith(prefix):
            return prefix[:-1], sub[len(prefix):]
    return sub, None


def exists(state, entry, sub):
    """ExistenceCheck of the data and metadata paths (v2) and of any path (v1): it decides
    whether a write is the `create` or the `update` operation for the ACL."""
    if not is_v2(entry):
        return sub in _engine(state, entry).get("v1", {})
    kind, key = _split(sub)
    if kind in ("data", "metadata") and key:
        return key in _engine(state, entry)["keys"]
    return True


def _attribution(req, op=None):
    return {"actor": req.display_name, "operation": op or req.op}


def _deleted(vm):
    return vm["deletion_time"] is not None and vm["deletion_time"] <= time.time_ns()


def _version_meta(vm):
    return {"created_time": fields.timestamp_string(vm["created_time"]),
            "deletion_time": fields.timestamp_string(vm["deletion_time"]), "destroyed": vm["destroyed"]}


def _deletion_time(config, meta, created_ns):
    """deletion_time from delete_version_after (the key's, else the engine's; negative = off)."""
    cfg = config.get("delete_version_after", 0)
    if cfg < 0:
        return None
    dva = meta.get("delete_version_after") or cfg
    return created_ns + dva * 1_000_000_000 if dva > 0 else None


def _new_meta(now):
    return {"current_version": 0, "oldest_version": 0, "created_time": now, "updated_time": now,
            "max_versions": 0, "cas_required": False, "delete_version_after": 0, "custom_metadata": None,
            "last_updated_by": None, "versions": {}}


def _check_cas(options, config, meta):
    """validateCheckAndSetOption."""
    if isinstance(options, dict) and "cas" in options:
        cas = options["cas"]
        try:
            if isinstance(cas, bool):
                cas = int(cas)
            elif isinstance(cas, str):
                cas = int(float(cas)) if cas.strip() else 0
            elif isinstance(cas, float):
                cas = int(cas)
            elif not isinstance(cas, int):
                raise ValueError
        except ValueError:
            raise bad_request("error parsing check-and-set parameter")
        if cas != meta["current_version"]:
            raise bad_request("check-and-set parameter did not match the current version")
    elif config["cas_required"] or meta["cas_required"]:
        raise bad_request("check-and-set parameter required for this call")


def _add_version(meta, config, created_ns, data, req):
    meta["last_updated_by"] = _attribution(req)
    vm = {"created_time": created_ns, "deletion_time": _deletion_time(config, meta, created_ns),
          "destroyed": False, "created_by": meta["last_updated_by"], "deleted_by": None, "data": data}
    meta["current_version"] += 1
    meta["versions"][str(meta["current_version"])] = vm
    meta["updated_time"] = created_ns
    maxv = max(meta["max_versions"], config["max_versions"]) or DEFAULT_MAX_VERSIONS
    if meta["current_version"] - meta["oldest_version"] >= maxv:        # AddVersion's sliding window
        to_delete = meta["current_version"] - maxv
        for i in range(meta["oldest_version"], to_delete + 1):
            meta["versions"].pop(str(i), None)
        meta["oldest_version"] = to_delete + 1
    return vm


def _write_response(meta, vm):
    return Response({"version": meta["current_version"], "created_time": fields.timestamp_string(vm["created_time"]),
                     "deletion_time": fields.timestamp_string(vm["deletion_time"]), "destroyed": vm["destroyed"],
                     "custom_metadata": meta["custom_metadata"]})


DATA_FIELDS = {"path": "string", "version": "int", "options": "map", "data": "map"}
META_FIELDS = {"path": "string", "cas_required": "bool", "max_versions": "int", "delete_version_after": "duration",
               "custom_metadata": "map", "exclude_deleted": "bool"}
CONFIG_FIELDS = {"max_versions": "int", "cas_required": "bool", "delete_version_after": "duration"}
VERSIONS_FIELDS = {"path": "string", "versions": "intslice"}


def handle(state, entry, req, sub):
    if not is_v2(entry):
        return _handle_v1(state, entry, req, sub)
    eng = _engine(state, entry)
    if eng.get("upgrading_until", 0) > time.time():
        time.sleep(0.015)
        if eng.get("upgrading_until", 0) > time.time():
            raise bad_request(UPGRADING)
    kind, key = _split(sub)
    config, keys = eng["config"], eng["keys"]
    mount = entry["path"]

    if kind == "config" and key is None:
        values, ignored = framework.parse(req.data, CONFIG_FIELDS)
        if req.op == "read":
            return framework.finish(Response({"max_versions": config["max_versions"],
                                              "cas_required": config["cas_required"],
                                              "delete_version_after": fields.go_duration_string(config["delete_version_after"])}),
                                    ignored)
        if req.op in ("create", "update"):
            if not values:
                return None
            if "max_versions" in values:
                config["max_versions"] = values["max_versions"]
            if "cas_required" in values:
                config["cas_required"] = values["cas_required"]
            if "delete_version_after" in values:
                config["delete_version_after"] = values["delete_version_after"] if values["delete_version_after"] >= 0 else -1
            state.wrote("kv-config", mount + "config")
            return None
        raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")

    if kind == "data" and key:
        values, ignored = framework.parse(req.data, DATA_FIELDS)
        meta = keys.get(key)
        if req.op == "read":
            if meta is None:
                return None
            ver = values.get("version", 0)
            num = ver if ver > 0 else meta["current_version"]
            vm = meta["versions"].get(str(num))
            if vm is None:
                return None
            md = dict(_version_meta(vm), custom_metadata=meta["custom_metadata"], version=num)
            resp = Response({"data": None, "metadata": md})
            if _deleted(vm) or vm["destroyed"]:
                return with_status(req, resp, 404)
            resp.data["data"] = copy.deepcopy(vm["data"])
            return framework.finish(resp, ignored)
        if req.op in ("create", "update"):
            if "data" not in values:
                raise bad_request("no data provided")
            fresh = meta is None
            meta = meta or _new_meta(time.time_ns())
            _check_cas(values.get("options"), config, meta)
            vm = _add_version(meta, config, time.time_ns(), copy.deepcopy(values["data"]), req)
            keys[key] = meta
            state.wrote("kv-put" if not fresh else "kv-create", mount + "data/" + key)
            return framework.finish(_write_response(meta, vm), ignored)
        if req.op == "patch":
            if "data" not in values:
                raise bad_request("no data provided")
            if meta is None:
                return with_status(req, None, 404)
            _check_cas(values.get("options"), config, meta)
            vm = meta["versions"].get(str(meta["current_version"]))
            if vm is None:
                return with_status(req, None, 404)
            if _deleted(vm) or vm["destroyed"]:
                return with_status(req, Response({"version": meta["current_version"], **_version_meta(vm),
                                                  "custom_metadata": meta["custom_metadata"]}), 404)
            merged = _merge_patch(copy.deepcopy(vm["data"]), values["data"])
            nvm = _add_version(meta, config, time.time_ns(), merged, req)
            state.wrote("kv-patch", mount + "data/" + key)
            return framework.finish(_write_response(meta, nvm), ignored)
        if req.op == "delete":
            if meta is None:
                return None
            vm = meta["versions"].get(str(meta["current_version"]))
            if vm is None or vm["destroyed"] or _deleted(vm):
                return None
            vm["deletion_time"] = time.time_ns()
            vm["deleted_by"] = meta["last_updated_by"] = _attribution(req)
            state.wrote("kv-delete", mount + "data/" + key)
            return None
        raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")

    if kind == "metadata" and key is not None:
        values, ignored = framework.parse(req.data, META_FIELDS)
        meta = keys.get(key) if key else None
        if req.op == "list":
            prefix = key
            children = set()
            for k, m in keys.items():
                if k.startswith(prefix):
                    rest = k[len(prefix):]
                    if "/" in rest:
                        children.add(rest.split("/", 1)[0] + "/")
                    else:
                        if values.get("exclude_deleted"):
                            cur = m["versions"].get(str(m["current_version"]))
                            if cur is not None and cur["deletion_time"] is not None:
                                continue
                        children.add(rest)
            return list_response(sorted(children))
        if not key:
            return with_status(req, Response({}, warnings=[ROOT_PATH]), 404)
        if req.op == "read":
            if meta is None:
                return None
            versions = {n: {"created_by": vm["created_by"], "created_time": fields.timestamp_string(vm["created_time"]),
                            "deleted_by": vm["deleted_by"], "deletion_time": fields.timestamp_string(vm["deletion_time"]),
                            "destroyed": vm["destroyed"]} for n, vm in meta["versions"].items()}
            return framework.finish(Response({
                "versions": versions, "current_version": meta["current_version"],
                "oldest_version": meta["oldest_version"], "created_time": fields.timestamp_string(meta["created_time"]),
                "updated_time": fields.timestamp_string(meta["updated_time"]), "max_versions": meta["max_versions"],
                "cas_required": meta["cas_required"],
                "delete_version_after": fields.go_duration_string(meta["delete_version_after"]),
                "custom_metadata": meta["custom_metadata"], "last_updated_by": meta["last_updated_by"]}), ignored)
        if req.op in ("create", "update", "patch"):
            if req.op == "patch" and meta is None:
                return with_status(req, None, 404)
            touched = {k: values[k] for k in ("max_versions", "cas_required", "delete_version_after", "custom_metadata")
                       if k in values}
            if not touched:
                return None
            custom = None
            if "custom_metadata" in touched:
                custom = {k: (v if isinstance(v, str) else str(v)) for k, v in touched["custom_metadata"].items()
                          if not (req.op == "patch" and v is None)}
                err = _validate_custom_metadata(custom)
                if err:
                    raise bad_request(err)
            resp = None
            if "cas_required" in touched and config["cas_required"] and not touched["cas_required"]:
                resp = Response(None, warnings=['"cas_required" set to false, but is mandated by backend config. '
                                                "This value will be ignored."])
            meta = meta or _new_meta(time.time_ns())
            for k in ("max_versions", "cas_required", "delete_version_after"):
                if k in touched:
                    meta[k] = touched[k]
            if custom is not None:
                if req.op == "patch" and meta["custom_metadata"]:
                    merged = dict(meta["custom_metadata"])
                    for k, v in touched["custom_metadata"].items():
                        if v is None:
                            merged.pop(k, None)
                        else:
                            merged[k] = v if isinstance(v, str) else str(v)
                    custom = merged
                meta["custom_metadata"] = custom
            keys[key] = meta
            state.wrote("kv-metadata", mount + "metadata/" + key)
            return framework.finish(resp, ignored)
        if req.op == "delete":
            if keys.pop(key, None) is not None:
                state.wrote("kv-metadata-delete", mount + "metadata/" + key)
            return None
        raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")

    if kind in ("delete", "undelete", "destroy") and key is not None:
        if not key:
            return with_status(req, Response({}, warnings=[ROOT_PATH]), 404)
        if req.op not in ("create", "update"):
            raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")
        values, ignored = framework.parse(req.data, VERSIONS_FIELDS)
        versions = values.get("versions", [])
        if not versions:
            raise bad_request("no version number provided" if kind == "destroy" else "No version number provided")
        meta = keys.get(key)
        if meta is None:
            return None
        for n in versions:
            vm = meta["versions"].get(str(n))
            if vm is None or vm["destroyed"]:
                continue
            if kind == "delete":
                if _deleted(vm):
                    continue
                vm["deletion_time"] = time.time_ns()
                vm["deleted_by"] = _attribution(req)
            elif kind == "undelete":
                vm["deletion_time"] = _deletion_time(config, meta, time.time_ns())
                vm["deleted_by"] = None
            else:
                vm["destroyed"] = True
                vm["data"] = None
        if kind == "undelete":
            meta["last_updated_by"] = _attribution(req, "undelete")
        state.wrote("kv-" + kind, mount + kind + "/" + key)
        return None

    # pathInvalid (backend.go): everything else answers 404 with a warning
    if sub in ("metadata", "data", "delete", "undelete", "destroy"):
        return with_status(req, Response({}, warnings=[ROOT_PATH]), 404)
    verb = {"create": "put", "update": "put", "patch": "patch", "read": "get", "list": "list", "delete": "delete"}[req.op]
    return with_status(req, Response({}, warnings=[INVALID_PATH % verb]), 404)


def _validate_custom_metadata(custom):
    """validateCustomMetadata: at most 64 keys, key <= 128 and value <= 512 bytes."""
    prefix = "custom_metadata validation failed"
    if len(custom) > 64:
        return "1 error occurred:\n\t* %s: payload must contain at most 64 keys, provided %d\n\n" % (prefix, len(custom))
    errs = []
    for k, v in custom.items():
        if not 0 < len(k.encode()) <= 128:
            errs.append('%s: length of key "%s" is %d but must be 0 < len(key) <= 128' % (prefix, k, len(k.encode())))
        if not 0 < len(v.encode()) <= 512:
            errs.append('%s: length of value for key "%s" is %d but must be 0 < len(value) <= 512'
                        % (prefix, k, len(v.encode())))
    if errs:
        from .errors import multierror
        return multierror(*errs)
    return None


def _merge_patch(target, patch):
    """RFC 7386 JSON merge patch, as framework.HandlePatchOperation applies it."""
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = _merge_patch(target.get(k), v)
    return target


def _handle_v1(state, entry, req, sub):
    """passthrough.go: a plain key/value map per path."""
    store = _engine(state, entry).setdefault("v1", {})
    if req.op == "list":
        prefix = sub if sub.endswith("/") or sub == "" else sub + "/"
        children = set()
        for k in store:
            if k.startswith(prefix):
                rest = k[len(prefix):]
                children.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
        return list_response(sorted(children))
    if req.op == "read":
        if sub not in store:
            return None
        return Response(copy.deepcopy(store[sub]), lease_duration=KV1_TTL)
    if req.op in ("create", "update"):
        if not req.data:
            raise bad_request("no data provided")
        store[sub] = copy.deepcopy(req.data)
        state.wrote("kv1-put", entry["path"] + sub)
        return None
    if req.op == "delete":
        if store.pop(sub, None) is not None:
            state.wrote("kv1-delete", entry["path"] + sub)
        return None
    raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")


def dump(state, entry, with_values):
    """The control API's view of a mount's keys (no token needed)."""
    eng = _engine(state, entry)
    if not is_v2(entry):
        return {k: (copy.deepcopy(v) if with_values else sorted(v)) for k, v in eng.get("v1", {}).items()}
    out = {}
    for k, m in eng["keys"].items():
        out[k] = {"current_version": m["current_version"], "oldest_version": m["oldest_version"],
                  "cas_required": m["cas_required"], "max_versions": m["max_versions"],
                  "custom_metadata": m["custom_metadata"],
                  "versions": {n: {"deleted": _deleted(vm), "destroyed": vm["destroyed"],
                                   "created_time": fields.timestamp_string(vm["created_time"]),
                                   "keys": sorted(vm["data"]) if vm["data"] else [],
                                   **({"data": copy.deepcopy(vm["data"])} if with_values else {})}
                               for n, vm in m["versions"].items()}}
    return out


def put_direct(state, entry, key, data):
    """Control API: write a version as if someone else had (for race tests)."""
    class _R:
        display_name = "emulator"
        op = "create"
    eng = _engine(state, entry)
    meta = eng["keys"].get(key) or _new_meta(time.time_ns())
    vm = _add_version(meta, eng["config"], time.time_ns(), copy.deepcopy(data), _R())
    eng["keys"][key] = meta
    state.wrote("kv-create", entry["path"] + "data/" + key)
    return {"version": meta["current_version"], "created_time": fields.timestamp_string(vm["created_time"])}
