"""scrape-nodes --via-apiserver: nodes reached through the API server's node proxy with the
kubeconfig's credentials (emulated API server over TLS with client certificates; the node
behind the proxy is Debian's real node-exporter), as `make cost-report` does on a Kind cluster
whose node network is not routable from the host."""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
import k8s_harness as H  # noqa: E402


def env_without_kube():
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    env["HOME"] = "/nonexistent-home"
    return env


class ViaApiServerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-via-")
        cls.exporter = sftest.NodeExporter()
        cls.pki = H.make_pki(os.path.join(cls.tmp.name, "pki"), key="ec")
        cls.emu = H.Emulator(pki=cls.pki, fixtures=[H.node("kind-worker", cpu="4"),
                                                    H.node("kind-worker2", cpu="4")])
        cls.emu.__enter__()
        cls.emu.proxy_node("kind-worker", 9100, f"http://127.0.0.1:{cls.exporter.port}")
        cls.kubeconfig = os.path.join(cls.tmp.name, "config")
        cls.emu.kubeconfig(cls.kubeconfig)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        cls.exporter.stop()
        cls.tmp.cleanup()

    def scrape(self, *args, input=None):
        return sftest.run([sftest.binary("scrape-nodes"), "--via-apiserver", "--kubeconfig", self.kubeconfig,
                           "--once", "--retries", "0", *args], input=input, env=env_without_kube())

    def test_node_names_are_scraped_through_the_node_proxy(self):
        result = self.scrape("kind-worker")
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertEqual(line["node"], "kind-worker")
        self.assertTrue(line["source"].endswith("/api/v1/nodes/kind-worker:9100/proxy/metrics"), line["source"])
        self.assertEqual(line["cpu_cores"], os.cpu_count())
        proxied = self.emu.requests_log(path_prefix="/api/v1/nodes/kind-worker:9100/proxy")
        self.assertTrue(proxied, "the request went through the API server")
        self.assertEqual(proxied[-1]["auth"], "x509", proxied[-1])

    def test_node_lines_keep_labels_and_an_unreachable_node_is_its_own_error(self):
        nodes = [{"kind": "node", "name": n, "roles": [], "ready": True, "internal_ip": "10.255.0.9",
                  "capacity": {"cpu_cores": 4, "memory_bytes": 1, "gpus": 0},
                  "allocatable": {"cpu_cores": 4, "memory_bytes": 1, "gpus": 0}, "labels": {"pool": n}}
                 for n in ("kind-worker", "kind-worker2")]
        result = self.scrape(input="".join(json.dumps(n) + "\n" for n in nodes))
        self.assertEqual(result.returncode, 3, result.stderr)
        lines = {l["node"]: l for l in sftest.json_lines(result.stdout)}
        self.assertEqual(lines["kind-worker"]["labels"], {"pool": "kind-worker"})
        self.assertNotIn("error", lines["kind-worker"])
        # No exporter behind kind-worker2's proxy: the API server answers 503.
        self.assertIn("HTTP 503", lines["kind-worker2"]["error"])

    def test_wrong_credentials_are_reported_per_node(self):
        other = H.make_other_ca(os.path.join(self.tmp.name, "other"))
        bad = os.path.join(self.tmp.name, "bad-config")
        H.write_kubeconfig(bad, self.emu.url, ca=other.ca_cert,
                           client_cert=self.pki.client_cert, client_key=self.pki.client_key)
        result = sftest.run([sftest.binary("scrape-nodes"), "--via-apiserver", "--kubeconfig", bad, "--once",
                             "--retries", "0", "kind-worker"], env=env_without_kube())
        self.assertEqual(result.returncode, 1)
        (line,) = sftest.json_lines(result.stdout)
        self.assertIn("TLS failed", line["error"])

    def test_a_rejected_client_certificate_ends_the_run_at_once_naming_the_user(self):
        # The right CA's certificate, expired: kube-apiserver (and the emulator) accept the
        # handshake and answer 401, for every node alike.
        crt, key = H.make_expired_client_cert(self.pki)
        config = H.write_kubeconfig(os.path.join(self.tmp.name, "expired-config"), self.emu.url, ca=self.pki.ca_cert,
                                    client_cert=crt, client_key=key)
        before = len(self.emu.requests_log(path_prefix="/api/v1/nodes/"))
        started = time.monotonic()
        result = sftest.run([sftest.binary("scrape-nodes"), "--via-apiserver", "--kubeconfig", config, "--once",
                             "--retries", "3", "--timeout", "20s", "kind-worker", "kind-worker2"],
                            env=env_without_kube())
        seconds = time.monotonic() - started
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertLess(seconds, 5, "fatal at once, not retried until the timeout")
        self.assertEqual(result.stdout, "", "no node line, whole or half")
        self.assertIn("HTTP 401", result.stderr)
        self.assertIn(f'rejected the credentials of user "kind-kind" in {config}', result.stderr)
        self.assertIn("expired client certificate", result.stderr)
        self.assertIn("Re-export the kubeconfig", result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)  # one message, not one per node
        log = self.emu.requests_log(path_prefix="/api/v1/nodes/")[before:]
        self.assertTrue(log and all(r["client_cert"] == "invalid" for r in log), log)
        self.assertLessEqual(len(log), 2, "each node asked once, none retried")

    def test_401_and_403_speak_of_credentials_and_rbac(self):
        tokens = ('admin-token,kubernetes-admin,uid-admin,"system:masters"\n'
                  'viewer-token,viewer,uid-viewer,"system:authenticated"\n')
        with H.Emulator(pki=self.pki, tokens=tokens, fixtures=[H.node("kind-worker", cpu="4")]) as emu:
            emu.proxy_node("kind-worker", 9100, f"http://127.0.0.1:{self.exporter.port}")
            # A wrong token: the kubeconfig's user is refused, for every node alike (exit 2, no line).
            # A user without nodes/proxy: RBAC, per node (exit 1, the line's error says so).
            for token, rc, words in (("wrong-token", 2, 'rejected the credentials of user "kind-kind"'),
                                     ("viewer-token", 1, "nodes/proxy")):
                config = os.path.join(self.tmp.name, f"config-{rc}")  # the path is in messages: not the token
                H.write_kubeconfig(config, emu.url, ca=self.pki.ca_cert, token=token)
                result = sftest.run([sftest.binary("scrape-nodes"), "--via-apiserver", "--kubeconfig", config, "--once",
                                     "--retries", "0", "kind-worker"], env=env_without_kube())
                self.assertEqual(result.returncode, rc, result.stderr)
                message = result.stderr if rc == 2 else sftest.json_lines(result.stdout)[0]["error"]
                self.assertEqual(len(sftest.json_lines(result.stdout)), 0 if rc == 2 else 1, result.stdout)
                self.assertIn(words, message, token)
                self.assertNotIn("node-exporter's metrics URL", message, token)
                self.assertNotIn(token, result.stdout + result.stderr, "the token is never shown")
            config = os.path.join(self.tmp.name, "config-admin")
            H.write_kubeconfig(config, emu.url, ca=self.pki.ca_cert, token="admin-token")
            result = sftest.run([sftest.binary("scrape-nodes"), "--via-apiserver", "--kubeconfig", config, "--once",
                                 "--retries", "0", "kind-worker"], env=env_without_kube())
            self.assertEqual(result.returncode, 0, result.stderr)

    def test_kubeconfig_flags_need_via_apiserver(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--kubeconfig", self.kubeconfig, "--once", "x:1"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--via-apiserver", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
