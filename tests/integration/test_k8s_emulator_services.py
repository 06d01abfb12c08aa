#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests of the Kubernetes API emulator's service proxy in front of a real local upstream
(here a small Vault-like server): status codes, bodies and headers pass unchanged (Vault's
sys/health answers 429, 472, 473, 501, 503), methods and bodies are forwarded, Authorization is
not, and without a ready endpoint the API server itself answers 503 with the exact Status of
pkg/registry/core/service/storage ResourceLocation, through the phases of a pod that does not
exist yet, is not ready, then serves. kubectl get --raw is a real client.

Run: python3 tests/integration/test_k8s_emulator_services.py
"""

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

import k8s_harness as H  # noqa: E402

TMP = PKI = None
TOKEN = "services-test-token-0123456789"
HEALTH = "/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1/sys/health"


def setUpModule():
    global TMP, PKI
    TMP = tempfile.TemporaryDirectory(prefix="k8s-emu-svc-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")


def tearDownModule():
    TMP.cleanup()


class Upstream:
    """Answers /v1/sys/health with the code `?code=N` asks for (Vault's standbyok/sealedcode knobs
    play that role), echoes everything else it received as JSON."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                             "body": body})
                if self.path.startswith("/v1/sys/health"):
                    code = int(self.path.partition("code=")[2] or 200)
                    out = json.dumps({"initialized": code != 501, "sealed": code == 503, "standby": code == 429,
                                      "performance_standby": code == 473}).encode()
                else:
                    code, out = 200, json.dumps({"method": self.command, "body": body.decode()}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Upstream", "vault")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = handle_any

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TestServiceProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        cls.emu = H.Emulator(pki=PKI, token=TOKEN, fixtures=[
            H.namespace("vault"), H.service("vault", "vault", ports=((8200, "http"), (8201, "https-internal"))),
            H.service("vault", "lonely", ports=((80, "http"),))]).start()
        cls.api = cls.emu.client(cert=None, token=TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.up.close()

    def status_body(self, r):
        return r.status, json.loads(r.body)

    def test_1_pod_not_created_then_not_ready_then_serving(self):
        self.emu.service_endpoint("vault", "vault", 8200, None)          # Endpoints without subsets
        self.assertIsNone(self.emu.objects(kind="Endpoints", namespace="vault")[0].get("subsets"))
        r = self.api.get(HEALTH)
        self.assertEqual(self.status_body(r), (503, {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'no endpoints available for service "vault"', "reason": "ServiceUnavailable", "code": 503}))
        self.emu.service_endpoint("vault", "vault", 8200, self.up.url, ready=False)
        r = self.api.get(HEALTH)
        # a subset with only notReadyAddresses: the message names the service as requested
        self.assertEqual(self.status_body(r)[1]["message"], 'no endpoints available for service "https:vault:8200"')
        self.emu.schedule(0.5, "endpoints", namespace="vault", name="vault", port=8200, url=self.up.url)
        codes = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (not codes or codes[-1] != 200):
            codes.append(self.api.get(HEALTH).status)
            time.sleep(0.05)
        self.assertEqual((codes[0], codes[-1]), (503, 200))
        ep = self.emu.objects(kind="Endpoints", namespace="vault")[0]
        addr = ep["subsets"][0]["addresses"][0]
        self.assertEqual(addr["targetRef"]["name"], "vault-0")
        self.assertEqual(ep["subsets"][0]["ports"], [{"name": "http", "port": 8200, "protocol": "TCP"}])
        pod = self.api.get("/api/v1/namespaces/vault/pods/vault-0").json()
        self.assertEqual(pod["status"]["podIP"], addr["ip"])

    def test_2_codes_bodies_and_headers_pass_through(self):
        self.emu.service_endpoint("vault", "vault", 8200, self.up.url)
        for code in (200, 429, 472, 473, 501, 503):
            r = self.api.get(HEALTH + "?code=%d" % code)
            self.assertEqual(r.status, code)
            self.assertEqual(json.loads(r.body)["sealed"], code == 503)
            self.assertEqual((r.header("X-Upstream"), r.header("Cache-Control")), ("vault", "no-store"))
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertIsNotNone(r.header("Audit-Id"))
        # the status line as Go's net/http writes a code it has no text for
        c = self.api.connect()
        c.request("GET", HEALTH + "?code=472", headers={"Authorization": "Bearer " + TOKEN})
        resp = c.getresponse()
        self.assertEqual((resp.status, resp.reason), (472, "status code 472"))
        resp.read()
        c.close()
        seen = self.up.seen[-1]
        self.assertEqual(seen["path"], "/v1/sys/health?code=472")
        self.assertNotIn("Authorization", seen["headers"])          # deleted after authentication
        self.assertEqual(seen["headers"]["Host"], "127.0.0.1:%d" % self.emu.port)
        self.assertEqual(seen["headers"]["X-Forwarded-For"], "127.0.0.1")

    def test_3_methods_and_bodies(self):
        self.emu.service_endpoint("vault", "vault", 8200, self.up.url)
        base = "/api/v1/namespaces/vault/services/vault:http/proxy/v1/sys/init"
        body = json.dumps({"secret_shares": 1, "secret_threshold": 1})
        for method in ("PUT", "POST", "DELETE", "PATCH"):
            r = self.api.request(method, base, body=body if method != "DELETE" else None,
                                 headers={"X-Vault-Token": "hvs.test", "X-Vault-Request": "true"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), {"method": method, "body": body if method != "DELETE" else ""})
            seen = self.up.seen[-1]
            self.assertEqual((seen["method"], seen["headers"]["X-Vault-Token"], seen["headers"]["X-Vault-Request"]),
                             (method, "hvs.test", "true"))
        r = self.api.request("HEAD", HEALTH)
        self.assertEqual((r.status, r.body), (200, b""))

    def test_4_errors_the_api_server_answers_itself(self):
        self.emu.service_endpoint("vault", "vault", 8200, self.up.url)
        cases = [
            ("/api/v1/namespaces/vault/services/vault:8300/proxy/", 503, 'no service port 8300 found for service "vault"'),
            ("/api/v1/namespaces/vault/services/vault:nope/proxy/", 503, 'no endpoints available for service "vault:nope"'),
            ("/api/v1/namespaces/vault/services/vault/proxy/", 503, 'no endpoints available for service "vault"'),
            ("/api/v1/namespaces/vault/services/lonely/proxy/", 404, 'endpoints "lonely" not found'),
            ("/api/v1/namespaces/vault/services/ghost:80/proxy/", 404, 'services "ghost" not found'),
            ("/api/v1/namespaces/vault/services/a:b:c:d/proxy/", 400, 'invalid service request "a:b:c:d"'),
        ]
        for path, code, message in cases:
            with self.subTest(path=path):
                r = self.api.get(path)
                self.assertEqual((r.status, r.json()["message"]), (code, message))
        # the upstream is down: the pod's address is what the API server dialed
        dead = socket.socket()
        dead.bind(("127.0.0.1", 0))
        dead_url = "http://127.0.0.1:%d" % dead.getsockname()[1]
        dead.close()
        self.emu.service_endpoint("vault", "vault", 8201, dead_url)
        ip = self.emu.objects(kind="Pod", namespace="vault")[0]["status"]["podIP"]
        r = self.api.get("/api/v1/namespaces/vault/services/vault:8201/proxy/")
        self.assertEqual((r.status, r.json()["message"]), (503, "error trying to reach service: dial tcp %s:8201: "
                                                                "connect: connection refused" % ip))

    def test_5_your_own_endpoints_and_a_backend(self):
        self.emu.apply([H.service("vault", "own", ports=((8200, "api"),)),
                        H.pod("vault", "own-0", node_name="kind-worker", pod_ip="10.244.9.9"),
                        H.endpoints("vault", "own", [("10.244.9.9", "own-0")], [("api", 8200)])])
        r = self.api.get("/api/v1/namespaces/vault/services/own:8200/proxy/v1/sys/health")
        self.assertEqual((r.status, r.json()["message"]), (503, "error trying to reach service: dial tcp "
                                                                "10.244.9.9:8200: connect: connection refused"))
        self.emu.proxy_backend("10.244.9.9:8200", self.up.url)
        self.assertEqual(self.api.get("/api/v1/namespaces/vault/services/own:8200/proxy/v1/sys/health").status, 200)
        self.emu.delete("Pod", "vault", "own-0")      # the targetRef pod is gone: the address is skipped
        r = self.api.get("/api/v1/namespaces/vault/services/own:8200/proxy/v1/sys/health")
        self.assertEqual((r.status, r.json()["message"]), (503, 'no endpoints available for service "own:8200"'))

    def test_6_kubectl_get_raw(self):
        self.emu.service_endpoint("vault", "vault", 8200, self.up.url)
        home = tempfile.mkdtemp(dir=TMP.name)
        kc = self.emu.kubeconfig(os.path.join(home, "config"))
        r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=10s", "get", "--raw", HEALTH],
                           capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["initialized"], True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
