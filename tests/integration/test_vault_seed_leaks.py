"""No secret leaves vault-seed but into Vault and the init file. One workspace goes through
everything vault-seed does, with debug logs on (-v): init, a second run, a plan, a rotation,
retries after faults, a restart and --unseal-only, a root token generated for a spec change, a
snapshot, the service proxy with an exec-plugin kubeconfig (vault-seed's only child process,
which records its argv and environment), and failures. Then every generated value, unseal
share and token is looked for in every stdout and stderr, in the child's argv and environment,
and in every file of the workspace but the init file (which must be 0600). Every other
vault-seed integration test ends with the same scan of its own runs."""
import os
import secrets
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402

import k8s_harness as H  # noqa: E402


class LeakTests(unittest.TestCase):
    def test_nothing_secret_in_outputs_children_or_files(self):
        with vstest.Workspace() as ws:
            pki = H.make_pki(os.path.join(ws.tmp, "pki"), key="ec")
            kube_token = "kube-" + secrets.token_hex(16)
            with VaultEmulator() as vault, H.Emulator(pki=pki, token=kube_token) as k8s:
                k8s.proxy_service("vault", "vault", 8200, vault.url)
                kubeconfig = os.path.join(ws.tmp, "kubeconfig")
                k8s.kubeconfig(kubeconfig, auth="cert", client_cert=None, client_key=None)
                with open(kubeconfig) as f:
                    text = f.read()
                plugin = ws.exec_plugin(kube_token)
                with open(kubeconfig, "w") as f:
                    f.write(text.replace("  user: {}", "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                                       "      command: %s\n      interactiveMode: Never\n" % plugin))
                via = ["--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig]

                steps = [
                    (via + ["-v"], {}),                                   # init through the proxy
                    (["-v"], {"VAULT_ADDR": vault.url}),                  # direct, the seed token
                    (["-v", "--plan"], {"VAULT_ADDR": vault.url}),
                    (["-v", "--rotate", "secret/apps/demo/db"], {"VAULT_ADDR": vault.url}),
                ]
                for args, extra in steps:
                    r = ws.run(*args, env=ws.base_env(**extra))
                    self.assertEqual(r.returncode, 0, r)
                vault.fault("status", path_prefix="/v1/secret/data/", code=503, times=2, message="flaky")
                vault.fault("reset", path_prefix="/v1/sys/policies/acl/", times=1)
                self.assertEqual(ws.run(*via, "-v", env=ws.base_env()).returncode, 0)
                vault.clear_faults()
                vault.seal()
                self.assertEqual(ws.run("-v", "--unseal-only", env=ws.base_env(VAULT_ADDR=vault.url)).returncode, 0)
                ws.write_spec(ws.spec_text() + "  - path: apps/leak\n    keys:\n      token: {generate: {kind: hex, bytes: 32}}\n")
                r = ws.run(*via, "-v", env=ws.base_env())  # a root token generated and revoked
                self.assertEqual(r.returncode, 0, r)
                self.assertIn("root (generated)", r.stdout)
                snap = os.path.join(ws.tmp, "vault.snap")
                self.assertEqual(ws.run("-v", "snapshot", snap, env=ws.base_env(VAULT_ADDR=vault.url)).returncode, 0)
                # Failures print their messages: still nothing secret in them.
                bad = ws.run("-v", env=ws.base_env(VAULT_ADDR=vault.url, VAULT_TOKEN="hvs." + "wrong" * 5))
                self.assertEqual(bad.returncode, 1, bad)
                vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", method="GET", code=400,
                            message="check-and-set parameter did not match the current version")
                self.assertIn(ws.run("-v", env=ws.base_env(VAULT_ADDR=vault.url)).returncode, (1, 3))
                vault.clear_faults()
                self.assertTrue(os.listdir(ws.child_records), "the exec plugin never ran")
                found = ws.secrets_in(vault)
                self.assertGreaterEqual(len(found), 20, "the scan must look for the generated values, shares and tokens")
                ws.scan_leaks(self, vault)
                log = vault.log_text()
                for s in found:
                    self.assertNotIn(s, log)
                # The scan itself catches a leak: a generated value copied into a file.
                value = vault.kv("secret")["apps/leak"]["versions"]["1"]["data"]["token"]
                with open(os.path.join(ws.tmp, "debug.log"), "w") as f:
                    f.write("oops " + value + "\n")
                with self.assertRaises(AssertionError):
                    ws.scan_leaks(self, vault)


if __name__ == "__main__":
    unittest.main(verbosity=2)
