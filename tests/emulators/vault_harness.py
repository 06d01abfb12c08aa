"""Test helpers around the Vault API emulator (tests/emulators/vault_api). Standard library only.

    sys.path.insert(0, os.path.join(SF_SOURCE_DIR, "tests", "emulators"))
    from vault_harness import VaultEmulator

    with VaultEmulator() as vault:                 # uninitialised and sealed, like a fresh pod
        keys, root = vault.setup(shares=5, threshold=3)     # sys/init + sys/unseal through the API
        vault.api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}}, token=root)
        ... run the tool against vault.url ...
        assert vault.write_count(since=seq) == 0    # idempotence: nothing changed

README.md ("Vault API emulator") documents every function. All waits are bounded.
"""

import base64
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from emulator_common import harness as _harness  # noqa: E402
from vault_api import pgp as _pgp  # noqa: E402

__all__ = ["VaultEmulator", "EmulatorError", "Response", "pgp_test_key", "pgp_decrypt", "decode_root_token"]


class EmulatorError(_harness.EmulatorError):
    pass


class Response(_harness.Response):
    @property
    def errors(self):
        """Vault's {"errors": [...]}."""
        return self.json().get("errors")


def pgp_test_key(seed=b"test"):
    """A base64 OpenPGP public-key packet (old format, tag 6) the emulator accepts for
    pgp_keys/root_token_pgp_key. Not a usable key: the emulator's "encryption" is a test-only
    transform (README "Not emulated")."""
    body = b"\x04" + int(time.time()).to_bytes(4, "big") + b"\x01" + seed.ljust(32, b"\x00")
    return base64.b64encode(bytes([0x98, len(body)]) + body).decode()


def pgp_decrypt(key_b64, encrypted):
    """Undo the emulator's stand-in for PGP: `encrypted` is a keys[] (hex) or keys_base64[]
    entry, or a base64 root_token. Returns the raw share (or token) bytes."""
    try:
        blob = bytes.fromhex(encrypted)
    except ValueError:
        blob = base64.b64decode(encrypted)
    return _pgp.decrypt(key_b64, blob)


def decode_root_token(encoded_token, otp):
    """What `vault operator generate-root -decode` does for Vault >= 1.10 tokens:
    base64.RawStdEncoding, then XOR with the OTP."""
    raw = base64.b64decode(encoded_token + "=" * (-len(encoded_token) % 4))
    return bytes(a ^ b for a, b in zip(raw, otp.encode())).decode()


class VaultEmulator(_harness.EmulatorProcess):
    """Runs `python3 -m vault_api` in a subprocess. Use as a context manager.

    initialized/unsealed: the state at start (initialized keys come from init_material()).
    faults: rules installed at start (--fault). args: extra command-line flags."""

    # start/stop, log_text, wait_for and the control calls both emulators share (fault, faults,
    # clear_faults, outage, requests_log, clear_requests, state): emulator_common.harness
    error = EmulatorError
    label = "vault emulator"

    def __init__(self, initialized=False, unsealed=False, shares=5, threshold=3, faults=(), args=(),
                 kv_upgrade_seconds=None, enable_unauthenticated_access=(), standby=False, listen_delay=0,
                 tls_cert=None, tls_key=None, tls_client_ca=None, own_client_cert=None, startup_timeout=15,
                 workdir=None):
        self.startup_timeout = startup_timeout
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="vault-emu-")
        self.workdir = workdir or self._tmp.name
        self.proc = None
        self.port = None
        self.tls = bool(tls_cert)
        # tls_client_ca: clients need a certificate it signed; own_client_cert (crt, key) is
        # the one this harness shows for its own calls then.
        self.own_client_cert = own_client_cert
        cmd = [sys.executable, "-m", "vault_api", "--port", "0"]
        if initialized:
            cmd += ["--initialized", "--init-shares", str(shares), "--init-threshold", str(threshold)]
            if unsealed:
                cmd.append("--unsealed")
        if kv_upgrade_seconds is not None:
            cmd += ["--kv-upgrade-seconds", str(kv_upgrade_seconds)]
        for name in enable_unauthenticated_access:
            cmd += ["--enable-unauthenticated-access", name]
        if standby:
            cmd.append("--standby")
        if listen_delay:
            cmd += ["--listen-delay", str(listen_delay)]
        if tls_cert:
            cmd += ["--tls-cert", tls_cert, "--tls-key", tls_key]
            if tls_client_ca:
                cmd += ["--tls-require-and-verify-client-cert", "--tls-client-ca-file", tls_client_ca]
        for f in faults:
            cmd += ["--fault", json.dumps(f)]
        self.cmd = cmd + list(args)
        self.log_path = os.path.join(self.workdir, "vault_api.log")

    def popen_options(self):
        # `python3 -m vault_api` from here, whatever the caller's directory and path
        env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   PYTHONDONTWRITEBYTECODE="1")
        return {"cwd": HERE, "env": env}

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    # -- raw HTTP --

    def connect(self, timeout=10):
        if self.tls:
            import ssl
            context = ssl._create_unverified_context()
            if self.own_client_cert:
                context.load_cert_chain(*self.own_client_cert)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, headers=None, timeout=10, conn=None):
        """One request; `path` is the full path (/v1/...). body: dict (JSON), str or bytes.
        Pass conn= to reuse a keep-alive connection."""
        h = dict(headers or {})
        if token:
            h["X-Vault-Token"] = token
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c = conn or self.connect(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            if conn is None:
                c.close()

    def api(self, method, path, body=None, token=None, **kw):
        """request() under /v1/: api("GET", "sys/health")."""
        return self.request(method, "/v1/" + path.lstrip("/"), body, token, **kw)

    # -- Vault through its own API --

    def init(self, shares=5, threshold=3, **extra):
        r = self.api("PUT", "sys/init", dict(extra, secret_shares=shares, secret_threshold=threshold))
        if r.status != 200:
            raise EmulatorError("sys/init -> %d %s" % (r.status, r.body))
        return r.json()

    def unseal_with(self, keys):
        """Submit keys to sys/unseal one by one; returns the last seal-status document."""
        doc = None
        for k in keys:
            r = self.api("PUT", "sys/unseal", {"key": k})
            if r.status != 200:
                raise EmulatorError("sys/unseal -> %d %s" % (r.status, r.body))
            doc = r.json()
        return doc

    def setup(self, shares=5, threshold=3):
        """Initialise and unseal through the API; returns (keys hex, root token)."""
        out = self.init(shares, threshold)
        self.unseal_with(out["keys"][:threshold])
        return out["keys"], out["root_token"]

    # -- control API --

    def admin(self, method, route, body=None, timeout=10):
        r = self.request(method, "/__emulator/" + route.lstrip("/"), body, timeout=timeout)
        if r.status != 200:
            raise EmulatorError("control %s %s -> %d: %s" % (method, route, r.status, r.body))
        return r.body if r.header("Content-Type") == "application/octet-stream" else r.json()

    def kv(self, mount="secret", path=None):
        """Stored KV keys with their values (no token; test-only)."""
        q = {"mount": mount}
        if path is not None:
            q["path"] = path
        return self.admin("GET", "kv?" + urllib.parse.urlencode(q))

    def put_kv(self, mount, path, data):
        """Write a KV v2 version directly, as another writer would."""
        return self.admin("POST", "kv", {"mount": mount, "path": path, "data": data})

    def init_material(self):
        return self.admin("GET", "init-material")

    def initialize(self, shares=5, threshold=3, unseal=False):
        return self.admin("POST", "initialize", {"shares": shares, "threshold": threshold, "unseal": unseal})

    def seal(self):
        """Seal as a restart would (unseal progress and root generation are dropped)."""
        return self.admin("POST", "seal")

    def restart(self, outage_seconds=None):
        """A pod restart: sealed again; with outage_seconds also refuse connections that long."""
        return self.admin("POST", "restart", {"outage_seconds": outage_seconds} if outage_seconds else {})

    def set_standby(self, standby=True):
        return self.admin("POST", "standby", {"standby": standby})

    def reset(self):
        return self.admin("POST", "reset")

    def configure(self, **kw):
        return self.admin("POST", "config", kw)

    def writes(self, since=0):
        """Changes to stored state after write sequence `since`: [{seq, op, path, time}]."""
        return self.admin("GET", "writes?since=%d" % since)["writes"]

    def write_seq(self):
        return self.admin("GET", "writes?since=0")["write_seq"]

    def write_count(self, since=0):
        return len(self.writes(since))
