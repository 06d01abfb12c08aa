"""vault-seed through the Kubernetes API server's service proxy (--via-kube-service
vault/vault:8200): the Kubernetes emulator in front of the Vault emulator, over TLS, with the
kubeconfig's credentials from an exec plugin (which records its argv and environment for the
leak scan). Before the Vault pod is there the API server answers 503 itself, with a Status
object; vault-seed waits for it, tells it apart from a sealed Vault's 503, and names it when the
time runs out."""
import os
import secrets
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402

import k8s_harness as H  # noqa: E402  (tests/emulators is on sys.path through vstest)

PROXY_PREFIX = "/api/v1/namespaces/vault/services/http:vault:8200/proxy"


def exec_kubeconfig(ws, k8s, token, plugin=None):
    """A kubeconfig whose user's credential comes from an exec plugin: ws's recording plugin
    handing out `token`, or the script `plugin`."""
    path = os.path.join(ws.tmp, "kubeconfig")
    k8s.kubeconfig(path, auth="cert", client_cert=None, client_key=None)
    with open(path) as f:
        text = f.read()
    plugin = plugin or ws.exec_plugin(token)
    text = text.replace("  user: {}", "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                     "      command: %s\n      args: [--cluster, kind]\n      interactiveMode: Never\n"
                        % plugin)
    with open(path, "w") as f:
        f.write(text)
    return path


class KubeProxyTests(unittest.TestCase):
    def test_seeding_through_the_service_proxy(self):
        with vstest.Workspace() as ws:
            pki = H.make_pki(os.path.join(ws.tmp, "pki"), key="ec")
            kube_token = "kube-" + secrets.token_hex(16)
            with H.Emulator(pki=pki, token=kube_token) as k8s, VaultEmulator() as vault:
                kubeconfig = exec_kubeconfig(ws, k8s, kube_token)
                via = ["--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig]
                env = ws.base_env()  # no VAULT_ADDR: everything goes through the API server
                # The Service exists but no pod backs it yet: the API server's own 503.
                # (the endpoints controller has written an Endpoints object without subsets)
                k8s.service_endpoint("vault", "vault", 8200, url=None)
                timer = threading.Timer(2.0, k8s.proxy_service, args=("vault", "vault", 8200, vault.url))
                timer.start()
                try:
                    r = ws.run(*via, env=env)
                finally:
                    timer.cancel()
                self.assertEqual(r.returncode, 0, r)
                self.assertIn('no endpoints available for service "vault"', r.stderr)
                self.assertIn("the Vault pod is not running or not ready yet", r.stderr)
                self.assertEqual(r.item("init", ws.init_file)["action"], "create")
                self.assertEqual(r.item("secret", "secret/apps/demo/db")["action"], "create")
                self.assertIn("through the API server", ws.init_material()["vault_seed"]["vault"])
                paths = [e["path"] for e in k8s.requests_log() if e["path"].startswith(PROXY_PREFIX)]
                self.assertIn(PROXY_PREFIX + "/v1/sys/health", paths)
                self.assertIn(PROXY_PREFIX + "/v1/secret/data/apps/demo/db", paths)
                # The token reached Vault (X-Vault-Token; the proxy drops Authorization).
                kinds = {e["token"] for e in vault.requests_log()}
                self.assertIn("root", kinds)
                self.assertNotIn("invalid", kinds)

                # Idempotent through the proxy too.
                seq = vault.write_seq()
                r = ws.run(*via, env=env)
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(vault.write_count(since=seq), 0)

                # Vault's own 503 (sealed) passes through the proxy and is read as a state.
                vault.restart()
                r = ws.run(*via, "--plan", env=env)
                self.assertEqual(r.item("unseal", "sys/seal")["action"], "update")
                r = ws.run(*via, env=env)
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(vault.write_count(since=seq), 0)
                self.assertFalse(vault.state()["sealed"])

                # The proxy target gone: the API server's 503, named as such when the time runs out.
                k8s.proxy_service("vault", "vault", 8200, None)
                t = time.monotonic()
                r = ws.run(*via, env=env, timeout="3s")
                self.assertEqual(r.returncode, 1, r)
                self.assertLess(time.monotonic() - t, 10)
                self.assertIn("the API server answered HTTP 503", r.stderr)
                self.assertIn("service vault/vault:8200", r.stderr)
                self.assertNotIn("sealed", r.stderr)

                # A missing Service is the API server's 404, also not mistaken for Vault.
                r = ws.run("--via-kube-service", "vault/vault-nope:8200", "--kubeconfig", kubeconfig, env=env,
                           timeout="2s")
                self.assertEqual(r.returncode, 1, r)
                self.assertIn('services "vault-nope" not found', r.stderr)
                self.assertIn("is Vault deployed", r.stderr)
                self.assertTrue(os.listdir(ws.child_records), "the exec plugin never ran")
                ws.scan_leaks(self, vault, extra_secrets=[])

    def test_rejected_kube_credentials_are_a_configuration_error(self):
        with vstest.Workspace() as ws:
            pki = H.make_pki(os.path.join(ws.tmp, "pki"), key="ec")
            with H.Emulator(pki=pki, token="right-token-right-token") as k8s, VaultEmulator() as vault:
                k8s.proxy_service("vault", "vault", 8200, vault.url)
                kubeconfig = exec_kubeconfig(ws, k8s, "wrong-token-wrong-token")
                t = time.monotonic()
                r = ws.run("--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig, env=ws.base_env(),
                           timeout="20s")
                self.assertEqual(r.returncode, 2, r)
                self.assertLess(time.monotonic() - t, 15, "rejected credentials must not be waited on")
                self.assertIn("401", r.stderr)
                self.assertEqual(vault.requests_log(), [])

    def test_a_failing_or_hanging_exec_plugin_is_named_and_never_outlives_the_run(self):
        with vstest.Workspace() as ws:
            pki = H.make_pki(os.path.join(ws.tmp, "pki"), key="ec")
            with H.Emulator(pki=pki, token="right-token-right-token") as k8s, VaultEmulator() as vault:
                k8s.proxy_service("vault", "vault", 8200, vault.url)
                failing = os.path.join(ws.tmp, "sso-plugin")
                with open(failing, "w") as f:
                    f.write("#!/bin/sh\necho 'error: the SSO session expired; run sso-login' >&2\nexit 3\n")
                os.chmod(failing, 0o755)
                kubeconfig = exec_kubeconfig(ws, k8s, None, plugin=failing)
                t = time.monotonic()
                r = ws.run("--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig, env=ws.base_env(),
                           timeout="20s")
                self.assertEqual(r.returncode, 2, r)  # configuration: waiting will not fix it
                self.assertLess(time.monotonic() - t, 5, r)
                self.assertIn(f"executable {failing} failed with exit code 3", r.stderr)
                self.assertIn('exec plugin of user "kind-kind"', r.stderr)
                # Its stderr reaches the user's terminal as with kubectl (client-go passes it through).
                self.assertIn("the SSO session expired; run sso-login", r.stderr)
                self.assertEqual(r.stdout, "")

                hanging = os.path.join(ws.tmp, "hanging-plugin")
                pid_file = os.path.join(ws.tmp, "plugin.pid")
                with open(hanging, "w") as f:
                    f.write(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
                os.chmod(hanging, 0o755)
                kubeconfig = exec_kubeconfig(ws, k8s, None, plugin=hanging)
                t = time.monotonic()
                r = ws.run("--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig, env=ws.base_env(),
                           timeout="3s")
                seconds = time.monotonic() - t
                self.assertEqual(r.returncode, 1, r)  # the time given ran out
                self.assertGreaterEqual(seconds, 2.9, r)
                self.assertLess(seconds, 4.5, r)      # was 60 s: the plugin's own limit, not --timeout
                self.assertIn(f'exec plugin "{hanging}"', r.stderr)
                self.assertIn("did not return a credential within the time given (--timeout) and was killed", r.stderr)
                self.assertEqual(r.stdout, "")
                with open(pid_file) as f:
                    pid = int(f.read())
                alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"
                self.assertFalse(alive, "the plugin outlived vault-seed")
                self.assertEqual(k8s.requests_log(path_prefix=PROXY_PREFIX), [], "no request without a credential")
                self.assertEqual(vault.requests_log(), [], "nothing reached Vault")


if __name__ == "__main__":
    unittest.main(verbosity=2)
