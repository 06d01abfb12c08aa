"""vault-seed against a Vault emulator that misbehaves: 5xx bursts, connections closed or reset
mid-answer, a Vault not listening yet, a standby, answers slower than VAULT_CLIENT_TIMEOUT, no
Vault at all; and TLS with VAULT_CACERT, VAULT_CAPATH and VAULT_SKIP_VERIFY, certificates made
by openssl at test time. Retries must heal what is transient, every wait must end at --timeout,
and the message must name the culprit."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import tlsutil  # noqa: E402
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402


class FaultTests(unittest.TestCase):
    def test_bursts_closes_and_resets_are_retried(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", code=503, times=2,
                        message="upstream unavailable")
            vault.fault("status", path_prefix="/v1/sys/mounts", method="GET", code=500, times=1, message="internal")
            vault.fault("close", path_prefix="/v1/sys/policies/acl/external-secrets-read", times=1)
            vault.fault("reset", path_prefix="/v1/auth/kubernetes/role/", method="GET", times=1)
            vault.fault("status", path_prefix="/v1/sys/auth", method="GET", code=429, times=1, retry_after=0)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.item("secret", "secret/apps/demo/db")["action"], "create")
            self.assertEqual([f["remaining"] for f in vault.faults()], [0, 0, 0, 0, 0], "every fault was hit")
            self.assertEqual(len(vstest_kv_creates(vault)), 4)
            ws.scan_leaks(self, vault)

    def test_vault_max_retries_zero_means_one_attempt(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", method="POST", code=503, times=1,
                        message="upstream unavailable")
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_MAX_RETRIES="0"))
            self.assertEqual(r.returncode, 3, r)
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual(item["action"], "error")
            self.assertIn("HTTP 503: upstream unavailable", item["detail"])
            self.assertNotIn("apps/demo/db", vault.kv("secret"))
            # The next run creates it: nothing half-written stood in the way.
            r = ws.run(vault=vault)
            self.assertEqual(r.item("secret", "secret/apps/demo/db")["action"], "create")

    def test_a_vault_not_listening_yet_or_in_standby_is_waited_for(self):
        with vstest.Workspace() as ws, VaultEmulator(listen_delay=2) as vault:
            t = time.monotonic()
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertGreater(time.monotonic() - t, 1.5)
            self.assertIn("waiting for Vault", r.stderr)
            self.assertIn("cannot connect", r.stderr)
        with vstest.Workspace() as ws, VaultEmulator(standby=True) as vault:
            timer = threading.Timer(1.5, vault.set_standby, args=(False,))
            timer.start()
            try:
                r = ws.run(vault=vault)
            finally:
                timer.cancel()
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("Vault answers as a standby (health 429)", r.stderr)

    def test_every_wait_ends_at_the_timeout_naming_the_culprit(self):
        port = sftest.free_port()
        with vstest.Workspace() as ws:
            env = ws.base_env(VAULT_ADDR="http://127.0.0.1:%d" % port)
            t = time.monotonic()
            r = ws.run(env=env, timeout="3s")
            elapsed = time.monotonic() - t
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(elapsed, 8, "the --timeout was not kept")
            self.assertIn("Vault did not come up before the time given ran out", r.stderr)
            self.assertIn("127.0.0.1:%d" % port, r.stderr)
            self.assertIn("cannot connect", r.stderr)
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            vault.fault("delay", path_prefix="/v1/secret/data/", seconds=3)
            t = time.monotonic()
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CLIENT_TIMEOUT="1s"))
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 10)
            self.assertIn("timed out", r.stderr)
            self.assertIn("secret/data/platform/opencost/basic-auth", r.stderr)
            vault.clear_faults()
            vault.fault("delay", path_prefix="/v1/", seconds=1)
            t = time.monotonic()
            r = ws.run(vault=vault, timeout="2500ms")
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 6, "a slow Vault kept the run past --timeout")
            self.assertIn("ran out", r.stderr)

    def test_tls_with_vault_cacert_capath_and_skip_verify(self):
        with vstest.Workspace() as ws:
            pki = os.path.join(ws.tmp, "pki")
            os.mkdir(pki)
            ca_crt, _ = tlsutil.make_ca(pki)
            crt, key = tlsutil.make_server_cert(pki)
            with VaultEmulator(tls_cert=crt, tls_key=key) as vault:
                self.assertTrue(vault.url.startswith("https://"))
                r = ws.run(vault=vault)
                self.assertEqual(r.returncode, 2, r)  # an unknown CA is a configuration problem, not waited on
                self.assertIn("TLS", r.stderr)
                self.assertEqual(vault.requests_log(), [])
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt))
                self.assertEqual(r.returncode, 0, r)
                cas = os.path.join(ws.tmp, "cas")
                os.mkdir(cas)
                with open(ca_crt) as src, open(os.path.join(cas, "ca.pem"), "w") as dst:
                    dst.write(src.read())
                seq = vault.write_seq()
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CAPATH=cas))
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(vault.write_count(since=seq), 0)
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_SKIP_VERIFY="true"))
                self.assertEqual(r.returncode, 0, r)
                ws.scan_leaks(self, vault)


def vstest_kv_creates(vault):
    return [w["path"] for w in vault.writes() if w["op"] == "kv-create"]


if __name__ == "__main__":
    unittest.main(verbosity=2)
