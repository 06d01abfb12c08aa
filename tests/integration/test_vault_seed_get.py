"""`vault-seed get` and `vault-seed token`: a secret leaves vault-seed only when asked for by name,
to stdout or to a 0600 file replaced only when complete; the curl-config format is read by the
real curl (the peer the smoke check of make infra-up hands it to), whose request a small server
records. Against the Vault emulator; no other run's output or file holds a secret (leak scan)."""
import base64
import json
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import vstest  # noqa: E402
from http_recorder import Recorder  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402

OPENCOST = "secret/platform/opencost/basic-auth"


class GetTests(unittest.TestCase):
    def setUp(self):
        self.curl = sftest.require_program("curl", "curl")

    def get(self, ws, vault, *args):
        """A run that prints a secret by design: kept out of ws.runs (the leak scan's list)."""
        argv = ws.argv(*args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ws.base_env(vault), cwd=ws.tmp)

    def curl_with(self, config, url):
        r = subprocess.run([self.curl, "-sS", "--max-time", "10", "-K", config, "-o", "/dev/null", "-w", "%{http_code}",
                            url], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_value_json_and_curl_config_as_curl_reads_it(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            stored = vault.kv("secret")["platform/opencost/basic-auth"]["versions"]["1"]["data"]

            r = self.get(ws, vault, "get", OPENCOST, "password")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, stored["password"], "the value as stored, no newline into a pipe")
            self.assertNotIn(stored["password"], r.stderr)

            r = self.get(ws, vault, "get", OPENCOST)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), stored)
            r = self.get(ws, vault, "get", "secret/apps/demo/db", "database", "--format", "json")
            self.assertEqual(json.loads(r.stdout), {"database": vault.kv("secret")["apps/demo/db"]["versions"]["1"]["data"]["database"]})

            out = os.path.join(ws.tmp, "auth.curl")
            r = self.get(ws, vault, "get", OPENCOST, "--format", "curl-config", "--out", out)
            self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
            recorder = Recorder(204)
            try:
                self.assertEqual(self.curl_with(out, recorder.url + "/"), "204")
                token_file = os.path.join(ws.tmp, "token.curl")
                r = self.get(ws, vault, "token", "--format", "curl-config", "--out", token_file)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(self.curl_with(token_file, recorder.url + "/"), "204")
                # The token vault-seed gives is one Vault accepts.
                self.assertEqual(self.curl_with(token_file, vault.url + "/v1/auth/token/lookup-self"), "200")
            finally:
                recorder.stop()
            expected = "Basic " + base64.b64encode(("%s:%s" % (stored["username"], stored["password"])).encode()).decode()
            self.assertEqual(recorder.seen[0]["headers"]["Authorization"], expected)
            seed_token = ws.init_material()["vault_seed"]["seed_token"]
            self.assertEqual(recorder.seen[1]["headers"]["X-Vault-Token"], seed_token)
            r = self.get(ws, vault, "token")
            self.assertEqual(r.stdout, seed_token)
            for name in (out, token_file):
                os.unlink(name)
            ws.scan_leaks(self, vault)

    def test_curl_config_carries_quotes_backslashes_and_colons_exactly(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run("--keep-root-token", vault=vault).returncode, 0)
            root = ws.init_material()["root_token"]
            password = 'pa"ss\\wo:rd\tend $HOME `x`'
            vault.api("POST", "secret/data/platform/opencost/basic-auth",
                      {"options": {"cas": 1}, "data": {"username": "ops", "password": password}}, token=root)
            out = os.path.join(ws.tmp, "auth.curl")
            r = self.get(ws, vault, "get", OPENCOST, "--format", "curl-config", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            recorder = Recorder(204)
            try:
                self.assertEqual(self.curl_with(out, recorder.url + "/"), "204")
            finally:
                recorder.stop()
            sent = base64.b64decode(recorder.seen[0]["headers"]["Authorization"].split(" ", 1)[1]).decode()
            self.assertEqual(sent, "ops:" + password)

            # A user name with ':' cannot be sent as basic auth: refused, the old file untouched.
            vault.api("POST", "secret/data/platform/opencost/basic-auth",
                      {"options": {"cas": 2}, "data": {"username": "o:ps", "password": "x"}}, token=root)
            with open(out) as f:
                before = f.read()
            r = self.get(ws, vault, "get", OPENCOST, "--format", "curl-config", "--out", out)
            self.assertEqual(r.returncode, 1)
            self.assertIn("key username holds ':', which HTTP basic auth cannot carry", r.stderr)
            with open(out) as f:
                self.assertEqual(f.read(), before)
            os.unlink(out)

    def test_errors_name_the_secret_the_key_and_what_to_do(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            r = self.get(ws, vault, "get", "secret/platform/nope")
            self.assertEqual(r.returncode, 2)
            self.assertIn("get secret/platform/nope: not a secret of", r.stderr)
            r = self.get(ws, vault, "get", OPENCOST, "--format", "value")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--format value prints one key: vault-seed get " + OPENCOST + " KEY", r.stderr)
            r = self.get(ws, vault, "--format", "json")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--format and --out go with get and token", r.stderr)

            r = self.get(ws, vault, "get", OPENCOST, "password")
            self.assertEqual(r.returncode, 1)
            self.assertIn("is not initialised: vault-seed get needs an unsealed Vault", r.stderr)

            self.assertEqual(ws.run(vault=vault).returncode, 0)
            r = self.get(ws, vault, "get", OPENCOST, "pasword")
            self.assertEqual((r.returncode, r.stdout), (1, ""))
            self.assertIn(OPENCOST + " has no key 'pasword' (its keys: password, username)", r.stderr)

            out = os.path.join(ws.tmp, "missing-dir", "auth.curl")
            r = self.get(ws, vault, "get", OPENCOST, "--format", "curl-config", "--out", out)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertFalse(os.path.exists(out))

            # A file that was readable by others before is 0600 once it holds the secret.
            out = os.path.join(ws.tmp, "auth.curl")
            with open(out, "w") as f:
                f.write("old")
            os.chmod(out, 0o644)
            r = self.get(ws, vault, "get", OPENCOST, "--format", "curl-config", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
            os.unlink(out)

            # A full disk: exit 1 naming it, the old file whole, no temporary file beside it.
            full = sftest.FullDisk(os.path.join(ws.tmp, "full"), "auth.curl", "old",
                                   ws.argv("get", OPENCOST, "--format", "curl-config", "--out",
                                           os.path.join(ws.tmp, "full", "auth.curl")), env=ws.base_env(vault))
            self.assertEqual(full.rc, 1, full.stderr)
            self.assertIn("No space left on device", full.stderr)
            self.assertEqual((full.text, full.names), ("old", ["auth.curl"]))
            self.assertTrue(full.mounted_only_there)

            vault.seal()
            r = self.get(ws, vault, "token")
            self.assertEqual((r.returncode, r.stdout), (1, ""))
            self.assertIn("is sealed: vault-seed token needs an unsealed Vault", r.stderr)
            ws.scan_leaks(self, vault)


if __name__ == "__main__":
    unittest.main()
