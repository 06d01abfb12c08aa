#!/usr/bin/env python3
"""kind-wait --secret (one key of a Secret, asked for by name; the argocd-login curl config read by
the real curl) and --expect-denied (a NetworkPolicy's drop seen through the API server's service
proxy), against the Kubernetes API emulator. The emulator cannot route packets: a dropped SYN is
injected as a "drop:SECONDS" backend (the proxy then answers as kube-apiserver does after its dial
timeout); a connection that is made goes to real programs (redis-server, an HTTP server).

Run: python3 tests/integration/test_kind_wait_checks.py
"""

import base64
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))
sys.path.insert(0, HERE)

import k8s_harness as H  # noqa: E402
import sftest  # noqa: E402
from http_recorder import Recorder  # noqa: E402

KW = sftest.binary("kind-wait")
TMP = PKI = None
PASSWORD = 'Adm1n"pa\\ss:word'


def setUpModule():
    global TMP, PKI
    TMP = tempfile.TemporaryDirectory(prefix="kw-checks-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")


def tearDownModule():
    TMP.cleanup()


def admin_secret(password=PASSWORD, ns="argocd", name="argocd-initial-admin-secret"):
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name, "namespace": ns},
            "data": {"password": base64.b64encode(password.encode()).decode()}}


class Case(unittest.TestCase):
    def setUp(self):
        self.emu = H.Emulator(pki=PKI, fixtures=[H.namespace("argocd"), H.namespace("demo")]).start()
        self.addCleanup(self.emu.stop)
        self.kubeconfig = self.emu.kubeconfig(os.path.join(TMP.name, "kc-%s" % self.id().split(".")[-1]))

    def kw(self, *args, timeout=60):
        start = time.monotonic()
        r = subprocess.run([KW, "--kubeconfig", self.kubeconfig, *args], capture_output=True, text=True,
                           timeout=timeout)
        r.elapsed = time.monotonic() - start
        return r


class SecretTests(Case):
    def test_the_value_exactly_and_the_argocd_login_as_curl_sends_it(self):
        curl = sftest.require_program("curl", "curl")
        self.emu.apply(admin_secret())
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/password", "--timeout", "10s")
        self.assertEqual((r.returncode, r.stdout), (0, PASSWORD), r.stderr)
        self.assertNotIn(PASSWORD, r.stderr)

        out = os.path.join(TMP.name, "login.curl")
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/password", "--format", "argocd-login", "--out", out)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        rec = Recorder()
        try:
            c = subprocess.run([curl, "-sS", "-K", out, rec.url + "/api/v1/session", "-o", "/dev/null"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(c.returncode, 0, c.stderr)
        finally:
            rec.stop()
        os.unlink(out)
        seen = rec.seen[0]
        self.assertEqual((seen["method"], seen["path"], seen["headers"]["Content-Type"]),
                         ("POST", "/api/v1/session", "application/json"))
        self.assertEqual(json.loads(seen["body"]), {"username": "admin", "password": PASSWORD})

    def test_out_on_a_full_disk_keeps_the_old_file(self):
        self.emu.apply(admin_secret())
        folder = os.path.join(TMP.name, "full")
        full = sftest.FullDisk(folder, "login.curl", "old",
                               [KW, "--kubeconfig", self.kubeconfig, "--secret", "argocd/argocd-initial-admin-secret/password",
                                "--format", "argocd-login", "--out", os.path.join(folder, "login.curl"), "--timeout", "10s"])
        self.assertEqual(full.rc, 1, full.stderr)
        self.assertIn("No space left on device", full.stderr)
        self.assertEqual((full.text, full.names), ("old", ["login.curl"]))
        self.assertNotIn(PASSWORD, full.stderr)

    def test_out_to_a_fifo_is_written_through(self):
        self.emu.apply(admin_secret())
        fifo = os.path.join(TMP.name, "secret.fifo")
        os.mkfifo(fifo, 0o600)
        reader = sftest.FifoReader(fifo)
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/password", "--out", fifo, "--timeout", "10s")
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(reader.data(), PASSWORD)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertEqual(sorted(n for n in os.listdir(TMP.name) if n.startswith("secret.fifo")), ["secret.fifo"])

    def test_a_secret_that_appears_later_is_waited_for(self):
        self.emu.schedule(1.0, "apply", object=admin_secret("later"))
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/password", "--timeout", "15s")
        self.assertEqual((r.returncode, r.stdout), (0, "later"), r.stderr)
        self.assertGreater(r.elapsed, 0.9)

    def test_errors_name_the_secret_its_keys_and_what_to_do(self):
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/password", "--timeout", "2s")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn("reading secret/argocd/argocd-initial-admin-secret: no answer within the 2.0s --timeout", r.stderr)
        self.assertIn("Argo CD deletes argocd-initial-admin-secret once the admin password is changed", r.stderr)
        self.emu.apply(admin_secret())
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret/pasword", "--timeout", "5s")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn("secret/argocd/argocd-initial-admin-secret has no key 'pasword' (its keys: password)", r.stderr)
        r = self.kw("--secret", "argocd/argocd-initial-admin-secret")
        self.assertEqual(r.returncode, 2)
        self.assertIn("write it as NAMESPACE/NAME/KEY", r.stderr)
        # Named before the kubeconfig is read: a typo is not hidden behind a missing file.
        r = subprocess.run([KW, "--kubeconfig", os.path.join(TMP.name, "no-such-kubeconfig"), "--secret", "x/y"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("write it as NAMESPACE/NAME/KEY", r.stderr)
        r = subprocess.run([KW, "--kubeconfig", os.path.join(TMP.name, "no-such-kubeconfig"), "--expect-denied",
                            "demo/demo-db:6379"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("write it as service/NAMESPACE/NAME:PORT", r.stderr)
        r = self.kw("--secret", "a/b/c", "--for", "nodes=1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--secret and --expect-denied each go alone", r.stderr)
        r = self.kw("--for", "nodes=1", "--out", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format and --out go with --secret", r.stderr)


class DenyTests(Case):
    TARGET = "service/demo/demo-db:6379"

    def endpoint(self, url):
        self.emu.service_endpoint("demo", "demo-db", port=6379, url=url, port_name="redis")

    def test_a_drop_is_denied_by_silence_within_the_window(self):
        self.endpoint("drop:30")
        r = self.kw("--expect-denied", self.TARGET, "--deny-window", "1s", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no answer within 1.0 s while the API server dials the pod", r.stderr)
        self.assertLess(r.elapsed, 10)

    def test_the_proxy_dial_timeout_is_denied(self):
        self.endpoint("drop:0.5")
        r = self.kw("--expect-denied", self.TARGET, "--deny-window", "5s", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"the API server's dial timed out \(error trying to reach service: dial tcp "
                                   r"[0-9.]+:6379: i/o timeout\)")

    def test_a_real_redis_that_answers_is_not_denied(self):
        redis = sftest.require_program("redis-server", "redis-server")
        port = sftest.free_port()
        proc = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.endpoint("http://127.0.0.1:%d" % port)
        r = self.kw("--expect-denied", self.TARGET, "--deny-window", "5s", "--timeout", "20s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not denied: service/demo/demo-db:6379: error trying to reach service:", r.stderr)
        self.assertIn("the API server connected to the pod, so no NetworkPolicy denied it", r.stderr)
        self.assertLess(r.elapsed, 5, "a made connection answers at once")

    def test_an_http_answer_and_a_refusal_are_not_denied(self):
        rec = Recorder()
        self.addCleanup(rec.stop)
        self.endpoint(rec.url)
        r = self.kw("--expect-denied", self.TARGET, "--timeout", "20s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("the pod answered HTTP 200 through the API server's proxy", r.stderr)
        self.endpoint("http://127.0.0.1:%d" % sftest.free_port())
        r = self.kw("--expect-denied", self.TARGET, "--timeout", "20s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("connection refused: the connection reached the pod, which refused it", r.stderr)

    def test_no_endpoints_is_waited_for_then_named(self):
        self.emu.service_endpoint("demo", "demo-db", port=6379, url=None, port_name="redis")
        self.emu.schedule(1.0, {"op": "endpoints", "namespace": "demo", "name": "demo-db", "port": 6379,
                                "url": "drop:30", "portName": "redis"})
        r = self.kw("--expect-denied", self.TARGET, "--deny-window", "1s", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.emu.service_endpoint("demo", "demo-db", port=6379, url=None, port_name="redis")
        r = self.kw("--expect-denied", self.TARGET, "--deny-window", "1s", "--timeout", "3s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('no verdict within the 3.0s --timeout; last: service/demo/demo-db:6379: HTTP 503: no endpoints '
                      'available for service "demo-db', r.stderr)
        r = self.kw("--expect-denied", "demo/demo-db:6379")
        self.assertEqual(r.returncode, 2)
        self.assertIn("write it as service/NAMESPACE/NAME:PORT", r.stderr)


if __name__ == "__main__":
    unittest.main()
