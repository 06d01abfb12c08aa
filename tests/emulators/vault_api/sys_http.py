"""The sys endpoints Vault serves outside the logical router (http/sys_health.go,
sys_seal.go, sys_init.go, sys_leader.go, sys_generate_root.go). Each returns
(status, body object or None, extra headers)."""

import base64
import json
import re
import time
import urllib.parse

from . import pgp, router
from .errors import bad_request, sealed
from .state import VERSION, decode_key

HEALTH_CODES = (("uninitcode", 501), ("sealedcode", 503), ("standbycode", 429), ("activecode", 200),
                ("drsecondarycode", 472), ("performancestandbycode", 473), ("haunhealthycode", 474),
                ("removedcode", 530))
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _go_atoi(s):
    """strconv.Atoi: an optional sign and decimal digits, nothing else."""
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        raise ValueError(s)
    return int(s)


def health(state, query):
    """getSysHealth: (code, body). Bad parameters give 400 and no body."""
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    flags = {}
    for name in ("standbyok", "perfstandbyok"):
        if name in params:
            v = params[name][0]
            if v not in _TRUE and v not in _FALSE:
                return 400, None
            flags[name] = v in _TRUE
    codes = {}
    for name, default in HEALTH_CODES:
        codes[name] = default
        if name in params:
            try:
                codes[name] = _go_atoi(params[name][0])
            except ValueError:
                return 400, None
    init, is_sealed, standby = state.p["initialized"], state.sealed, state.sealed or state.standby
    if not init:
        code = codes["uninitcode"]
    elif is_sealed:
        code = codes["sealedcode"]
    elif state.standby and not flags.get("standbyok"):
        code = codes["standbycode"]
    else:
        code = codes["activecode"]
    body = {"initialized": init, "sealed": is_sealed, "standby": standby, "performance_standby": False,
            "replication_performance_mode": "disabled", "replication_dr_mode": "disabled",
            "server_time_utc": int(time.time()), "version": VERSION, "enterprise": False}
    if not is_sealed:
        body["cluster_name"] = state.p["cluster_name"]
        body["cluster_id"] = state.p["cluster_id"]
    body.update({"echo_duration_ms": 0, "clock_skew_ms": 0, "replication_primary_canary_age_ms": 0})
    if not is_sealed:
        body["removed_from_cluster"] = False
    if state.standby and not is_sealed:
        body["ha_connection_healthy"] = True
        body["last_request_forwarding_heartbeat_ms"] = 500
    return code, body


GO_TYPES = {int: "int", bool: "bool", str: "string", list: "[]string"}


def _parse_json(raw, struct, fields):
    """parseJSONRequest into a Go struct: unknown fields ignored, type mismatches refused."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise bad_request("failed to parse JSON input: %s" % e)
    if not isinstance(data, dict):
        raise bad_request("failed to parse JSON input: json: cannot unmarshal %s into Go value of type http.%s"
                          % (_js_type(data), struct))
    for name, typ in fields.items():
        if name in data and data[name] is not None:
            v = data[name]
            ok = isinstance(v, bool) if typ is bool else (
                isinstance(v, int) and not isinstance(v, bool) if typ is int else isinstance(v, typ))
            if typ is list and ok and not all(isinstance(x, str) for x in v):
                ok = False
            if not ok:
                raise bad_request("failed to parse JSON input: json: cannot unmarshal %s into Go struct field "
                                  "%s.%s of type %s" % (_js_type(v), struct, name, GO_TYPES[typ]))
    return data


def _js_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


INIT_FIELDS = {"secret_shares": int, "secret_threshold": int, "stored_shares": int, "pgp_keys": list,
               "recovery_shares": int, "recovery_threshold": int, "recovery_pgp_keys": list,
               "root_token_pgp_key": str}


def init(state, method, raw):
    if method == "GET":
        return 200, {"initialized": state.p["initialized"]}
    if method not in ("PUT", "POST"):
        return 405, {"errors": []}
    data = _parse_json(raw, "InitRequest", INIT_FIELDS)
    recovery = [f for f in ("recovery_shares", "recovery_threshold") if data.get(f)]
    if data.get("recovery_pgp_keys"):
        recovery.append("recovery_pgp_keys")
    if recovery:
        raise bad_request("parameters %s not applicable to seal type shamir" % ",".join(recovery))
    shares, root = state.initialize(data.get("secret_shares", 0) or 0, data.get("secret_threshold", 0) or 0,
                                    data.get("pgp_keys") or [], data.get("root_token_pgp_key") or "")
    return 200, {"keys": [s.hex() for s in shares], "keys_base64": [base64.b64encode(s).decode() for s in shares],
                 "root_token": root}


UNSEAL_FIELDS = {"key": str, "reset": bool, "migrate": bool}


def unseal(state, method, raw):
    if method not in ("PUT", "POST"):
        return 405, {"errors": []}
    data = _parse_json(raw, "UnsealRequest", UNSEAL_FIELDS)
    if data.get("reset"):
        state.reset_unseal()
        return 200, state.seal_status()
    if not data.get("key"):
        raise bad_request("'key' must be specified in request body as JSON, or 'reset' set to true")
    state.unseal(decode_key(data["key"]))
    return 200, state.seal_status()


def seal_status(state, method):
    if method != "GET":
        return 405, {"errors": []}
    return 200, state.seal_status()


def seal(state, method, req):
    if method not in ("PUT", "POST"):
        return 405, {"errors": []}
    if state.sealed:
        raise sealed()
    router.check_token(state, req, "sys/seal", "update", sudo=True)
    state.seal()
    state.wrote("seal", "sys/seal")
    return 204, None


def leader(state, method, port):
    if method != "GET":
        return 405, {"errors": []}
    if state.sealed:
        raise sealed()
    return 200, {"ha_enabled": True, "is_self": not state.standby,
                 "active_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
                 "leader_address": "http://127.0.0.1:%d" % port, "leader_cluster_address": "https://127.0.0.1:8201",
                 "performance_standby": False, "performance_standby_last_remote_wal": 0,
                 "raft_committed_index": state.write_seq + 30, "raft_applied_index": state.write_seq + 30}


GEN_ATTEMPT_FIELDS = {"otp": str, "pgp_key": str}
GEN_UPDATE_FIELDS = {"key": str, "nonce": str}


def generate_root(state, method, raw, req, which):
    """sys/generate-root/attempt and /update. Vault 2.0 authenticates these (important changes
    "Previously unauthenticated endpoints require authentication") unless the server is
    configured with enable_unauthenticated_access = ["generate-root"]."""
    if state.sealed:
        raise sealed()
    path = "sys/generate-root/" + which
    op = {"GET": "read", "DELETE": "delete"}.get(method, "update")
    if method not in ("GET", "PUT", "POST", "DELETE") or (which == "update" and method not in ("PUT", "POST")):
        return 405, {"errors": []}
    if "generate-root" not in state.enable_unauthenticated:
        router.check_token(state, req, path, op)
    if which == "attempt":
        if method == "GET":
            return 200, state.generate_root_status()
        if method == "DELETE":
            state.generate_root_cancel()
            return 204, None
        data = _parse_json(raw, "GenerateRootInitRequest", GEN_ATTEMPT_FIELDS)
        if data.get("pgp_key"):
            try:
                pgp.key_bytes(data["pgp_key"])
            except pgp.PGPError as e:
                raise bad_request(str(e))
        return 200, state.generate_root_init(data.get("pgp_key") or "")
    data = _parse_json(raw, "GenerateRootUpdateRequest", GEN_UPDATE_FIELDS)
    if not data.get("key"):
        raise bad_request("'key' must be specified in request body as JSON")
    return 200, state.generate_root_update(decode_key(data["key"]), data.get("nonce", ""))


