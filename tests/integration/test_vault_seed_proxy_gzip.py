"""vault-seed through the API server's service proxy asks for gzip (the Kubernetes client's
options), so a small compressed answer can decode past its 64 MiB cap: the cap holds on the
decoded bytes, the run ends naming the cap, and the message gives no advice vault-seed cannot
follow (kind-wait's --max-list-bytes). The Kubernetes emulator passes the upstream's
Content-Encoding through, as kube-apiserver's proxy does."""
import gzip
import http.server
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

import k8s_harness as H  # noqa: E402  (tests/emulators is on sys.path through vstest)


class GzipBomb:
    """70 MiB of JSON in about 70 KB of gzip, to every GET that accepts gzip."""

    def __init__(self):
        payload = gzip.compress(b"{" + b" " * (70 << 20) + b"}", compresslevel=9)
        self.asked = []
        asked = self.asked

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                asked.append(self.headers.get("Accept-Encoding") or "")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.compressed = len(payload)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class ProxyGzipTests(unittest.TestCase):
    def test_a_gzip_answer_over_the_cap_once_decoded_ends_the_run_naming_the_cap(self):
        bomb = GzipBomb()
        self.addCleanup(bomb.stop)
        self.assertLess(bomb.compressed, 1 << 20)
        with vstest.Workspace() as ws:
            pki = H.make_pki(os.path.join(ws.tmp, "pki"), key="ec")
            with H.Emulator(pki=pki) as k8s:
                kubeconfig = k8s.kubeconfig(os.path.join(ws.tmp, "kubeconfig"))
                k8s.proxy_service("vault", "vault", 8200, bomb.url)
                r = ws.run("--via-kube-service", "vault/vault:8200", "--kubeconfig", kubeconfig, env=ws.base_env(),
                           timeout="20s")
        self.assertEqual(r.returncode, 1, r)
        self.assertTrue(any("gzip" in a for a in bomb.asked), bomb.asked)
        self.assertIn("larger than the 64 MiB cap (67108864 bytes)", r.stderr)
        self.assertIn("an answer this large is not Vault's", r.stderr)
        self.assertNotIn("--max-list-bytes", r.stderr)
        self.assertLess(len(r.stderr), 4000, "the body is not echoed")


if __name__ == "__main__":
    unittest.main()
