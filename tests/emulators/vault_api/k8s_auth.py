"""The Kubernetes auth method at any mount (hashicorp/vault-plugin-auth-kubernetes v0.24.1:
path_config.go, path_role.go; token fields from sdk/helper/tokenutil). Login (TokenReview) is
not emulated."""

import re

from . import framework
from .errors import VaultError, bad_request, unsupported_path
from .response import Response, list_response

CONFIG_FIELDS = {"kubernetes_host": "string", "kubernetes_ca_cert": "string", "token_reviewer_jwt": "string",
                 "pem_keys": "slice", "issuer": "string", "disable_iss_validation": "bool",
                 "disable_local_ca_jwt": "bool", "use_annotations_as_alias_metadata": "bool"}
TOKEN_FIELDS = {"token_bound_cidrs": "slice", "token_explicit_max_ttl": "duration", "token_max_ttl": "duration",
                "token_no_default_policy": "bool", "token_period": "duration", "token_policies": "slice",
                "token_type": "string", "token_ttl": "duration", "token_num_uses": "int"}
ROLE_FIELDS = dict({"name": "string", "bound_service_account_names": "slice",
                    "bound_service_account_namespaces": "slice", "bound_service_account_namespace_selector": "string",
                    "audience": "string", "alias_name_source": "string", "policies": "slice", "num_uses": "int",
                    "ttl": "duration", "max_ttl": "duration", "period": "duration", "bound_cidrs": "slice"},
                   **TOKEN_FIELDS)
# path_role.go: the deprecated field and its token_* successor (tokenutil.UpgradeValue)
UPGRADES = (("policies", "token_policies"), ("bound_cidrs", "token_bound_cidrs"), ("num_uses", "token_num_uses"),
            ("ttl", "token_ttl"), ("max_ttl", "token_max_ttl"), ("period", "token_period"))
NO_AUDIENCE = ("Role %s does not have an audience configured. While audiences are not required, consider "
               "specifying one if your use case would benefit from additional JWT claim verification.")
ALIAS_SOURCES = ("serviceaccount_uid", "serviceaccount_name")
MAX_LEASE_TTL = 768 * 3600
_PEM_CERT = re.compile(r"-----BEGIN [A-Z ]+-----\s+[A-Za-z0-9+/=\s]+-----END [A-Z ]+-----")


def _engine(state, entry):
    eng = state.engine(entry)
    eng.setdefault("roles", {})
    return eng


def exists(state, entry, sub):
    if sub.startswith("role/"):
        return sub[len("role/"):].lower() in _engine(state, entry)["roles"]
    return True


def handle(state, entry, req, sub):
    eng = _engine(state, entry)
    mount = "auth/" + entry["path"]
    if sub == "config":
        values, ignored = framework.parse(req.data, CONFIG_FIELDS)
        if req.op == "read":
            cfg = eng.get("config")
            if cfg is None:
                return None
            return framework.finish(Response({
                "kubernetes_host": cfg["kubernetes_host"], "kubernetes_ca_cert": cfg["kubernetes_ca_cert"],
                "pem_keys": cfg["pem_keys"], "issuer": cfg["issuer"],
                "disable_iss_validation": cfg["disable_iss_validation"],
                "disable_local_ca_jwt": cfg["disable_local_ca_jwt"],
                "token_reviewer_jwt_set": cfg["token_reviewer_jwt"] != "",
                "use_annotations_as_alias_metadata": cfg["use_annotations_as_alias_metadata"]}), ignored)
        if req.op in ("create", "update"):
            host = values.get("kubernetes_host", "")
            if host == "":
                raise bad_request("no host provided")
            ca = values.get("kubernetes_ca_cert", "")
            if ca and not _PEM_CERT.search(ca):
                raise bad_request("The provided CA PEM data contains no valid certificates")
            pem_keys = values.get("pem_keys", [])
            for k in pem_keys:
                if not _PEM_CERT.search(k):
                    raise bad_request("data does not contain any valid RSA or ECDSA public keys")
            eng["config"] = {"kubernetes_host": host, "kubernetes_ca_cert": ca, "pem_keys": pem_keys,
                             "issuer": values.get("issuer", ""),
                             "disable_iss_validation": values.get("disable_iss_validation", True),
                             "disable_local_ca_jwt": values.get("disable_local_ca_jwt", False),
                             "token_reviewer_jwt": values.get("token_reviewer_jwt", ""),
                             "use_annotations_as_alias_metadata": values.get("use_annotations_as_alias_metadata", False)}
            state.wrote("k8s-config", mount + "config")
            return framework.finish(None, ignored)
        raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")

    if sub in ("role", "role/") and req.op == "list":
        return list_response(sorted(eng["roles"]))
    if sub.startswith("role/") and re.fullmatch(r"\w(([\w.-]+)?\w)?", sub[len("role/"):]):
        name = sub[len("role/"):]
        key = name.lower()
        values, ignored = framework.parse(dict(req.data, name=name), ROLE_FIELDS)
        role = eng["roles"].get(key)
        if req.op == "read":
            return None if role is None else framework.finish(Response(_role_data(role)), ignored)
        if req.op == "delete":
            if eng["roles"].pop(key, None) is not None:
                state.wrote("k8s-role-delete", mount + "role/" + key)
            return None
        if req.op in ("create", "update"):
            resp = _write_role(eng, name, key, role, values, req.op)
            state.wrote("k8s-role", mount + "role/" + key)
            return framework.finish(resp, ignored)
        raise VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n")
    raise unsupported_path()


def _write_role(eng, name, key, role, values, op):
    role = dict(role) if role is not None else {
        "token_bound_cidrs": [], "token_explicit_max_ttl": 0, "token_max_ttl": 0, "token_no_default_policy": False,
        "token_period": 0, "token_policies": [], "token_type": "default", "token_ttl": 0, "token_num_uses": 0,
        "bound_service_account_names": [], "bound_service_account_namespaces": [],
        "bound_service_account_namespace_selector": "", "audience": "", "alias_name_source": "",
        "policies": [], "num_uses": 0, "ttl": 0, "max_ttl": 0, "period": 0, "bound_cidrs": []}
    # tokenutil.ParseTokenFields
    for f in TOKEN_FIELDS:
        if f in values:
            role[f] = values[f]
    if "token_type" in values:
        tt = values["token_type"]
        if tt in ("", "default"):
            role["token_type"] = "default"
        elif tt in ("service", "batch"):
            role["token_type"] = tt
        else:
            raise bad_request("invalid 'token_type' value \"%s\"" % tt)
    for f in ("token_max_ttl", "token_period", "token_ttl", "token_num_uses"):
        if role[f] < 0:
            raise bad_request("'%s' cannot be negative" % f)
    if role["token_ttl"] > 0 and role["token_max_ttl"] > 0 and role["token_ttl"] > role["token_max_ttl"]:
        raise bad_request("'token_ttl' cannot be greater than 'token_max_ttl'")
    # tokenutil.UpgradeValue: the deprecated field counts only if its successor is absent
    for old, new in UPGRADES:
        if new in values:
            role[old] = role[new] if old in values else ([] if isinstance(role[old], list) else 0)
        elif old in values:
            role[old] = values[old]
            role[new] = values[old]
    if role["token_period"] > MAX_LEASE_TTL:
        raise bad_request("token period of '%s' is greater than the backend's maximum lease TTL of '768h0m0s'"
                          % role["token_period"])
    if role["token_max_ttl"] > 0 and role["token_ttl"] > role["token_max_ttl"]:
        raise bad_request("token ttl should not be greater than token max ttl")
    resp = None
    if role["token_max_ttl"] > MAX_LEASE_TTL:
        resp = Response(None, warnings=["max_ttl is greater than the system or backend mount's maximum TTL value; "
                                        "issued tokens' max TTL value will be truncated"])
    if "bound_service_account_names" in values:
        role["bound_service_account_names"] = values["bound_service_account_names"]
    if not role["bound_service_account_names"]:
        raise bad_request('"bound_service_account_names" can not be empty')
    if len(role["bound_service_account_names"]) > 1 and "*" in role["bound_service_account_names"]:
        raise bad_request('can not mix "*" with values')
    if "bound_service_account_namespaces" in values:
        role["bound_service_account_namespaces"] = values["bound_service_account_namespaces"]
    role["bound_service_account_namespace_selector"] = values.get("bound_service_account_namespace_selector", "")
    if not role["bound_service_account_namespaces"] and not role["bound_service_account_namespace_selector"]:
        raise bad_request('"bound_service_account_namespaces" can not be empty if '
                          '"bound_service_account_namespace_selector" is not set')
    if len(role["bound_service_account_namespaces"]) > 1 and "*" in role["bound_service_account_namespaces"]:
        raise bad_request('can not mix "*" with values')
    if "audience" in values:
        role["audience"] = values["audience"]
    if role["audience"].strip() == "":
        resp = resp or Response(None)
        resp.add_warning(NO_AUDIENCE % name)
    if "alias_name_source" in values:
        src = values["alias_name_source"]
        role["alias_name_source"] = "serviceaccount_uid" if (src == "" and role["alias_name_source"] == "") else src
    elif role["alias_name_source"] == "":
        role["alias_name_source"] = "serviceaccount_uid"
    if role["alias_name_source"] not in ALIAS_SOURCES:
        raise bad_request("invalid alias_name_source, must be one of: " + ", ".join(ALIAS_SOURCES))
    eng["roles"][key] = role
    return resp


def _role_data(role):
    """pathRoleRead: the role fields, tokenutil.PopulateTokenData, then the deprecated aliases
    only where they are set."""
    d = {"bound_service_account_names": role["bound_service_account_names"],
         "bound_service_account_namespaces": role["bound_service_account_namespaces"],
         "bound_service_account_namespace_selector": role["bound_service_account_namespace_selector"]}
    if role["audience"]:
        d["audience"] = role["audience"]
    d.update({"token_bound_cidrs": role["token_bound_cidrs"], "token_explicit_max_ttl": role["token_explicit_max_ttl"],
              "token_max_ttl": role["token_max_ttl"], "token_no_default_policy": role["token_no_default_policy"],
              "token_period": role["token_period"], "token_policies": role["token_policies"],
              "token_type": role["token_type"], "token_ttl": role["token_ttl"],
              "token_num_uses": role["token_num_uses"]})
    if role["policies"]:
        d["policies"] = d["token_policies"]
    if role["bound_cidrs"]:
        d["bound_cidrs"] = d["token_bound_cidrs"]
    for f in ("ttl", "max_ttl", "period", "num_uses"):
        if role[f] > 0:
            d[f] = role[f]
    d["alias_name_source"] = role["alias_name_source"]
    return d
