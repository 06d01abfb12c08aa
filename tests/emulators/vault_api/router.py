"""One logical request through the emulated core (vault/request_handling.go handleRequest,
vault/router.go): sealed check, existence check (create vs update), token and ACL check with
sudo for root paths, then the mount's backend."""

import uuid

from . import acl as acl_mod
from . import hcl, k8s_auth, kv, system, token_store
from .errors import (invalid_token, no_route, no_token, permission_denied, sealed, unsupported_path)


class Request:
    def __init__(self, method, op, path, data, raw_body=b"", token=None, headers=None):
        self.id = str(uuid.uuid4())
        self.method = method
        self.op = op
        self.path = path
        self.data = data if isinstance(data, dict) else {}
        self.raw_body = raw_body
        self.token = token
        self.headers = headers or {}
        self.token_entry = None
        self.display_name = ""
        self.token_kind = "none"
        self.changes = 0        # stored changes this request made (counted under the state lock)


def token_acl(state, entry):
    rules = []
    for name in entry["policies"]:
        if name == "root":
            rules.append(("root", []))
            continue
        text = state.p["policies"].get(name)
        if text is None:
            continue
        try:
            rules.append((name, hcl.parse_policy(text)))
        except hcl.HCLError:
            continue
    return acl_mod.ACL(rules)


def authenticate(state, req):
    """fetchACLTokenEntryAndEntity: an empty token or an unknown one is refused."""
    if not req.token:
        req.token_kind = "none"
        raise no_token()
    entry = token_store.lookup(state, req.token)
    if entry is None:
        req.token_kind = "invalid"
        raise invalid_token()
    req.token_kind = "root" if "root" in entry["policies"] else "valid"
    req.token_entry = entry
    req.display_name = entry["display_name"]
    return entry


def _target(state, path):
    """(kind, mount entry, path inside the mount) or None when no mount matches."""
    if path == "sys" or path.startswith("sys/"):
        return "system", state.p["mounts"].get("sys/"), path[4:]
    found = state.find_mount(path)
    if found is None:
        return None
    full, entry = found
    sub = path[len(full):] if len(path) >= len(full) else ""
    if entry["type"] == "token":
        return "token", entry, sub
    if entry["type"] == "kv":
        return "kv", entry, sub
    if entry["type"] == "kubernetes":
        return "kubernetes", entry, sub
    return "other", entry, sub


def _root_path(kind, sub):
    if kind == "system":
        return system.is_root_path(sub)
    if kind == "token":
        return any(sub == p or sub.startswith(p) for p in token_store.SUDO_PATHS)
    return False


def handle(state, req):
    """Returns (handler result, mount type). Raises VaultError."""
    with state.lock:
        seq0 = state.write_seq
        try:
            return _handle_locked(state, req)
        finally:
            req.changes = state.write_seq - seq0


def _handle_locked(state, req):
    if state.sealed:
        raise sealed()
    target = _target(state, req.path)
    if target is not None and req.op == "update":
        kind, entry, sub = target
        if kind == "kv" and not kv.exists(state, entry, sub):
            req.op = "create"
        elif kind == "kubernetes" and sub.startswith("role/") and not k8s_auth.exists(state, entry, sub):
            req.op = "create"
    tok = authenticate(state, req)
    acl = token_acl(state, tok)
    kind, entry, sub = target if target is not None else (None, None, None)
    sudo = _root_path(kind, sub) if kind else False
    if not acl.allowed(req.path, req.op, sudo_required=sudo):
        raise permission_denied()
    token_store.use(state, tok)
    try:
        if target is None:
            raise no_route(req.path)
        if kind == "system":
            result = system.handle(state, req, sub, acl)
        elif kind == "token":
            result = token_store.handle(state, req, sub, acl.allowed(req.path, req.op, sudo_required=True))
        elif kind == "kv":
            result = kv.handle(state, entry, req, sub)
        elif kind == "kubernetes":
            result = k8s_auth.handle(state, entry, req, sub)
        else:
            raise unsupported_path()
    finally:
        token_store.finish_use(state, tok)
    return result, entry["type"]


def check_token(state, req, path, op, sudo=False):
    """For the HTTP-level endpoints that need a token (sys/seal, sys/generate-root in 2.0)."""
    tok = authenticate(state, req)
    if not token_acl(state, tok).allowed(path, op, sudo_required=sudo):
        raise permission_denied()
    return tok
