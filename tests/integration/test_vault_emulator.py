#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests for tests/emulators/vault_api, the Vault 2.0.x HTTP API emulator vault-seed is
tested against: every status code, error text and document shape it claims (README "Vault API
emulator"), Shamir properties against an independent GF(2^8) implementation, and that every
fault knob really happens. Standard library plus the curl CLI as an independent client.

Run: python3 tests/integration/test_vault_emulator.py
"""

import base64
import gzip
import http.client
import http.server
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

from vault_harness import (VaultEmulator, decode_root_token, pgp_decrypt, pgp_test_key)  # noqa: E402

PD_MULTI = "1 error occurred:\n\t* permission denied\n\n"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ESO_POLICY = '''path "secret/data/platform/*" {
  capabilities = ["read"]
}
path "secret/data/apps/*" {
  capabilities = ["read"]
}
'''


def curl(*args, timeout=10):
    r = subprocess.run(["curl", "-sS", "--max-time", str(timeout)] + list(args), capture_output=True,
                       timeout=timeout + 5)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


class Ready:
    """An initialised, unsealed emulator with a KV v2 mount `secret/` and root token."""

    @classmethod
    def setUpClass(cls):
        cls.vault = VaultEmulator().start()
        cls.keys, cls.root = cls.vault.setup(5, 3)
        r = cls.vault.api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}}, cls.root)
        assert r.status == 204, r

    @classmethod
    def tearDownClass(cls):
        cls.vault.stop()

    def api(self, method, path, body=None, token="root", **kw):
        return self.vault.api(method, path, body, self.root if token == "root" else token, **kw)

    def tearDown(self):
        self.vault.clear_faults()


# ---------------------------------------------------------------------------------------------
# Lifecycle: health, seal-status, init, unseal, seal


class TestHealthAndStatus(unittest.TestCase):
    def test_codes_through_the_lifecycle(self):
        with VaultEmulator() as v:
            r = v.api("GET", "sys/health")
            self.assertEqual(r.status, 501)
            doc = r.json()
            self.assertEqual(list(doc)[:8], ["initialized", "sealed", "standby", "performance_standby",
                                             "replication_performance_mode", "replication_dr_mode",
                                             "server_time_utc", "version"])
            self.assertEqual((doc["initialized"], doc["sealed"], doc["standby"]), (False, True, True))
            self.assertNotIn("cluster_id", doc)
            self.assertEqual(doc["version"], "2.0.4")
            self.assertTrue(r.body.endswith(b"}\n"), "Go's json.Encoder ends with a newline")
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertEqual(r.header("Cache-Control"), "no-store")
            init = v.init(3, 2)
            self.assertEqual(v.api("GET", "sys/health").status, 503)
            self.assertEqual(v.api("GET", "sys/health?sealedcode=299").status, 299)
            self.assertEqual(v.api("GET", "sys/health?uninitcode=200&sealedcode=204").status, 204)
            v.unseal_with(init["keys"][:2])
            r = v.api("GET", "sys/health")
            self.assertEqual(r.status, 200)
            doc = r.json()
            self.assertFalse(doc["sealed"])
            self.assertTrue(UUID.match(doc["cluster_id"]))
            self.assertTrue(doc["cluster_name"].startswith("vault-cluster-"))
            self.assertIs(doc["removed_from_cluster"], False)
            self.assertEqual(v.api("GET", "sys/health?activecode=204").status, 204)
            v.set_standby(True)
            self.assertEqual(v.api("GET", "sys/health").status, 429)
            self.assertEqual(v.api("GET", "sys/health?standbyok=true").status, 200)
            self.assertEqual(v.api("GET", "sys/health?standbycode=200").status, 200)
            self.assertTrue(v.api("GET", "sys/health").json()["ha_connection_healthy"])

    def test_bad_parameters_and_methods(self):
        with VaultEmulator() as v:
            for q in ("sealedcode=abc", "uninitcode=", "activecode=2x", "standbyok=maybe"):
                r = v.api("GET", "sys/health?" + q)
                self.assertEqual((r.status, r.body), (400, b'{"errors":[]}\n'), q)
            self.assertEqual(v.api("GET", "sys/health?uninitcode=%2B200").status, 200, "strconv.Atoi takes a sign")
            r = v.api("POST", "sys/health")
            self.assertEqual((r.status, r.json()), (405, {"errors": []}))
            r = v.api("HEAD", "sys/health")
            self.assertEqual((r.status, r.body), (501, b""))
            self.assertEqual(v.api("HEAD", "sys/health?uninitcode=200").status, 200)
            self.assertEqual(v.api("POST", "sys/seal-status").status, 405)

    def test_seal_status_document(self):
        with VaultEmulator() as v:
            doc = v.api("GET", "sys/seal-status").json()
            self.assertEqual(doc, {"type": "shamir", "initialized": False, "sealed": True, "t": 0, "n": 0,
                                   "progress": 0, "nonce": "", "version": "2.0.4", "build_date": doc["build_date"],
                                   "migration": False, "recovery_seal": False, "storage_type": "raft"})
            keys, _ = v.setup(5, 3)
            doc = v.api("GET", "sys/seal-status").json()
            self.assertEqual(list(doc), ["type", "initialized", "sealed", "t", "n", "progress", "nonce", "version",
                                         "build_date", "migration", "cluster_name", "cluster_id", "recovery_seal",
                                         "storage_type", "removed_from_cluster"])
            self.assertEqual((doc["t"], doc["n"], doc["sealed"], doc["progress"]), (3, 5, False, 0))

    def test_curl_as_independent_client(self):
        with VaultEmulator() as v:
            rc, out, err = curl("-o", "/dev/null", "-w", "%{http_code}", "-I", v.url + "/v1/sys/health")
            self.assertEqual((rc, out), (0, b"501"), err)
            rc, out, err = curl("-X", "PUT", "--data", '{"secret_shares":1,"secret_threshold":1}',
                                v.url + "/v1/sys/init")
            self.assertEqual(rc, 0, err)
            doc = json.loads(out)
            self.assertEqual(len(doc["keys"][0]), 64, "one share is the 32-byte key itself")
            rc, out, err = curl("-X", "PUT", "--data", json.dumps({"key": doc["keys_base64"][0]}),
                                v.url + "/v1/sys/unseal")
            self.assertFalse(json.loads(out)["sealed"], out)


class TestInit(unittest.TestCase):
    def test_validation_texts(self):
        with VaultEmulator() as v:
            cases = [({}, "invalid seal configuration: shares must be at least one"),
                     ({"secret_shares": 5}, "invalid seal configuration: threshold must be at least one"),
                     ({"secret_shares": 5, "secret_threshold": 1},
                      "invalid seal configuration: threshold must be greater than one for multiple shares"),
                     ({"secret_shares": 3, "secret_threshold": 4},
                      "invalid seal configuration: threshold cannot be larger than shares"),
                     ({"secret_shares": 256, "secret_threshold": 3}, "invalid seal configuration: shares must be less than 256"),
                     ({"secret_shares": 3, "secret_threshold": 2, "pgp_keys": [pgp_test_key()]},
                      "invalid seal configuration: count mismatch between number of provided PGP keys and number of shares"),
                     ({"secret_shares": 1, "secret_threshold": 1, "pgp_keys": ["not base64!"]},
                      "invalid seal configuration: error decoding given PGP key: illegal base64 data at input byte 3"),
                     ({"secret_shares": 1, "secret_threshold": 1, "pgp_keys": [base64.b64encode(b"plain").decode()]},
                      "invalid seal configuration: error parsing given PGP key: openpgp: invalid data: tag byte does not have MSB set"),
                     ({"secret_shares": 5, "secret_threshold": 3, "recovery_shares": 5},
                      "parameters recovery_shares not applicable to seal type shamir"),
                     ({"secret_shares": "5", "secret_threshold": 3},
                      "failed to parse JSON input: json: cannot unmarshal string into Go struct field "
                      "InitRequest.secret_shares of type int")]
            for body, text in cases:
                r = v.api("PUT", "sys/init", body)
                self.assertEqual((r.status, r.json()), (400, {"errors": [text]}), body)
            self.assertEqual(v.api("GET", "sys/init").json(), {"initialized": False})
            self.assertEqual(v.write_count(), 0, "a refused init changes nothing")

    def test_init_once_and_share_format(self):
        with VaultEmulator() as v:
            r = v.api("POST", "sys/init", {"secret_shares": 5, "secret_threshold": 3})
            self.assertEqual(r.status, 200)
            doc = r.json()
            self.assertEqual(list(doc), ["keys", "keys_base64", "root_token"])
            self.assertEqual(len(doc["keys"]), 5)
            for hx, b64 in zip(doc["keys"], doc["keys_base64"]):
                self.assertRegex(hx, r"^[0-9a-f]{66}$")
                self.assertEqual(len(b64), 44)
                self.assertEqual(base64.b64decode(b64), bytes.fromhex(hx))
            self.assertEqual(len({k[-2:] for k in doc["keys"]}), 5, "x coordinates (last byte) are distinct")
            self.assertRegex(doc["root_token"], r"^hvs\.[0-9A-Za-z]{24}$")
            self.assertEqual(v.api("GET", "sys/init").json(), {"initialized": True})
            r = v.api("PUT", "sys/init", {"secret_shares": 5, "secret_threshold": 3})
            self.assertEqual((r.status, r.json()), (400, {"errors": ["Vault is already initialized"]}))
            r = v.api("PUT", "sys/init", {"secret_shares": 3, "secret_threshold": 4})
            self.assertIn("threshold cannot be larger", r.errors[0], "validation comes before the init check")
            self.assertEqual([w["op"] for w in v.writes()], ["init"])

    def test_pgp_keys_are_checked_and_shares_transformed(self):
        with VaultEmulator() as v:
            pk = [pgp_test_key(b"a"), pgp_test_key(b"b")]
            rk = pgp_test_key(b"root")
            doc = v.init(2, 2, pgp_keys=pk, root_token_pgp_key=rk)
            shares = [pgp_decrypt(k, e) for k, e in zip(pk, doc["keys"])]
            self.assertEqual([pgp_decrypt(k, e) for k, e in zip(pk, doc["keys_base64"])], shares)
            self.assertTrue(all(len(s) == 33 for s in shares))
            with self.assertRaises(ValueError):
                pgp_decrypt(pk[1], doc["keys"][0])
            root = pgp_decrypt(rk, doc["root_token"]).decode()
            self.assertRegex(root, r"^hvs\.")
            v.unseal_with([s.hex() for s in shares])
            self.assertEqual(v.api("GET", "auth/token/lookup-self", token=root).status, 200)


# ---------------------------------------------------------------------------------------------
# Shamir


def _ref_mul(a, b):
    """Carry-less multiply then reduce mod x^8+x^4+x^3+x+1 (a different algorithm from the
    emulator's log tables)."""
    p = 0
    for i in range(8):
        if b >> i & 1:
            p ^= a << i
    for bit in range(14, 7, -1):
        if p >> bit & 1:
            p ^= 0x11B << (bit - 8)
    return p


def _ref_inv(a):
    return next(x for x in range(1, 256) if _ref_mul(a, x) == 1)


def _ref_intercept(points):
    """Solve for the polynomial through `points` by Gaussian elimination over GF(2^8) and
    return its value at 0 (the secret byte)."""
    n = len(points)
    rows = [[1] + [0] * (n - 1) for _ in range(n)]
    for r, (x, _y) in enumerate(points):
        v = 1
        for c in range(n):
            rows[r][c] = v
            v = _ref_mul(v, x)
        rows[r].append(points[r][1])
    for col in range(n):
        piv = next(r for r in range(col, n) if rows[r][col])
        rows[col], rows[piv] = rows[piv], rows[col]
        inv = _ref_inv(rows[col][col])
        rows[col] = [_ref_mul(inv, x) for x in rows[col]]
        for r in range(n):
            if r != col and rows[r][col]:
                f = rows[r][col]
                rows[r] = [a ^ _ref_mul(f, b) for a, b in zip(rows[r], rows[col])]
    return rows[0][n]


class TestShamir(unittest.TestCase):
    def test_field_known_answers(self):
        from vault_api import shamir
        self.assertEqual(shamir.mult(0x57, 0x83), 0xC1, "FIPS-197 section 4.2 example")
        for a in range(256):
            for b in (1, 2, 3, 0x53, 0xCA, 0xFF):
                self.assertEqual(shamir.mult(a, b), _ref_mul(a, b))
        self.assertEqual(_ref_mul(0x53, 0xCA), 1, "FIPS-197: {53}^-1 = {CA}")

    def test_shares_lie_on_a_polynomial_through_the_secret(self):
        from vault_api import shamir
        secret = os.urandom(32)
        shares = shamir.split(secret, 5, 3)
        for combo in itertools.combinations(shares, 3):
            got = bytes(_ref_intercept([(s[-1], s[i]) for s in combo]) for i in range(32))
            self.assertEqual(got, secret)
        # four points of a degree-2 polynomial: the 4-point fit has the same intercept
        got4 = bytes(_ref_intercept([(s[-1], s[i]) for s in shares[:4]]) for i in range(32))
        self.assertEqual(got4, secret)
        self.assertNotEqual(shamir.combine(shares[:2]), secret)
        with self.assertRaisesRegex(ValueError, "duplicate part detected"):
            shamir.combine([shares[0], shares[0], shares[1]])
        with self.assertRaisesRegex(ValueError, "all parts must be the same length"):
            shamir.combine([shares[0], shares[1][:-2]])

    def test_any_t_of_n_unseal_and_fewer_do_not(self):
        with VaultEmulator() as v:
            keys, root = v.setup(5, 3)
            combos = list(itertools.combinations(range(5), 3))
            self.assertEqual(len(combos), 10)
            for combo in combos:
                self.assertEqual(v.api("PUT", "sys/seal", token=root).status, 204)
                doc = None
                for n, i in enumerate(combo):
                    enc = keys[i] if n % 2 else base64.b64encode(bytes.fromhex(keys[i])).decode()
                    doc = v.api("PUT", "sys/unseal", {"key": enc}).json()
                    if n < 2:
                        self.assertTrue(doc["sealed"])
                        self.assertEqual(doc["progress"], n + 1)
                self.assertFalse(doc["sealed"], combo)
                self.assertEqual((doc["progress"], doc["nonce"]), (0, ""))

    def test_wrong_repeated_and_malformed_shares(self):
        with VaultEmulator() as v:
            keys, root = v.setup(5, 3)
            v.api("PUT", "sys/seal", token=root)
            first = v.api("PUT", "sys/unseal", {"key": keys[0]}).json()
            nonce = first["nonce"]
            self.assertTrue(UUID.match(nonce))
            again = v.api("PUT", "sys/unseal", {"key": base64.b64encode(bytes.fromhex(keys[0])).decode()}).json()
            self.assertEqual((again["progress"], again["nonce"]), (1, nonce), "a repeated share is ignored")
            v.api("PUT", "sys/unseal", {"key": keys[1]})
            bad = bytearray(bytes.fromhex(keys[2]))
            bad[0] ^= 0x01
            r = v.api("PUT", "sys/unseal", {"key": bad.hex()})
            self.assertEqual(r.status, 400)
            self.assertEqual(r.errors, ["unable to retrieve stored keys: invalid key: failed to decrypt keys from "
                                        "storage: error decrypting seal wrapped value\nerror decrypting using seal "
                                        "shamir: cipher: message authentication failed"])
            doc = v.api("GET", "sys/seal-status").json()
            self.assertEqual((doc["sealed"], doc["progress"], doc["nonce"]), (True, 0, ""), "progress starts over")
            cases = [({}, "'key' must be specified in request body as JSON, or 'reset' set to true"),
                     ({"key": "zz!"}, "'key' must be a valid hex or base64 string"),
                     ({"key": "abcd"}, "invalid key: key is shorter than minimum 16 bytes"),
                     ({"key": "ab" * 40}, "invalid key: key is longer than maximum 33 bytes")]
            for body, text in cases:
                r = v.api("PUT", "sys/unseal", body)
                self.assertEqual((r.status, r.errors), (400, [text]), body)
            v.api("PUT", "sys/unseal", {"key": keys[0]})
            v.api("PUT", "sys/unseal", {"key": keys[1]})
            r = v.api("PUT", "sys/unseal", {"key": keys[2][:-2]})
            self.assertEqual(r.errors, ["invalid key: failed to compute combined key: all parts must be the same length"])
            v.api("PUT", "sys/unseal", {"key": keys[3]})
            doc = v.api("PUT", "sys/unseal", {"reset": True}).json()
            self.assertEqual((doc["progress"], doc["nonce"]), (0, ""))
            v.unseal_with(keys[2:5])
            r = v.api("PUT", "sys/unseal", {"reset": True})
            self.assertEqual((r.status, r.errors), (400, ["vault is unsealed"]))
            self.assertEqual(v.api("PUT", "sys/unseal", {"key": keys[0]}).json()["sealed"], False,
                             "a key sent to an unsealed Vault just returns the status")

    def test_unseal_before_init(self):
        with VaultEmulator() as v:
            r = v.api("PUT", "sys/unseal", {"key": "ab" * 33})
            self.assertEqual((r.status, r.errors), (400, ["Vault is not initialized"]))


class TestSealAndRestart(unittest.TestCase):
    def test_seal_needs_sudo_and_restart_keeps_data(self):
        with VaultEmulator() as v:
            keys, root = v.setup(3, 2)
            v.api("PUT", "sys/policies/acl/reader", {"policy": 'path "sys/seal" { capabilities = ["update"] }'}, root)
            tok = v.api("POST", "auth/token/create", {"policies": ["reader"]}, root).json()["auth"]["client_token"]
            self.assertEqual(v.api("PUT", "sys/seal").json(), {"errors": ["permission denied"]})
            r = v.api("PUT", "sys/seal", token=tok)
            self.assertEqual((r.status, r.errors), (403, [PD_MULTI]), "sys/seal needs sudo")
            v.api("POST", "sys/mounts/secret", {"type": "kv-v2"}, root)
            v.api("POST", "secret/data/a", {"data": {"k": "v"}}, root)
            before = v.write_seq()
            v.restart()
            self.assertTrue(v.api("GET", "sys/seal-status").json()["sealed"])
            r = v.api("GET", "secret/data/a", token=root)
            self.assertEqual((r.status, r.json()), (503, {"errors": ["Vault is sealed"]}))
            v.unseal_with(keys[:2])
            self.assertEqual(v.api("GET", "secret/data/a", token=root).json()["data"]["data"], {"k": "v"})
            self.assertEqual(v.write_count(since=before), 0, "a restart and an unseal write nothing")
            self.assertEqual(v.api("PUT", "sys/seal", token=root).status, 204)
            self.assertEqual(v.api("GET", "sys/health").status, 503)


# ---------------------------------------------------------------------------------------------
# Envelope, tokens, ACL


class TestEnvelope(Ready, unittest.TestCase):
    def test_fields_and_204(self):
        r = self.api("PUT", "sys/policies/acl/x", {"policy": ESO_POLICY})
        self.assertEqual((r.status, r.body), (204, b""))
        r = self.api("GET", "sys/policies/acl/x")
        doc = r.json()
        self.assertEqual(list(doc), ["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
                                     "warnings", "auth", "mount_type"])
        self.assertTrue(UUID.match(doc["request_id"]))
        self.assertEqual((doc["lease_id"], doc["renewable"], doc["lease_duration"], doc["wrap_info"],
                          doc["warnings"], doc["auth"], doc["mount_type"]), ("", False, 0, None, None, None, "system"))
        self.assertEqual(doc["data"], {"name": "x", "policy": ESO_POLICY})
        self.assertNotEqual(doc["request_id"], self.api("GET", "sys/policies/acl/x").json()["request_id"])

    def test_go_json_escaping_and_framing(self):
        self.api("POST", "secret/data/esc", {"data": {"v": "<a&b>\u2028"}})
        r = self.api("GET", "secret/data/esc")
        self.assertIn(b'"v":"\\u003ca\\u0026b\\u003e\\u2028"', r.body)
        self.assertEqual(r.json()["data"]["data"]["v"], "<a&b>\u2028")
        self.assertEqual(r.header("Content-Length"), str(len(r.body)))
        big = {"data": {"k%03d" % i: "x" * 40 for i in range(80)}}
        self.api("POST", "secret/data/big", big)
        r = self.api("GET", "secret/data/big")
        self.assertEqual(r.header("Transfer-Encoding"), "chunked", "Go chunks bodies over 2 KiB")
        self.assertEqual(r.json()["data"]["data"], big["data"])

    def test_keep_alive_and_methods(self):
        c = self.vault.connect()
        try:
            for _ in range(3):
                self.assertEqual(self.vault.request("GET", "/v1/sys/health", conn=c).status, 200)
        finally:
            c.close()
        conns = {e["conn"] for e in self.vault.requests_log(path_prefix="/v1/sys/health")[-3:]}
        self.assertEqual(len(conns), 1, "three requests over one connection")
        r = self.api("OPTIONS", "sys/mounts")
        self.assertEqual((r.status, r.json()), (405, {"errors": []}))
        r = self.api("PUT", "sys/mounts/x", b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual((r.status, r.errors), (400, ["error parsing JSON"]))
        r = self.vault.request("GET", "/nope")
        self.assertEqual((r.status, r.body), (404, b"404 page not found\n"))

    def test_no_route_and_unsupported(self):
        r = self.api("GET", "nothing/here")
        self.assertEqual((r.status, r.errors), (404, ['no handler for route "nothing/here". route entry not found.']))
        r = self.api("GET", "sys/not-a-thing")
        self.assertEqual((r.status, r.errors), (404, ["1 error occurred:\n\t* unsupported path\n\n"]))

    def test_namespace_header_is_ignored(self):
        r = self.api("GET", "sys/mounts", headers={"X-Vault-Namespace": "team-a"})
        self.assertEqual(r.status, 200)
        self.assertIn("secret/", r.json()["data"])
        self.assertEqual(self.vault.requests_log(path_prefix="/v1/sys/mounts")[-1]["namespace"], "team-a")


class TestTokensAndACL(Ready, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        v, root = cls.vault, cls.root
        v.api("PUT", "sys/policies/acl/external-secrets-read", {"policy": ESO_POLICY}, root)
        v.api("POST", "secret/data/platform/opencost/basic-auth", {"data": {"username": "u", "password": "p"}}, root)
        v.api("POST", "secret/data/other", {"data": {"x": "y"}}, root)
        cls.eso = v.api("POST", "auth/token/create", {"policies": ["external-secrets-read"], "ttl": "1h"},
                        root).json()["auth"]

    def test_create_response(self):
        a = self.eso
        self.assertEqual(list(a), ["client_token", "accessor", "policies", "token_policies", "metadata",
                                   "lease_duration", "renewable", "entity_id", "token_type", "orphan",
                                   "mfa_requirement", "num_uses"])
        self.assertEqual(a["policies"], ["default", "external-secrets-read"])
        self.assertEqual((a["lease_duration"], a["renewable"], a["token_type"], a["orphan"]), (3600, True, "service", False))
        r = self.api("POST", "auth/token/create", {"policies": ["x"]})
        doc = r.json()
        self.assertEqual((doc["data"], doc["auth"]["lease_duration"], doc["mount_type"]), (None, 768 * 3600, "token"))

    def test_policy_allows_and_denies(self):
        tok = self.eso["client_token"]
        r = self.api("GET", "secret/data/platform/opencost/basic-auth", token=tok)
        self.assertEqual(r.json()["data"]["data"], {"username": "u", "password": "p"})
        for method, path, body in (("GET", "secret/data/other", None), ("GET", "secret/metadata/platform", None),
                                   ("POST", "secret/data/platform/opencost/basic-auth", {"data": {"a": "b"}}),
                                   ("GET", "sys/mounts", None)):
            r = self.api(method, path, body, token=tok)
            self.assertEqual((r.status, r.body), (403, b'{"errors":["1 error occurred:\\n\\t* permission denied\\n\\n"]}\n'),
                             path)
        r = self.vault.api("GET", "secret/data/platform/opencost/basic-auth",
                           headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status, 200, "Authorization: Bearer works as X-Vault-Token")
        r = self.vault.api("GET", "secret/data/other")
        self.assertEqual((r.status, r.json()), (403, {"errors": ["permission denied"]}))
        r = self.vault.api("GET", "secret/data/other", token="hvs.bogus")
        self.assertEqual((r.status, r.errors), (403, ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]))

    def test_lookup_self_and_revoke(self):
        root_doc = self.api("GET", "auth/token/lookup-self").json()["data"]
        self.assertEqual((root_doc["policies"], root_doc["ttl"], root_doc["expire_time"], root_doc["orphan"],
                          root_doc["path"], root_doc["display_name"]),
                         (["root"], 0, None, True, "auth/token/root", "root"))
        self.api("PUT", "sys/policies/acl/creator", {"policy": 'path "auth/token/create" { capabilities = ["update"] }'})
        parent = self.api("POST", "auth/token/create", {"policies": ["external-secrets-read", "creator"]}).json()["auth"]["client_token"]
        r = self.api("POST", "auth/token/create", {}, token=self.eso["client_token"])
        self.assertEqual(r.status, 403, "the default policy does not allow creating tokens")
        child = self.api("POST", "auth/token/create", {"ttl": "10m"}, token=parent).json()["auth"]
        self.assertEqual(child["policies"], ["creator", "default", "external-secrets-read"], "inherits the parent's policies")
        d = self.api("GET", "auth/token/lookup-self", token=child["client_token"]).json()["data"]
        self.assertEqual((d["creation_ttl"], d["orphan"], d["display_name"]), (600, False, "token"))
        self.assertTrue(d["expire_time"].endswith("Z"))
        r = self.api("POST", "auth/token/create", {"policies": ["other"]}, token=parent)
        self.assertEqual((r.status, r.errors), (400, ["child policies must be subset of parent"]))
        r = self.api("POST", "auth/token/create", {"no_parent": True}, token=parent)
        self.assertEqual(r.errors, ["root or sudo privileges required to create orphan token"])
        self.assertEqual(self.api("POST", "auth/token/revoke", {"token": parent}).status, 204)
        self.assertEqual(self.api("GET", "auth/token/lookup-self", token=child["client_token"]).status, 403,
                         "revoking a token revokes its children")
        t = self.api("POST", "auth/token/create", {"no_parent": True}).json()["auth"]
        self.assertTrue(t["orphan"])
        self.assertEqual(self.api("POST", "auth/token/revoke-self", token=t["client_token"]).status, 204)
        self.assertEqual(self.api("GET", "auth/token/lookup-self", token=t["client_token"]).status, 403)

    def test_ttl_expiry(self):
        t = self.api("POST", "auth/token/create", {"ttl": "1s"}).json()["auth"]["client_token"]
        self.assertEqual(self.api("GET", "auth/token/lookup-self", token=t).status, 200)
        time.sleep(1.3)
        r = self.api("GET", "auth/token/lookup-self", token=t)
        self.assertEqual(r.status, 403)
        self.assertIn("invalid token", r.errors[0])

    def test_create_versus_update_and_globs(self):
        pol = '''
path "secret/data/new/*" { capabilities = ["create"] }
path "secret/data/+/fixed" { capabilities = ["read"] }
path "secret/data/a/*" { capabilities = ["read"] }
path "secret/data/a/deny" { capabilities = ["deny"] }
path "secret/metadata/" { capabilities = ["list"] }
'''
        self.assertEqual(self.api("PUT", "sys/policies/acl/writer", {"policy": pol}).status, 204)
        tok = self.api("POST", "auth/token/create", {"policies": ["writer"]}).json()["auth"]["client_token"]
        self.assertEqual(self.api("POST", "secret/data/new/one", {"data": {"a": "1"}}, token=tok).status, 200)
        r = self.api("POST", "secret/data/new/one", {"data": {"a": "2"}}, token=tok)
        self.assertEqual(r.status, 403, "overwriting needs update, not create")
        self.api("POST", "secret/data/b/fixed", {"data": {"a": "1"}})
        self.assertEqual(self.api("GET", "secret/data/b/fixed", token=tok).status, 200, "+ matches one segment")
        self.assertEqual(self.api("GET", "secret/data/b/c/fixed", token=tok).status, 403)
        self.api("POST", "secret/data/a/deny", {"data": {"a": "1"}})
        self.api("POST", "secret/data/a/ok", {"data": {"a": "1"}})
        self.assertEqual(self.api("GET", "secret/data/a/ok", token=tok).status, 200)
        self.assertEqual(self.api("GET", "secret/data/a/deny", token=tok).status, 403, "exact deny beats the glob")
        self.assertEqual(self.api("LIST", "secret/metadata", token=tok).status, 200, "LIST adds the trailing slash")
        caps = self.api("POST", "sys/capabilities-self", {"paths": ["secret/data/new/x"]}, token=tok).json()["data"]
        self.assertEqual(caps["capabilities"], ["create"])

    def test_sudo_paths(self):
        pol = 'path "sys/auth/*" { capabilities = ["create", "update", "read"] }\npath "sys/audit/*" { capabilities = ["sudo", "update"] }'
        self.api("PUT", "sys/policies/acl/auth-admin", {"policy": pol})
        tok = self.api("POST", "auth/token/create", {"policies": ["auth-admin"]}).json()["auth"]["client_token"]
        r = self.api("POST", "sys/auth/k8s-nosudo", {"type": "kubernetes"}, token=tok)
        self.assertEqual((r.status, r.errors), (403, [PD_MULTI]), "sys/auth/* needs sudo")
        r = self.api("PUT", "sys/audit/f", {"type": "file", "options": {"file_path": "/tmp/x"}}, token=tok)
        self.assertEqual(r.status, 204)
        self.api("DELETE", "sys/audit/f")


# ---------------------------------------------------------------------------------------------
# Mounts, KV


class TestMounts(Ready, unittest.TestCase):
    def test_list_and_read(self):
        doc = self.api("GET", "sys/mounts").json()
        self.assertLessEqual({"cubbyhole/", "identity/", "secret/", "sys/"}, set(doc["data"]))
        self.assertEqual(doc["data"]["sys/"]["type"], "system")
        self.assertEqual(doc["secret/"], doc["data"]["secret/"], "sys/mounts also repeats data at the top level")
        s = doc["data"]["secret/"]
        self.assertEqual((s["type"], s["options"], s["config"]), ("kv", {"version": "2"},
                                                                  {"default_lease_ttl": 0, "force_no_cache": False,
                                                                   "max_lease_ttl": 0}))
        self.assertRegex(s["accessor"], r"^kv_[0-9a-f]{8}$")
        self.assertEqual(self.api("GET", "sys/mounts/secret").json()["data"], s)
        r = self.api("GET", "sys/mounts/nope")
        self.assertEqual((r.status, r.errors), (400, ["No secret engine mount at nope/"]))

    def test_enable_errors(self):
        r = self.api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
        self.assertEqual((r.status, r.json()), (400, {"errors": ["path is already in use at secret/"]}))
        r = self.api("POST", "sys/mounts/secret/nested", {"type": "kv"})
        self.assertEqual(r.errors, ["existing mount at secret/"])
        self.assertEqual(self.api("POST", "sys/mounts/x", {}).errors, ["backend type must be specified as a string"])
        self.assertEqual(self.api("POST", "sys/mounts/x", {"type": "nope"}).errors, ["plugin not found in the catalog: nope"])

    def test_kv_v1_versus_v2_and_tune(self):
        self.assertEqual(self.api("POST", "sys/mounts/v1", {"type": "kv"}).status, 204)
        self.assertIsNone(self.api("GET", "sys/mounts/v1").json()["data"]["options"])
        self.assertEqual(self.api("POST", "v1/app", {"a": "b"}).status, 204)
        doc = self.api("GET", "v1/app").json()
        self.assertEqual((doc["data"], doc["lease_duration"]), ({"a": "b"}, 768 * 3600))
        self.assertEqual(self.api("LIST", "v1").json()["data"]["keys"], ["app"])
        self.assertEqual(self.api("POST", "sys/mounts/v2", {"type": "kv-v2", "description": "d"}).status, 204)
        self.assertEqual(self.api("GET", "sys/mounts/v2").json()["data"]["options"], {"version": "2"})
        self.assertEqual(self.api("POST", "sys/mounts/v3", {"type": "kv", "options": {"version": 2}}).status, 204)
        self.assertEqual(self.api("GET", "sys/mounts/v3").json()["data"]["options"], {"version": "2"},
                         "a numeric version is stored as a string")
        tune = self.api("GET", "sys/mounts/v2/tune").json()["data"]
        self.assertEqual((tune["default_lease_ttl"], tune["max_lease_ttl"], tune["description"]), (2764800, 2764800, "d"))
        self.assertEqual(self.api("POST", "sys/mounts/v2/tune", {"max_lease_ttl": "1h"}).status, 204)
        self.assertEqual(self.api("GET", "sys/mounts/v2/tune").json()["data"]["max_lease_ttl"], 3600)
        self.assertEqual(self.api("POST", "sys/mounts/v1/tune", {"options": {"version": "2"}}).status, 204)
        self.assertEqual(self.api("POST", "v1/data/x", {"data": {"a": "b"}}).json()["data"]["version"], 1,
                         "tuned to version 2")
        self.assertEqual(self.api("DELETE", "sys/mounts/v3").status, 204)
        self.assertNotIn("v3/", self.api("GET", "sys/mounts").json()["data"])

    def test_upgrade_window(self):
        self.vault.configure(kv_upgrade_seconds=0.6)
        try:
            self.api("POST", "sys/mounts/slow", {"type": "kv-v2"})
            r = self.api("POST", "slow/data/a", {"data": {"a": "b"}})
            self.assertEqual((r.status, r.errors), (400, [
                "Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief "
                "period and will resume service shortly."]))
            time.sleep(0.7)
            self.assertEqual(self.api("POST", "slow/data/a", {"data": {"a": "b"}}).status, 200)
        finally:
            self.vault.configure(kv_upgrade_seconds=0)


class TestKV(Ready, unittest.TestCase):
    CAS = "check-and-set parameter did not match the current version"

    def test_write_read_versions_and_cas(self):
        r = self.api("POST", "secret/data/app/db", {"options": {"cas": 0}, "data": {"password": "p1"}})
        self.assertEqual(r.status, 200)
        d = r.json()["data"]
        self.assertEqual(sorted(d), ["created_time", "custom_metadata", "deletion_time", "destroyed", "version"])
        self.assertEqual((d["version"], d["deletion_time"], d["destroyed"], d["custom_metadata"]), (1, "", False, None))
        self.assertRegex(d["created_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
        self.assertEqual(r.json()["mount_type"], "kv")
        r = self.api("POST", "secret/data/app/db", {"options": {"cas": 0}, "data": {"password": "p2"}})
        self.assertEqual((r.status, r.body), (400, b'{"errors":["' + self.CAS.encode() + b'"]}\n'))
        self.assertEqual(self.api("POST", "secret/data/app/db", {"options": {"cas": "x"}, "data": {}}).errors,
                         ["error parsing check-and-set parameter"])
        self.assertEqual(self.api("POST", "secret/data/app/db", {"options": {"cas": 1}, "data": {"password": "p2"}})
                         .json()["data"]["version"], 2)
        self.assertEqual(self.api("GET", "secret/data/app/db").json()["data"]["data"], {"password": "p2"})
        old = self.api("GET", "secret/data/app/db?version=1").json()["data"]
        self.assertEqual((old["data"], old["metadata"]["version"]), ({"password": "p1"}, 1))
        self.assertEqual(self.api("POST", "secret/data/app/db", {"options": {}}).errors, ["no data provided"])
        r = self.api("GET", "secret/data/app/missing")
        self.assertEqual((r.status, r.body), (404, b'{"errors":[]}\n'))
        self.assertEqual(self.api("GET", "secret/data/app/db?version=9").status, 404)

    def test_cas_required(self):
        self.api("POST", "sys/mounts/strict", {"type": "kv-v2"})
        self.assertEqual(self.api("POST", "strict/config", {"cas_required": True, "max_versions": 3}).status, 204)
        cfg = self.api("GET", "strict/config").json()["data"]
        self.assertEqual(cfg, {"cas_required": True, "delete_version_after": "0s", "max_versions": 3})
        r = self.api("POST", "strict/data/a", {"data": {"a": "b"}})
        self.assertEqual((r.status, r.errors), (400, ["check-and-set parameter required for this call"]))
        self.assertEqual(self.api("POST", "strict/data/a", {"options": {"cas": 0}, "data": {"a": "b"}}).status, 200)
        r = self.api("POST", "strict/metadata/a", {"cas_required": False})
        self.assertEqual(r.json()["warnings"], ['"cas_required" set to false, but is mandated by backend config. '
                                                "This value will be ignored."])
        self.api("POST", "secret/metadata/percas", {"cas_required": True})
        self.assertEqual(self.api("POST", "secret/data/percas", {"data": {"a": "b"}}).errors,
                         ["check-and-set parameter required for this call"])
        self.assertEqual(self.api("POST", "secret/data/percas", {"options": {"cas": 0}, "data": {"a": "b"}}).status, 200,
                         "metadata written first: the key has version 0")
        for i in range(2, 6):
            self.api("POST", "strict/data/a", {"options": {"cas": i - 1}, "data": {"n": i}})
        m = self.api("GET", "strict/metadata/a").json()["data"]
        self.assertEqual((m["current_version"], m["oldest_version"], sorted(m["versions"], key=int)), (5, 3, ["3", "4", "5"]))

    def test_soft_delete_destroy_and_metadata(self):
        self.api("POST", "secret/data/sd", {"data": {"a": "1"}})
        self.api("POST", "secret/data/sd", {"data": {"a": "2"}})
        self.assertEqual(self.api("DELETE", "secret/data/sd").status, 204)
        r = self.api("GET", "secret/data/sd")
        self.assertEqual(r.status, 404)
        self.assertFalse(r.body.endswith(b"\n"), "RespondWithStatusCode bodies come from json.Marshal")
        doc = r.json()
        self.assertIsNone(doc["data"]["data"])
        self.assertEqual((doc["data"]["metadata"]["version"], doc["data"]["metadata"]["destroyed"]), (2, False))
        self.assertNotEqual(doc["data"]["metadata"]["deletion_time"], "")
        self.assertEqual(doc["mount_type"], "")
        r = self.api("POST", "secret/data/sd", {"options": {"cas": 0}, "data": {"a": "3"}})
        self.assertEqual(r.errors, [self.CAS], "cas=0 keeps failing while the metadata exists")
        self.assertEqual(self.api("POST", "secret/undelete/sd", {"versions": [2]}).status, 204)
        self.assertEqual(self.api("GET", "secret/data/sd").json()["data"]["data"], {"a": "2"})
        self.assertEqual(self.api("POST", "secret/destroy/sd", {"versions": "1,2"}).status, 204)
        r = self.api("GET", "secret/data/sd?version=1")
        self.assertEqual((r.status, r.json()["data"]["metadata"]["destroyed"]), (404, True))
        self.assertEqual(self.api("POST", "secret/delete/sd", {}).errors, ["No version number provided"])
        self.assertEqual(self.api("POST", "secret/destroy/sd", {}).errors, ["no version number provided"])
        m = self.api("GET", "secret/metadata/sd").json()["data"]
        self.assertEqual(sorted(m), ["cas_required", "created_time", "current_version", "custom_metadata",
                                     "delete_version_after", "last_updated_by", "max_versions", "oldest_version",
                                     "updated_time", "versions"])
        self.assertEqual(m["versions"]["1"]["created_by"], {"actor": "root", "operation": "create"})
        self.assertEqual(m["versions"]["2"]["created_by"]["operation"], "update")
        self.assertEqual(self.api("DELETE", "secret/metadata/sd").status, 204)
        self.assertEqual(self.api("GET", "secret/metadata/sd").status, 404)
        self.assertEqual(self.api("POST", "secret/data/sd", {"options": {"cas": 0}, "data": {"a": "4"}})
                         .json()["data"]["version"], 1)

    def test_list_and_invalid_paths_and_warnings(self):
        for p in ("l/a", "l/b", "l/dir/c"):
            self.api("POST", "secret/data/" + p, {"data": {"x": "y"}})
        self.assertEqual(self.api("LIST", "secret/metadata/l").json()["data"]["keys"], ["a", "b", "dir/"])
        self.assertEqual(self.api("GET", "secret/metadata/l/?list=true").json()["data"]["keys"], ["a", "b", "dir/"])
        self.assertEqual(self.api("LIST", "secret/metadata/empty").status, 404)
        r = self.api("GET", "secret/l/a")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["warnings"], [
            "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints "
            "to use. If using the Vault CLI, use 'vault kv get' for this operation."])
        r = self.api("POST", "secret/data/w", {"data": {"a": "b"}, "foo": 1, "bar": 2})
        self.assertEqual(r.json()["warnings"], ["Endpoint ignored these unrecognized parameters: [bar foo]"])
        r = self.api("PATCH", "secret/data/w", {"data": {"c": "d"}})
        self.assertEqual((r.status, r.errors), (415, ['PATCH requires Content-Type of application/merge-patch+json, got "application/json"']))
        r = self.api("PATCH", "secret/data/w", json.dumps({"data": {"c": "d", "a": None}}),
                     headers={"Content-Type": "application/merge-patch+json"})
        self.assertEqual(r.json()["data"]["version"], 2)
        self.assertEqual(self.api("GET", "secret/data/w").json()["data"]["data"], {"c": "d"})

    def test_concurrent_create_only_writes(self):
        statuses = []

        def write():
            statuses.append(self.api("POST", "secret/data/race", {"options": {"cas": 0}, "data": {"a": "b"}}).status)
        threads = [threading.Thread(target=write) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        self.assertEqual(sorted(statuses), [200] + [400] * 7, "cas=0 creates exactly once")
        log = self.vault.requests_log(path_prefix="/v1/secret/data/race")
        self.assertEqual(sorted(e["changes"] for e in log), [0] * 7 + [1])

    def test_control_api_reads_state_without_token(self):
        self.api("POST", "secret/data/ctl", {"data": {"pw": "s3"}})
        st = self.vault.state()
        self.assertEqual(st["kv"]["secret/"]["keys"]["ctl"]["versions"]["1"]["keys"], ["pw"])
        self.assertNotIn("s3", json.dumps(st), "the summary holds no secret values")
        self.assertEqual(self.vault.kv("secret", "ctl")["versions"]["1"]["data"], {"pw": "s3"})
        self.vault.put_kv("secret", "ctl", {"pw": "other-writer"})
        r = self.api("POST", "secret/data/ctl", {"options": {"cas": 1}, "data": {"pw": "mine"}})
        self.assertEqual(r.errors, [self.CAS])


# ---------------------------------------------------------------------------------------------
# Kubernetes auth, policies, audit


class TestKubernetesAuth(Ready, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.vault.api("POST", "sys/auth/kubernetes", {"type": "kubernetes"}, cls.root).status == 204

    def test_enable_and_list(self):
        r = self.api("POST", "sys/auth/kubernetes", {"type": "kubernetes"})
        self.assertEqual((r.status, r.errors), (400, ["path is already in use at kubernetes/"]))
        doc = self.api("GET", "sys/auth").json()
        self.assertEqual(sorted(doc["data"]), ["kubernetes/", "token/"])
        self.assertEqual(doc["data"]["kubernetes/"]["type"], "kubernetes")
        self.assertEqual(doc["kubernetes/"], doc["data"]["kubernetes/"])
        self.assertEqual(doc["data"]["token/"]["config"]["token_type"], "default-service")

    def test_config(self):
        self.assertEqual(self.api("GET", "auth/kubernetes/config").status, 404)
        self.assertEqual(self.api("POST", "auth/kubernetes/config", {}).errors, ["no host provided"])
        self.assertEqual(self.api("POST", "auth/kubernetes/config", {"kubernetes_host": "https://k",
                                                                     "kubernetes_ca_cert": "nope"}).errors,
                         ["The provided CA PEM data contains no valid certificates"])
        r = self.api("POST", "auth/kubernetes/config", {"kubernetes_host": "https://kubernetes.default.svc"})
        self.assertEqual(r.status, 204)
        d = self.api("GET", "auth/kubernetes/config").json()["data"]
        self.assertEqual(d, {"disable_iss_validation": True, "disable_local_ca_jwt": False, "issuer": "",
                             "kubernetes_ca_cert": "", "kubernetes_host": "https://kubernetes.default.svc",
                             "pem_keys": [], "token_reviewer_jwt_set": False, "use_annotations_as_alias_metadata": False})

    def test_roles_and_audience_warnings(self):
        base = {"bound_service_account_names": "external-secrets", "bound_service_account_namespaces": ["external-secrets"],
                "token_policies": "external-secrets-read", "token_ttl": "1h"}
        r = self.api("POST", "auth/kubernetes/role/external-secrets", dict(base, audience="vault"))
        self.assertEqual((r.status, r.body), (204, b""))
        d = self.api("GET", "auth/kubernetes/role/external-secrets").json()["data"]
        self.assertEqual((d["audience"], d["bound_service_account_names"], d["token_policies"], d["token_ttl"],
                          d["alias_name_source"], d["token_type"]),
                         ("vault", ["external-secrets"], ["external-secrets-read"], 3600, "serviceaccount_uid", "default"))
        self.assertNotIn("policies", d)
        self.assertNotIn("ttl", d)
        warn = ("Role noaud does not have an audience configured. While audiences are not required, consider "
                "specifying one if your use case would benefit from additional JWT claim verification.")
        r = self.api("POST", "auth/kubernetes/role/noaud", base)
        self.assertEqual((r.status, r.json()["warnings"]), (200, [warn]))
        r = self.api("POST", "auth/kubernetes/role/noaud", dict(base, audiences=["vault"]))
        self.assertEqual(r.json()["warnings"], [warn, "Endpoint ignored these unrecognized parameters: [audiences]"])
        r = self.api("POST", "auth/kubernetes/role/both", dict(base, audience="vault", audiences=["vault"]))
        self.assertEqual((r.status, r.body), (204, b""),
                         "framework adds the unrecognized-parameter warning only to a non-nil response")
        self.assertEqual(self.api("LIST", "auth/kubernetes/role").json()["data"]["keys"], ["both", "external-secrets", "noaud"])
        names = {k: base[k] for k in ("bound_service_account_names", "bound_service_account_namespaces")}
        r = self.api("POST", "auth/kubernetes/role/MixedCase", dict(names, audience="vault", policies="a, b", ttl=60))
        self.assertEqual(r.status, 204)
        d = self.api("GET", "auth/kubernetes/role/mixedcase").json()["data"]
        self.assertEqual((d["policies"], d["token_policies"], d["ttl"], d["token_ttl"]), (["a", "b"], ["a", "b"], 60, 60),
                         "a deprecated field alone fills its token_* successor and both show")
        r = self.api("POST", "auth/kubernetes/role/mixedcase", dict(names, audience="vault", policies="x", token_policies="y"))
        d = self.api("GET", "auth/kubernetes/role/mixedcase").json()["data"]
        self.assertEqual((d["policies"], d["token_policies"]), (["y"], ["y"]), "token_* wins when both are given")
        self.assertEqual(self.api("POST", "auth/kubernetes/role/bad", {"bound_service_account_namespaces": "x"}).errors,
                         ['"bound_service_account_names" can not be empty'])
        self.assertEqual(self.api("POST", "auth/kubernetes/role/bad", {"bound_service_account_names": "x"}).errors,
                         ['"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set'])
        self.assertEqual(self.api("POST", "auth/kubernetes/role/bad", dict(base, token_ttl="1x")).errors,
                         ['Field validation failed: error converting input 1x for field "token_ttl": time: unknown unit "x" in duration "1x"'])
        self.assertEqual(self.api("DELETE", "auth/kubernetes/role/both").status, 204)
        self.assertEqual(self.api("GET", "auth/kubernetes/role/both").status, 404)


class TestPoliciesAndAudit(Ready, unittest.TestCase):
    def test_acl_and_legacy_policy_endpoints(self):
        self.assertEqual(self.api("PUT", "sys/policies/acl/ESO", {"policy": base64.b64encode(ESO_POLICY.encode()).decode()}).status, 204)
        self.assertEqual(self.api("GET", "sys/policies/acl/eso").json()["data"]["policy"], ESO_POLICY,
                         "names are lowercased and a base64 policy is decoded")
        self.assertEqual(self.api("LIST", "sys/policies/acl").json()["data"]["keys"], ["default", "eso", "root"])
        legacy = self.api("GET", "sys/policy").json()
        self.assertEqual((legacy["keys"], legacy["policies"]), (legacy["data"]["keys"], legacy["data"]["keys"]))
        self.assertEqual(self.api("GET", "sys/policy/eso").json()["data"], {"name": "eso", "rules": ESO_POLICY})
        self.assertEqual(self.api("PUT", "sys/policy/leg", {"rules": 'path "a" { policy = "read" }'}).status, 204)
        self.assertEqual(self.api("PUT", "sys/policies/acl/bad", {"policy": 'path "a" { capabilities = ["fly"] }'}).errors,
                         ['failed to parse policy: path "a": invalid capability "fly"'])
        self.assertEqual(self.api("PUT", "sys/policies/acl/bad", {}).errors, ["'policy' parameter not supplied or empty"])
        self.assertEqual(self.api("PUT", "sys/policies/acl/root", {"policy": ESO_POLICY}).errors, ['cannot update "root" policy'])
        self.assertEqual(self.api("DELETE", "sys/policies/acl/default").errors, ['cannot delete "default" policy'])
        self.assertEqual(self.api("GET", "sys/policies/acl/missing").status, 404)
        self.assertEqual(self.api("DELETE", "sys/policies/acl/eso").status, 204)
        self.assertEqual(self.api("GET", "sys/policies/acl/eso").status, 404)

    def test_audit_devices(self):
        self.assertEqual(self.api("GET", "sys/audit").json()["data"], {})
        self.assertEqual(self.api("PUT", "sys/audit/file", {"type": "file"}).errors, ["file_path is required"])
        body = {"type": "file", "options": {"file_path": "/vault/audit/audit.log"}}
        self.assertEqual(self.api("PUT", "sys/audit/file", body).status, 204)
        self.assertEqual(self.api("PUT", "sys/audit/file", body).errors, ["path already in use"])
        doc = self.api("GET", "sys/audit").json()
        self.assertEqual(doc["data"]["file/"]["options"], {"file_path": "/vault/audit/audit.log"})
        self.assertEqual(doc["file/"], doc["data"]["file/"])
        self.assertEqual(self.api("DELETE", "sys/audit/file").status, 204)
        self.assertEqual(self.api("GET", "sys/audit").json()["data"], {})


# ---------------------------------------------------------------------------------------------
# Root generation, snapshots


class TestGenerateRoot(unittest.TestCase):
    def test_otp_flow_needs_a_token_in_2_0(self):
        with VaultEmulator() as v:
            keys, root = v.setup(3, 2)
            r = v.api("GET", "sys/generate-root/attempt")
            self.assertEqual((r.status, r.errors), (403, ["permission denied"]))
            st = v.api("GET", "sys/generate-root/attempt", token=root).json()
            self.assertEqual(st, {"nonce": "", "started": False, "progress": 0, "required": 2, "complete": False,
                                  "encoded_token": "", "encoded_root_token": "", "pgp_fingerprint": "", "otp_length": 28})
            st = v.api("PUT", "sys/generate-root/attempt", {}, token=root).json()
            otp, nonce = st["otp"], st["nonce"]
            self.assertEqual((len(otp), st["started"]), (28, True))
            self.assertEqual(v.api("PUT", "sys/generate-root/attempt", {}, token=root).errors,
                             ["root generation already in progress"])
            r = v.api("PUT", "sys/generate-root/update", {"key": keys[0], "nonce": "wrong"}, token=root)
            self.assertEqual(r.status, 400)
            self.assertIn("incorrect nonce", r.errors[0])
            self.assertEqual(v.api("PUT", "sys/generate-root/update", {"key": keys[0], "nonce": nonce}, token=root)
                             .json()["progress"], 1)
            self.assertEqual(v.api("PUT", "sys/generate-root/update", {"key": keys[0], "nonce": nonce}, token=root)
                             .json()["progress"], 1, "a repeated key does not count")
            done = v.api("PUT", "sys/generate-root/update", {"key": keys[1], "nonce": nonce}, token=root).json()
            self.assertTrue(done["complete"])
            new_root = decode_root_token(done["encoded_token"], otp)
            self.assertEqual(done["encoded_root_token"], done["encoded_token"])
            self.assertRegex(new_root, r"^hvs\.[0-9A-Za-z]{24}$")
            self.assertNotEqual(new_root, root)
            self.assertEqual(v.api("GET", "auth/token/lookup-self", token=new_root).json()["data"]["policies"], ["root"])
            self.assertFalse(v.api("GET", "sys/generate-root/attempt", token=root).json()["started"])

    def test_wrong_keys_cancel_and_unauthenticated_option(self):
        with VaultEmulator(enable_unauthenticated_access=["generate-root"]) as v:
            keys, root = v.setup(3, 2)
            nonce = v.api("PUT", "sys/generate-root/attempt", {}).json()["nonce"]
            v.api("PUT", "sys/generate-root/update", {"key": keys[0], "nonce": nonce})
            bad = bytearray(bytes.fromhex(keys[1]))
            bad[3] ^= 0xFF
            r = v.api("PUT", "sys/generate-root/update", {"key": bad.hex(), "nonce": nonce})
            self.assertEqual(r.status, 400)
            self.assertTrue(r.errors[0].startswith("root generation aborted: unable to authenticate: "), r.errors)
            self.assertFalse(v.api("GET", "sys/generate-root/attempt").json()["started"])
            v.api("PUT", "sys/generate-root/attempt", {})
            self.assertEqual(v.api("DELETE", "sys/generate-root/attempt").status, 204)
            self.assertFalse(v.api("GET", "sys/generate-root/attempt").json()["started"])
            self.assertEqual(v.api("PUT", "sys/generate-root/update", {"key": keys[0], "nonce": nonce}).errors,
                             ["no root generation in progress"])


class TestSnapshots(unittest.TestCase):
    def test_save_restore_and_force(self):
        with VaultEmulator() as v, VaultEmulator() as other:
            keys, root = v.setup(3, 2)
            v.api("POST", "sys/mounts/secret", {"type": "kv-v2"}, root)
            v.api("POST", "secret/data/a", {"data": {"v": "1"}}, root)
            r = v.api("GET", "sys/storage/raft/snapshot", token=root)
            self.assertEqual((r.status, r.header("Content-Type")), (200, "application/gzip"))
            snap = r.body
            self.assertEqual(snap[:2], b"\x1f\x8b")
            gzip.decompress(snap)
            v.api("POST", "secret/data/a", {"data": {"v": "2"}}, root)
            v.api("DELETE", "sys/mounts/secret", token=root)
            r = v.api("POST", "sys/storage/raft/snapshot", snap, token=root)
            self.assertEqual(r.status, 204)
            self.assertEqual(v.api("GET", "secret/data/a", token=root).json()["data"]["data"], {"v": "1"})
            r = v.api("POST", "sys/storage/raft/snapshot", b"garbage", token=root)
            self.assertEqual(r.status, 500)
            okeys, oroot = other.setup(3, 2)
            r = other.api("POST", "sys/storage/raft/snapshot", snap, token=oroot)
            self.assertEqual(r.status, 400, "another cluster's snapshot needs snapshot-force")
            self.assertEqual(other.api("POST", "sys/storage/raft/snapshot-force", snap, token=oroot).status, 204)
            self.assertTrue(other.api("GET", "sys/seal-status").json()["sealed"],
                            "restored under another keyring: unseal with the source's keys")
            other.unseal_with(keys[:2])
            self.assertEqual(other.api("GET", "secret/data/a", token=root).json()["data"]["data"], {"v": "1"})


# ---------------------------------------------------------------------------------------------
# Faults, request log, proxy


class TestFaults(Ready, unittest.TestCase):
    def test_503_burst_then_recovery(self):
        self.vault.fault("status", code=503, times=3, path_prefix="/v1/sys/health", message="Vault is sealed")
        codes = [self.api("GET", "sys/health").status for _ in range(5)]
        self.assertEqual(codes, [503, 503, 503, 200, 200])
        self.vault.fault("status", code=429, times=1, retry_after=2)
        r = self.api("GET", "secret/data/x")
        self.assertEqual((r.status, r.header("Retry-After"), r.json()), (429, "2", {"errors": []}))

    def test_delay_per_path(self):
        self.vault.fault("delay", seconds=0.4, path_prefix="/v1/secret/")
        t0 = time.monotonic()
        self.api("GET", "sys/health")
        fast = time.monotonic() - t0
        t0 = time.monotonic()
        self.api("GET", "secret/data/none")
        slow = time.monotonic() - t0
        self.assertGreaterEqual(slow, 0.4)
        self.assertLess(fast, slow)

    def test_reset_and_close(self):
        self.vault.fault("reset", times=1, path_prefix="/v1/sys/health", after_bytes=40)
        c = self.vault.connect()
        with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
            c.request("GET", "/v1/sys/health")
            c.getresponse().read()
        c.close()
        self.vault.fault("close", times=1, rst=True)
        rc, _out, err = curl(self.vault.url + "/v1/sys/health")
        self.assertIn(rc, (52, 56), err)
        self.assertEqual(self.api("GET", "sys/health").status, 200)
        self.assertEqual([e["fault"] for e in self.vault.requests_log(path_prefix="/v1/sys/health")[-3:-1]],
                         ["reset", "close"])

    def test_request_log_and_write_counts(self):
        self.vault.clear_requests()
        seq = self.vault.write_seq()
        self.api("POST", "secret/data/count", {"options": {"cas": 0}, "data": {"a": "b"}})
        self.api("POST", "secret/data/count", {"options": {"cas": 0}, "data": {"a": "b"}})
        self.api("GET", "secret/data/count")
        log = self.vault.requests_log(path_prefix="/v1/secret/")
        self.assertEqual([(e["method"], e["status"], e["write"], e["changes"]) for e in log],
                         [("POST", 200, True, 1), ("POST", 400, True, 0), ("GET", 200, False, 0)])
        self.assertEqual(log[0]["token"], "root")
        self.assertNotIn(self.root, json.dumps(log), "the log never holds a token")
        self.assertEqual([w["op"] for w in self.vault.writes(since=seq)], ["kv-create"])

    def test_outage_and_listen_delay(self):
        with VaultEmulator(listen_delay=0.6) as v:
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", v.port), timeout=1).close()
            v.wait_for(lambda: _connects(v.port), timeout=5, what="listening after the delay")
            v.setup(1, 1)
            v.restart(outage_seconds=0.5)
            v.wait_for(lambda: not _connects(v.port), timeout=3, what="the outage")
            v.wait_for(lambda: _connects(v.port), timeout=5, what="the end of the outage")
            self.assertTrue(v.api("GET", "sys/seal-status").json()["sealed"])


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class _StripProxy(http.server.BaseHTTPRequestHandler):
    """What the API server's service proxy does to a request: strip the proxy prefix, forward
    method, body and headers (Authorization dropped), pass status and body back."""
    PREFIX = "/api/v1/namespaces/vault/services/http:vault:8200/proxy"
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *a):
        pass

    def do_GET(self):
        if not self.path.startswith(self.PREFIX):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        c = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=10)
        c.request(self.command, self.path[len(self.PREFIX):], body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    do_PUT = do_POST = do_DELETE = do_GET


class TestBehindPrefixStrippingProxy(unittest.TestCase):
    def test_vault_codes_and_bodies_pass_through(self):
        with VaultEmulator() as v:
            handler = type("P", (_StripProxy,), {"upstream": v.port})
            srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            t = threading.Thread(target=srv.serve_forever, daemon=True)
            t.start()
            try:
                base = "http://127.0.0.1:%d%s/v1/" % (srv.server_address[1], _StripProxy.PREFIX)

                def call(method, path, body=None, token=None):
                    req = urllib.request.Request(base + path, method=method,
                                                 data=json.dumps(body).encode() if body is not None else None,
                                                 headers={"X-Vault-Token": token} if token else {})
                    try:
                        with urllib.request.urlopen(req, timeout=10) as r:
                            return r.status, r.read()
                    except urllib.error.HTTPError as e:
                        return e.code, e.read()
                self.assertEqual(call("GET", "sys/health")[0], 501)
                st, body = call("PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
                doc = json.loads(body)
                self.assertEqual(call("GET", "sys/health")[0], 503)
                call("PUT", "sys/unseal", {"key": doc["keys"][0]})
                self.assertEqual(call("POST", "sys/mounts/secret", {"type": "kv-v2"}, doc["root_token"])[0], 204)
                st, body = call("POST", "secret/data/p", {"options": {"cas": 0}, "data": {"a": "b"}}, doc["root_token"])
                self.assertEqual((st, json.loads(body)["data"]["version"]), (200, 1))
                st, body = call("POST", "secret/data/p", {"options": {"cas": 0}, "data": {"a": "b"}}, doc["root_token"])
                self.assertEqual((st, json.loads(body)), (400, {"errors": [TestKV.CAS]}))
            finally:
                srv.shutdown()
                srv.server_close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
