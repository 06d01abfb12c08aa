"""The emulated Vault server's state: initialisation, the Shamir seal, unseal progress, root
token generation, the mount tables, policies, audit devices and the write log.

Everything under `self.p` is what Raft would persist (it survives `seal`, `restart` and goes
into snapshots); the rest is in-memory only, as in vault/core.go (unseal progress, the root
generation attempt, the sealed flag).
"""

import base64
import binascii
import copy
import hmac
import secrets
import threading
import time
import uuid

from . import fields, pgp, shamir, token_store
from .ids import TOKEN_LENGTH, random_id, short_hex
from .errors import VaultError, bad_request

VERSION = "2.0.4"
BUILD_DATE = "2026-07-30T00:00:00Z"   # emulator constant; real builds report their own date
KEY_LENGTH = 32                       # AES-256 barrier/seal key (vault/barrier_aes_gcm.go)
KEY_MIN = 16                          # barrier.KeyLength() minimum
KEY_MAX = KEY_LENGTH + shamir.SHARE_OVERHEAD

# vault/seal.go baseValidate / Validate, wrapped by vault/init.go Initialize
_SEAL_CONFIG_ERRORS = (
    (lambda s, t, k: s < 1, "shares must be at least one"),
    (lambda s, t, k: t < 1, "threshold must be at least one"),
    (lambda s, t, k: s > 1 and t < 2, "threshold must be greater than one for multiple shares"),
    (lambda s, t, k: s > 255, "shares must be less than 256"),
    (lambda s, t, k: t > 255, "threshold must be less than 256"),
    (lambda s, t, k: t > s, "threshold cannot be larger than shares"),
    (lambda s, t, k: k and len(k) != s, "count mismatch between number of provided PGP keys and number of shares"),
)

# Vault's built-in `default` policy (vault/policy_store.go defaultPolicy), without the
# identity-templated and UI-only paths the emulator does not serve.
DEFAULT_POLICY = '''
# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}
'''


def decode_key(text):
    """http/sys_seal.go: hex first (if the length is plausible), then standard base64."""
    try:
        key = bytes.fromhex(text)
        if KEY_MIN <= len(key) <= KEY_MAX:
            return key
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("'key' must be a valid hex or base64 string")


def invalid_key(reason):
    """vault.ErrInvalidKey: "invalid key: <reason>"; http/sys_seal.go answers it with 400."""
    return VaultError(400, "invalid key: " + reason)


# What decrypting the stored keys with a wrong combined key gives (vault/seal_util.go
# decodeBarrierKeys: ErrInvalidKey around seal.JoinSealWrapErrors, wrapped by
# unsealKeyToRootKey). Older Vault answered the same with 500 and no "invalid key: "
# (hashicorp/vault#8425, #17792): clients should treat both as "wrong unseal keys".
WRONG_KEY_TEXT = ("unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: "
                  "error decrypting seal wrapped value\nerror decrypting using seal shamir: "
                  "cipher: message authentication failed")


class Progress:
    """vault/core.go unlockInformation: the parts given so far and their nonce."""

    def __init__(self):
        self.parts = []
        self.nonce = ""

    def add(self, key):
        if not self.parts:
            self.nonce = str(uuid.uuid4())
        for existing in self.parts:
            if hmac.compare_digest(existing, key):
                return False          # "Check if we already have this piece": silently ignored
        self.parts.append(key)
        return True

    def reset(self):
        self.parts, self.nonce = [], ""


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.p = self._fresh()
        self.sealed = True
        self.progress = Progress()
        self.generate_root = None
        self.standby = False
        self.writes = []
        self.write_seq = 0
        self.init_material = None     # what sys/init returned, for the control API only
        self.enable_unauthenticated = set()
        self.kv_upgrade_seconds = 0.0
        self.started = time.time()

    @staticmethod
    def _fresh():
        return {"initialized": False, "seal": None, "seal_key": None, "cluster_id": None,
                "cluster_name": None, "mounts": {}, "auth": {}, "policies": {}, "tokens": {},
                "accessors": {}, "audit": {}, "engines": {}}

    # -- write log -------------------------------------------------------------------------

    def wrote(self, op, path):
        """Record one change to stored state (what idempotence tests count)."""
        self.write_seq += 1
        self.writes.append({"seq": self.write_seq, "time": time.time(), "op": op, "path": path})

    # -- status documents --------------------------------------------------------------------

    def seal_status(self):
        """http/sys_seal.go SealStatusResponse, in field order."""
        seal = self.p["seal"] or {}
        out = {"type": "shamir", "initialized": self.p["initialized"], "sealed": self.sealed,
               "t": seal.get("threshold", 0), "n": seal.get("shares", 0),
               "progress": len(self.progress.parts), "nonce": self.progress.nonce,
               "version": VERSION, "build_date": BUILD_DATE, "migration": False}
        if not self.sealed:
            out["cluster_name"] = self.p["cluster_name"]
            out["cluster_id"] = self.p["cluster_id"]
        out["recovery_seal"] = False
        out["storage_type"] = "raft"
        if not self.sealed:
            out["removed_from_cluster"] = False
        return out

    # -- init --------------------------------------------------------------------------------

    def initialize(self, shares, threshold, pgp_keys, root_pgp_key):
        for bad, text in _SEAL_CONFIG_ERRORS:
            if bad(shares, threshold, pgp_keys):
                raise bad_request("invalid seal configuration: " + text)
        try:
            for k in pgp_keys or []:
                pgp.key_bytes(k)
            if root_pgp_key:
                pgp.key_bytes(root_pgp_key)
        except pgp.PGPError as e:
            raise bad_request("invalid seal configuration: %s" % e)
        with self.lock:
            if self.p["initialized"]:
                raise bad_request("Vault is already initialized")
            key = secrets.token_bytes(KEY_LENGTH)
            shares_raw = [key] if shares == 1 else shamir.split(key, shares, threshold)
            self.p.update(initialized=True, seal={"shares": shares, "threshold": threshold,
                                                   "pgp_fingerprints": [pgp.fingerprint(k) for k in pgp_keys or []]},
                          seal_key=key.hex(), cluster_id=str(uuid.uuid4()),
                          cluster_name="vault-cluster-" + short_hex())
            self._default_tables()
            root = token_store.create_root(self)
            self.sealed = True
            self.progress.reset()
            self.wrote("init", "sys/init")
            out_shares = [pgp.encrypt(k, s) for k, s in zip(pgp_keys, shares_raw)] if pgp_keys else shares_raw
            root_out = root
            if root_pgp_key:
                root_out = base64.b64encode(pgp.encrypt(root_pgp_key, root.encode())).decode()
            self.init_material = {"keys": [s.hex() for s in shares_raw],
                                  "keys_base64": [base64.b64encode(s).decode() for s in shares_raw],
                                  "root_token": root}
            return out_shares, root_out

    def _default_tables(self):
        """Mounts a fresh non-dev Vault has after init (vault/mount.go requiredMountTable,
        vault/auth.go): cubbyhole/, identity/, sys/ and auth token/."""
        self.p["mounts"] = {}
        self.p["auth"] = {}
        for path, typ, desc, local in (("cubbyhole/", "cubbyhole", "per-token private secret storage", True),
                                       ("identity/", "identity", "identity store", False),
                                       ("sys/", "system", "system endpoints used for control, policy and debugging", False)):
            self.p["mounts"][path] = new_mount_entry(path, typ, desc, None, {}, local=local)
        self.p["auth"]["token/"] = new_mount_entry("token/", "token", "token based credentials", None, {},
                                                   table="auth")
        self.p["policies"] = {"default": DEFAULT_POLICY.lstrip("\n")}

    # -- unseal ------------------------------------------------------------------------------

    def unseal(self, key):
        """vault/core.go unsealFragment + getUnsealKey + unsealKeyToRootKey."""
        with self.lock:
            if not self.p["initialized"]:
                raise bad_request("Vault is not initialized")
            if not self.sealed:
                return
            if len(key) < KEY_MIN:
                raise invalid_key("key is shorter than minimum %d bytes" % KEY_MIN)
            if len(key) > KEY_MAX:
                raise invalid_key("key is longer than maximum %d bytes" % KEY_MAX)
            self.progress.add(key)
            threshold = self.p["seal"]["threshold"]
            if len(self.progress.parts) < threshold:
                return
            parts = list(self.progress.parts)
            self.progress.reset()
            combined = self._combine(parts, threshold)
            if not hmac.compare_digest(combined, bytes.fromhex(self.p["seal_key"])):
                raise VaultError(400, WRONG_KEY_TEXT)
            self.sealed = False

    @staticmethod
    def _combine(parts, threshold):
        if threshold == 1:
            combined = parts[0]
        else:
            try:
                combined = shamir.combine(parts)
            except ValueError as e:
                raise invalid_key("failed to compute combined key: %s" % e)
        if len(combined) != KEY_LENGTH:
            # aeadwrapper.SetAesGcmKeyBytes -> aes.NewCipher
            raise invalid_key("failed to setup unseal key: crypto/aes: invalid key size %d" % len(combined))
        return combined

    def reset_unseal(self):
        with self.lock:
            if not self.sealed:
                raise bad_request("vault is unsealed")
            self.progress.reset()

    def seal(self):
        with self.lock:
            self.sealed = True
            self.progress.reset()
            self.generate_root = None

    # -- root token generation (vault/generate_root.go) -----------------------------------------

    def generate_root_status(self, otp=None):
        g = self.generate_root
        seal = self.p["seal"] or {}
        out = {"nonce": g["nonce"] if g else "", "started": g is not None,
               "progress": len(g["progress"].parts) if g else 0, "required": seal.get("threshold", 0),
               "complete": False, "encoded_token": "", "encoded_root_token": "",
               "pgp_fingerprint": g["pgp_fingerprint"] if g else ""}
        if otp:
            out["otp"] = otp
        out["otp_length"] = TOKEN_LENGTH
        return out

    def generate_root_init(self, pgp_key):
        with self.lock:
            if self.generate_root is not None:
                raise bad_request("root generation already in progress")
            otp = "" if pgp_key else random_id(TOKEN_LENGTH)
            self.generate_root = {"nonce": str(uuid.uuid4()), "progress": Progress(), "otp": otp,
                                  "pgp_key": pgp_key,
                                  "pgp_fingerprint": pgp.fingerprint(pgp_key) if pgp_key else ""}
            self.generate_root["progress"].nonce = self.generate_root["nonce"]
            return self.generate_root_status(otp=otp)

    def generate_root_update(self, key, nonce):
        with self.lock:
            g = self.generate_root
            if g is None:
                raise bad_request("no root generation in progress")
            if nonce != g["nonce"]:
                raise bad_request("incorrect nonce supplied; nonce for this root generation operation is %s" % g["nonce"])
            if len(key) < KEY_MIN:
                raise invalid_key("key is shorter than minimum %d bytes" % KEY_MIN)
            if len(key) > KEY_MAX:
                raise invalid_key("key is longer than maximum %d bytes" % KEY_MAX)
            prog = g["progress"]
            if not any(hmac.compare_digest(p, key) for p in prog.parts):
                prog.parts.append(key)
            threshold = self.p["seal"]["threshold"]
            if len(prog.parts) < threshold:
                return self.generate_root_status()
            parts = list(prog.parts)
            self.generate_root = None
            try:
                combined = self._combine(parts, threshold)
            except VaultError as e:
                raise VaultError(400, "root generation aborted: unable to authenticate: " + e.texts[0])
            if not hmac.compare_digest(combined, bytes.fromhex(self.p["seal_key"])):
                raise VaultError(400, "root generation aborted: unable to authenticate: " + WRONG_KEY_TEXT)
            token = token_store.create_root(self)
            self.wrote("generate-root", "sys/generate-root/update")
            if g["pgp_key"]:
                encoded = base64.b64encode(pgp.encrypt(g["pgp_key"], token.encode())).decode()
            else:
                xored = bytes(a ^ b for a, b in zip(token.encode(), g["otp"].encode()))
                encoded = base64.b64encode(xored).decode().rstrip("=")     # base64.RawStdEncoding
            out = {"nonce": g["nonce"], "started": True, "progress": threshold, "required": threshold,
                   "complete": True, "encoded_token": encoded, "encoded_root_token": encoded,
                   "pgp_fingerprint": g["pgp_fingerprint"], "otp_length": TOKEN_LENGTH}
            return out

    def generate_root_cancel(self):
        with self.lock:
            self.generate_root = None

    # -- mounts ------------------------------------------------------------------------------

    def find_mount(self, path):
        """The mount serving a logical path: longest matching prefix over both tables."""
        best = None
        for table, prefix in (("mounts", ""), ("auth", "auth/")):
            for mpath, entry in self.p[table].items():
                full = prefix + mpath
                if (path + "/").startswith(full) or path == full.rstrip("/"):
                    if best is None or len(full) > len(best[0]):
                        best = (full, entry)
        return best

    def engine(self, entry):
        return self.p["engines"].setdefault(entry["uuid"], {})

    # -- snapshots ---------------------------------------------------------------------------

    def export(self):
        with self.lock:
            return copy.deepcopy(self.p)

    def restore(self, data):
        with self.lock:
            self.p = copy.deepcopy(data)
            self.progress.reset()
            self.generate_root = None


def new_mount_entry(path, typ, description, options, config, local=False, seal_wrap=False, table="mounts"):
    """vault/mount.go MountEntry as sys/mounts and sys/auth show it."""
    prefix = "auth_%s_" % typ if table == "auth" else "%s_" % typ
    builtin = {"kv": "v0.26.2+builtin", "kubernetes": "v0.24.1+builtin"}.get(typ, "v%s+builtin.vault" % VERSION)
    cfg = {"default_lease_ttl": fields.duration_seconds(config.get("default_lease_ttl", 0), "default_lease_ttl"),
           "max_lease_ttl": fields.duration_seconds(config.get("max_lease_ttl", 0), "max_lease_ttl"),
           "force_no_cache": bool(config.get("force_no_cache", False))}
    if table == "auth":
        cfg["token_type"] = "default-service"
    return {"path": path, "type": typ, "description": description, "accessor": prefix + short_hex(),
            "uuid": str(uuid.uuid4()), "local": local, "seal_wrap": seal_wrap,
            "external_entropy_access": False, "options": options, "config": cfg,
            "plugin_version": "", "running_plugin_version": builtin, "running_sha256": "",
            "table": table}
