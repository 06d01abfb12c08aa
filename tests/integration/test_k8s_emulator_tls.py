#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests of the Kubernetes API emulator's TLS (tests/emulators/k8s_api/tls.py): like
kube-apiserver (tls.RequestClientCert), a bad client certificate never fails the handshake; the
x509 authenticator rejects it afterwards with 401, and the reason is worded as Go's crypto/x509
words it. Both TLS 1.2 and 1.3, session resumption, ALPN, large bodies; kubectl as a real client.

Run: python3 tests/integration/test_k8s_emulator_tls.py
"""

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

import k8s_harness as H  # noqa: E402

TMP = PKI = OTHER = None
TOKEN = "tls-test-token-0123456789"


def setUpModule():
    global TMP, PKI, OTHER
    TMP = tempfile.TemporaryDirectory(prefix="k8s-emu-tls-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")
    OTHER = H.make_other_ca(os.path.join(TMP.name, "other"), key="ec")


def tearDownModule():
    TMP.cleanup()


class TestClientCertificates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = H.Emulator(pki=PKI, token=TOKEN, fixtures=[H.node("kind-control-plane")]).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def context(self, cert=None, tls=None):
        ctx = ssl.create_default_context(cafile=PKI.ca_cert)
        if cert:
            ctx.load_cert_chain(*cert)
        if tls:
            ctx.minimum_version = ctx.maximum_version = tls
        return ctx

    def get(self, cert=None, tls=None, token=None, path="/api/v1/nodes"):
        """One GET over a fresh connection; returns (status, body, request log entry)."""
        import http.client
        c = http.client.HTTPSConnection("127.0.0.1", self.emu.port, context=self.context(cert, tls), timeout=10)
        try:
            c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
            r = c.getresponse()
            body = r.read()
        finally:
            c.close()
        return r.status, body, self.emu.requests_log(path_prefix=path)[-1]

    def test_mode_is_request_not_verify_at_handshake(self):
        # "verify-at-handshake" is the fallback without pyOpenSSL: bad certificates would fail TLS.
        self.assertEqual(self.emu.state()["client_cert_mode"], "request")

    def test_bad_certificates_get_401_after_a_successful_handshake_with_go_reasons(self):
        expired = H.make_client_cert(PKI, "expired", "kubernetes-admin", ("system:masters",), expired=True)
        future = H.make_client_cert(PKI, "future", "kubernetes-admin", ("system:masters",), not_yet_valid=True)
        server_only = H.make_client_cert(PKI, "server-only", "kubernetes-admin", ("system:masters",),
                                         usage="serverAuth")
        wrong_ca = (OTHER.client_cert, OTHER.client_key)
        now = r"current time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
        cases = [
            (expired, "x509: certificate has expired or is not yet valid: %s is after 2020-01-02T00:00:00Z" % now),
            (future, "x509: certificate has expired or is not yet valid: %s is before 2099-01-01T00:00:00Z" % now),
            (server_only, re.escape("x509: certificate specifies an incompatible key usage")),
            (wrong_ca, re.escape("x509: certificate signed by unknown authority")),
        ]
        for tls in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            for cert, reason in cases:
                with self.subTest(tls=tls.name, cert=os.path.basename(cert[0])):
                    status, body, entry = self.get(cert, tls)
                    self.assertEqual(status, 401)
                    self.assertEqual(json.loads(body)["message"], "Unauthorized")
                    self.assertEqual((entry["auth"], entry["client_cert"]), ("failed", "invalid"))
                    self.assertRegex(entry["auth_error"], "^%s$" % reason)

    def test_good_certificate_and_the_union_of_failures(self):
        status, _, entry = self.get((PKI.client_cert, PKI.client_key))
        self.assertEqual((status, entry["auth"], entry["user"], entry["auth_error"]),
                         (200, "x509", "kubernetes-admin", None))
        status, _, entry = self.get((OTHER.client_cert, OTHER.client_key), token="wrong")
        self.assertEqual(status, 401)
        self.assertEqual(entry["auth_error"], "[x509: certificate signed by unknown authority, invalid bearer token]")
        status, _, entry = self.get((OTHER.client_cert, OTHER.client_key), token=TOKEN)
        self.assertEqual((status, entry["auth"], entry["client_cert"]), (200, "token", "invalid"))

    def test_session_resumption_and_alpn(self):
        ctx = self.context((PKI.client_cert, PKI.client_key), ssl.TLSVersion.TLSv1_2)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.emu.port), timeout=10),
                             server_hostname="127.0.0.1") as s1:
            self.assertEqual(s1.selected_alpn_protocol(), "http/1.1")
            s1.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(s1.recv(100).startswith(b"HTTP/1.1 200"))
            session = s1.session
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.emu.port), timeout=10),
                             server_hostname="127.0.0.1", session=session) as s2:
            self.assertTrue(s2.session_reused)
        h2 = self.context()
        h2.set_alpn_protocols(["h2"])
        with h2.wrap_socket(socket.create_connection(("127.0.0.1", self.emu.port), timeout=10),
                            server_hostname="127.0.0.1") as s3:
            self.assertIsNone(s3.selected_alpn_protocol())     # no h2 here; the client falls back

    def test_large_body_over_tls_arrives_whole(self):
        data = {"k%05d" % i: "v" * 200 for i in range(5000)}      # about 1.1 MB
        self.emu.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "namespace": "default"},
                        "data": data})
        status, body, _ = self.get((PKI.client_cert, PKI.client_key), path="/api/v1/namespaces/default/configmaps/big")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"], data)

    def test_kubectl_with_a_certificate_from_another_ca_is_unauthorized(self):
        kc = os.path.join(TMP.name, "other-kubeconfig")
        H.write_kubeconfig(kc, self.emu.url, ca=PKI.ca_cert, client_cert=OTHER.client_cert,
                           client_key=OTHER.client_key)
        r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=5s", "get", "nodes"],
                           capture_output=True, text=True, timeout=30, env=dict(os.environ, HOME=TMP.name))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("error: You must be logged in to the server (the server has asked for the client to provide "
                      "credentials)", r.stderr)
        kc = os.path.join(TMP.name, "good-kubeconfig")
        self.emu.kubeconfig(kc)
        r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=5s", "get", "nodes", "-o", "name"],
                           capture_output=True, text=True, timeout=30, env=dict(os.environ, HOME=TMP.name))
        self.assertEqual((r.returncode, r.stdout), (0, "node/kind-control-plane\n"), r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
