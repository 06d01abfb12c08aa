"""The token store at auth/token/ (vault/token_store.go): root tokens, child and orphan
tokens with policies and TTLs, lookup-self, revoke-self and revoke (the whole tree below a
token goes with it)."""

import re
import time

from . import fields
from .errors import bad_request, unsupported_path
from .response import Response
from .ids import DEFAULT_TTL, new_token_id, random_id


def _store(state, entry):
    state.p["tokens"][entry["id"]] = entry
    state.p["accessors"][entry["accessor"]] = entry["id"]


def create_root(state):
    """A token with the root policy, no TTL and no parent (init and generate-root)."""
    entry = {"id": new_token_id(), "accessor": random_id(24), "policies": ["root"], "parent": "",
             "path": "auth/token/root", "meta": None, "display_name": "root", "num_uses": 0,
             "creation_time": int(time.time()), "ttl": 0, "explicit_max_ttl": 0, "period": 0,
             "renewable": False, "type": "service", "children": []}
    _store(state, entry)
    return entry["id"]


def lookup(state, token_id):
    """The live token entry, or None (unknown, revoked or expired: expired ones are dropped)."""
    entry = state.p["tokens"].get(token_id)
    if entry is None:
        return None
    if entry["ttl"] and time.time() >= entry["creation_time"] + entry["ttl"]:
        revoke_tree(state, token_id, record=False)
        return None
    return entry


def use(state, entry):
    """Count one use of a limited-use token (num_uses); the last use revokes it afterwards."""
    if entry["num_uses"] > 0:
        entry["num_uses"] -= 1
        if entry["num_uses"] == 0:
            entry["num_uses"] = -1      # vault marks it "use count exhausted": revoked after this request


def finish_use(state, entry):
    if entry is not None and entry.get("num_uses") == -1:
        revoke_tree(state, entry["id"], record=False)


def revoke_tree(state, token_id, record=True):
    entry = state.p["tokens"].pop(token_id, None)
    if entry is None:
        return False
    state.p["accessors"].pop(entry["accessor"], None)
    for child in list(entry.get("children", [])):
        revoke_tree(state, child, record=False)
    parent = state.p["tokens"].get(entry.get("parent") or "")
    if parent is not None and token_id in parent.get("children", []):
        parent["children"].remove(token_id)
    if record:
        state.wrote("revoke", "auth/token/revoke")
    return True


def remaining_ttl(entry):
    if not entry["ttl"]:
        return 0
    return max(0, int(entry["creation_time"] + entry["ttl"] - time.time()))


def _sanitize_display_name(name):
    return re.sub(r"[^a-zA-Z0-9-]", "-", name).lower()


def create(state, parent, data, is_sudo, orphan_path=False):
    """handleCreateCommon, for the fields vault-seed and the tests use."""
    policies = fields.comma_slice(data.get("policies"), "policies") if "policies" in data else None
    no_default = fields.parse_bool(data.get("no_default_policy", False), "no_default_policy")
    no_parent = fields.parse_bool(data.get("no_parent", False), "no_parent")
    renewable = fields.parse_bool(data.get("renewable", True), "renewable")
    num_uses = fields.parse_int(data.get("num_uses", 0), "num_uses")
    if num_uses < 0:
        raise bad_request("number of uses cannot be negative")
    ttl = fields.duration_seconds(data.get("ttl", data.get("lease", 0)), "ttl")
    explicit_max = fields.duration_seconds(data.get("explicit_max_ttl", 0), "explicit_max_ttl")
    period = fields.duration_seconds(data.get("period", 0), "period")
    parent_root = "root" in parent["policies"]
    if no_parent and not (parent_root or is_sudo):
        raise bad_request("root or sudo privileges required to create orphan token")
    if policies is None:
        policies = [p for p in parent["policies"]]
    policies = sorted(set(p.lower() for p in policies))
    if not parent_root:
        if "root" in policies:
            raise bad_request("root tokens may not be created from a non-root token")
        allowed = set(parent["policies"]) | {"default"}
        if not set(policies) <= allowed:
            raise bad_request("child policies must be subset of parent")
    if "root" not in policies and not no_default and "default" not in policies:
        policies = sorted(policies + ["default"])
    if "root" in policies:
        policies = [p for p in policies if p != "default"] if no_default else policies
    if ttl == 0 and "root" not in policies:
        ttl = period or DEFAULT_TTL
    if explicit_max and (ttl == 0 or ttl > explicit_max):
        ttl = explicit_max
    if parent["ttl"] and not (no_parent or orphan_path):
        ttl = min(ttl or DEFAULT_TTL, remaining_ttl(parent))
    meta = data.get("meta")
    display = data.get("display_name")
    orphan = bool(no_parent or orphan_path)
    entry = {"id": new_token_id(), "accessor": random_id(24), "policies": policies,
             "parent": "" if orphan else parent["id"], "path": "auth/token/create",
             "meta": dict(meta) if isinstance(meta, dict) and meta else None,
             "display_name": "token-" + _sanitize_display_name(display) if display else "token",
             "num_uses": num_uses, "creation_time": int(time.time()), "ttl": ttl,
             "explicit_max_ttl": explicit_max, "period": period, "renewable": renewable and ttl > 0,
             "type": "service", "children": []}
    _store(state, entry)
    if not orphan:
        parent.setdefault("children", []).append(entry["id"])
    state.wrote("token-create", "auth/token/create")
    auth = {"client_token": entry["id"], "accessor": entry["accessor"], "policies": policies,
            "token_policies": policies, "metadata": entry["meta"], "lease_duration": ttl,
            "renewable": entry["renewable"], "entity_id": "", "token_type": "service", "orphan": orphan,
            "mfa_requirement": None, "num_uses": num_uses}
    return Response(None, auth=auth)


def lookup_data(entry):
    data = {"accessor": entry["accessor"], "creation_time": entry["creation_time"],
            "creation_ttl": entry["ttl"], "display_name": entry["display_name"], "entity_id": "",
            "expire_time": None, "explicit_max_ttl": entry["explicit_max_ttl"], "id": entry["id"],
            "meta": entry["meta"], "num_uses": max(entry["num_uses"], 0), "orphan": not entry["parent"],
            "path": entry["path"], "policies": entry["policies"], "ttl": remaining_ttl(entry),
            "type": entry["type"]}
    if entry["ttl"]:
        data["expire_time"] = fields.timestamp_string((entry["creation_time"] + entry["ttl"]) * 1_000_000_000)
        data["issue_time"] = fields.timestamp_string(entry["creation_time"] * 1_000_000_000)
        data["renewable"] = entry["renewable"]
    if entry["period"]:
        data["period"] = entry["period"]
    return data


SUDO_PATHS = ("revoke-orphan", "accessors")   # token store PathsSpecial.Root


def handle(state, req, sub, is_sudo):
    """Route auth/token/<sub>. Returns a Response or None (204)."""
    if sub in ("create", "create-orphan") and req.op in ("create", "update"):
        return create(state, req.token_entry, req.data, is_sudo, orphan_path=(sub == "create-orphan"))
    if sub == "lookup-self" and req.op in ("read", "update"):
        return Response(lookup_data(req.token_entry))
    if sub == "lookup" and req.op in ("update", "read"):
        target = lookup(state, req.data.get("token", ""))
        if target is None:
            raise bad_request("bad token")
        return Response(lookup_data(target))
    if sub == "revoke-self" and req.op == "update":
        revoke_tree(state, req.token_entry["id"])
        return None
    if sub == "revoke" and req.op == "update":
        tok = req.data.get("token")
        if not tok:
            raise bad_request("missing token")
        revoke_tree(state, tok)
        return None
    if sub == "renew-self" and req.op == "update":
        entry = req.token_entry
        if not entry["renewable"]:
            raise bad_request("lease is not renewable")
        increment = fields.duration_seconds(req.data.get("increment", 0), "increment")
        entry["creation_time"] = int(time.time())
        entry["ttl"] = increment or entry["ttl"]
        state.wrote("token-renew", "auth/token/renew-self")
        auth = {"client_token": entry["id"], "accessor": entry["accessor"], "policies": entry["policies"],
                "token_policies": entry["policies"], "metadata": entry["meta"], "lease_duration": entry["ttl"],
                "renewable": True, "entity_id": "", "token_type": "service", "orphan": not entry["parent"],
                "mfa_requirement": None, "num_uses": max(entry["num_uses"], 0)}
        return Response(None, auth=auth)
    raise unsupported_path()
