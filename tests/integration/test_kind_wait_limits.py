"""kind-wait's limits and messages under faults the emulator does not model, with small stub
servers (apiserver_stub.py): a server that accepts and never answers, a TLS handshake that never
finishes, a hanging exec plugin, an oversized LIST and kubeconfig, Retry-After, redirects,
hostile server text, TLS failures told apart by type, plain-http credentials, durations that
would overflow. Every wait ends at the one --timeout and names the culprit."""
# ctest: serial  (wall-clock and peak-memory bounds are asserted)
import base64
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import test_kind_wait as T  # noqa: E402  (shared helpers; its test classes are not collected here)
from apiserver_stub import Pki, SilentServer, StubApiServer, node_list  # noqa: E402

H = T.H


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def kubeconfig(path, server, ca=None, user="{}", extra_cluster=""):
    cluster = f"server: {json.dumps(server)}"
    if ca:
        cluster += f", certificate-authority-data: {b64(ca)}"
    if extra_cluster:
        cluster += ", " + extra_cluster
    with open(path, "w") as f:
        f.write("apiVersion: v1\nkind: Config\ncurrent-context: t\n"
                "contexts:\n- {name: t, context: {cluster: c, user: u}}\n"
                f"clusters:\n- name: c\n  cluster: {{{cluster}}}\n"
                f"users:\n- name: u\n  user: {user}\n")
    past = time.time() - 600
    os.utime(path, (past, past))
    return path


def measured(args, env=None, timeout=120):
    """Runs kind-wait; returns (rc, stdout, stderr, seconds)."""
    start = time.monotonic()
    p = subprocess.Popen([T.kind_wait()] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, env=env or T.clean_env(), text=True)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err, time.monotonic() - start


def peak_rss_mb(args, env=None):
    """Peak resident memory of one kind-wait run, from GNU time."""
    with tempfile.NamedTemporaryFile("r") as f:
        p = subprocess.run([sftest.require_program("/usr/bin/time", "time"), "-f", "%M", "-o", f.name, T.kind_wait()] +
                           args, capture_output=True, text=True, env=env or T.clean_env(), timeout=120,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stderr, int(f.read().strip().splitlines()[-1]) / 1024


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kind-wait-limits-")
        cls.pki = Pki(os.path.join(cls.tmp.name, "pki"))
        cls.other = Pki(os.path.join(cls.tmp.name, "other"), name="other")
        cls.client = cls.pki.client("kind-admin")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, f"{self.id().split('.')[-1]}-{name}")


class DeadlineTest(Base):
    def test_a_server_that_accepts_and_never_answers(self):
        with SilentServer() as silent:
            kc = kubeconfig(self.path("kc"), f"http://127.0.0.1:{silent.port}")
            for mode in (["--list", "nodes"], ["--for", "nodes=1"]):
                rc, _, err, seconds = measured(["--kubeconfig", kc, "--timeout", "2s"] + mode)
                self.assertEqual(rc, 1, err)
                self.assertGreaterEqual(seconds, 1.9, err)
                self.assertLess(seconds, 3.5, err)  # was 30 s for --list nodes
                self.assertIn(f"the API server http://127.0.0.1:{silent.port} never answered", err)
                self.assertIn("sent the request, but no answer came within the 2.0s --timeout", err)

    def test_a_tls_handshake_that_never_finishes_is_named(self):
        with SilentServer() as silent:
            kc = kubeconfig(self.path("kc"), f"https://127.0.0.1:{silent.port}", ca=self.pki.ca_cert)
            rc, _, err, seconds = measured(["--kubeconfig", kc, "--timeout", "2s", "--list", "nodes"])
            self.assertEqual(rc, 1, err)
            self.assertLess(seconds, 3.5, err)
            self.assertIn("the TLS handshake did not finish within the 2.0s --timeout", err)

    def test_a_hanging_exec_plugin_is_killed_at_the_timeout_and_named(self):
        plugin = self.path("plugin")
        pid_file = self.path("plugin.pid")
        with open(plugin, "w") as f:
            f.write(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
        os.chmod(plugin, 0o755)
        with StubApiServer("api", pki=self.pki) as api:
            kc = kubeconfig(self.path("kc"), api.url, ca=self.pki.ca_cert,
                            user="{exec: {apiVersion: client.authentication.k8s.io/v1, command: " + plugin +
                                 ", interactiveMode: Never}}")
            for mode in (["--list", "nodes"], ["--for", "nodes=1"]):
                rc, _, err, seconds = measured(["--kubeconfig", kc, "--timeout", "3s"] + mode)
                self.assertEqual(rc, 1, err)
                self.assertGreaterEqual(seconds, 2.9, err)
                self.assertLess(seconds, 4.5, err)  # was 60 s
                self.assertIn(f'exec plugin "{plugin}"', err)
                self.assertIn("did not return a credential within the 3.0s --timeout and was killed", err)
                self.assertNotIn("never answered", err)  # the API server is not blamed
                with open(pid_file) as f:
                    pid = int(f.read())
                self.assertFalse(os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z",
                                 "the plugin outlived kind-wait")
            self.assertEqual(api.take_log(), [])

    def test_durations_that_would_overflow_and_zero_are_usage_errors(self):
        for args, words in ((["--timeout", "3000000h"], "longer than a duration can be"),
                            (["--timeout", "0"], "--timeout 0"),
                            (["--timeout", "1e400s"], "is not a duration"),
                            (["--max-list-bytes", "-1"], "--max-list-bytes: '-1' is not a size"),
                            (["--max-list-bytes", "0"], "must be at least 1 byte")):
            rc, _, err, seconds = measured(["--list", "nodes"] + args)
            self.assertEqual(rc, 2, (args, err))
            self.assertIn(words, err)
            self.assertLess(seconds, 2)
        r = sftest.run([sftest.binary("scrape-nodes"), "--interval", "99999999h", "http://127.0.0.1:1/metrics"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--interval: '99999999h' is longer than a duration can be", r.stderr)


class RetryPolicyTest(T.KindWaitCase):
    def test_list_nodes_retries_429_500_503_like_for_and_honours_retry_after(self):
        nodes = "/api/v1/nodes"
        emu = self.emulator(H.kind_cluster(workers=1), faults=[
            {"type": "status", "code": 503, "path_prefix": nodes, "watch": False, "times": 1},
            {"type": "status", "code": 500, "path_prefix": nodes, "watch": False, "times": 1},
            {"type": "status", "code": 429, "retry_after": 2, "path_prefix": nodes, "watch": False, "times": 1}])
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--list", "nodes", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.lines()), 2)
        lists = self.lists(emu, nodes)
        self.assertEqual([e["status"] for e in lists], [503, 500, 429, 200])
        self.assertGreaterEqual(r.seconds, 1.9, r)  # Retry-After: 2 honoured, not the 0.8 s backoff

    def test_a_retry_after_past_the_timeout_ends_the_run_with_the_servers_words(self):
        emu = self.emulator(H.kind_cluster(workers=1), faults=[
            {"type": "status", "code": 429, "retry_after": 30, "path_prefix": "/api/v1/nodes", "watch": False}])
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--list", "nodes", "--timeout", "3s"])
        self.assertEqual(r.rc, 1, r)
        self.assertLess(r.seconds, 2.5, r)  # does not sleep 30 s, nor into the deadline
        self.assertIn("answered, but only with errors", r.err)
        self.assertIn("HTTP 429 Too Many Requests", r.err)
        self.assertNotIn("never answered", r.err)

    def test_a_wait_on_a_server_answering_only_errors_says_so(self):
        emu = self.emulator(H.kind_cluster(workers=1), faults=[
            {"type": "status", "code": 503, "path_prefix": "/api/v1/nodes"}])
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=1", "--timeout", "2s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("timed out after 2.0s; the API server %s answered, but only with errors" % emu.url, r.err)
        self.assertIn("503", r.err)


class SizeTest(Base):
    def test_an_oversized_list_is_refused_at_the_cap_with_bounded_memory(self):
        item = json.dumps({"metadata": {"name": "n" * 40, "labels": {f"k{i}": "v" * 20 for i in range(20)}}})
        sizes = {"small": 100_000_000, "huge": 2_000_000_000}

        def huge(handler, record):
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            head = b'{"kind":"NodeList","items":['
            chunk = ",".join([item] * 200).encode() + b","
            try:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
                for _ in range(sizes["huge" if "huge" in record["path"] else "small"] // len(chunk)):
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass  # the client hung up at its cap
            return True

        with StubApiServer("huge", behave=huge) as api:
            peaks = {}
            for name in sizes:
                kc = kubeconfig(self.path(name), api.url + ("/huge" if name == "huge" else ""))
                rc, err, peaks[name] = peak_rss_mb(["--kubeconfig", kc, "--list", "nodes", "--timeout", "60s"])
                self.assertEqual(rc, 1, err)
                self.assertIn("the answer is larger than the 64 MiB cap", err)
            # Memory follows the cap, not the answer: 2 GB costs what 100 MB costs (the same in
            # every build type; on main, 250 MB took 3 GB).
            self.assertLess(peaks["huge"], peaks["small"] + 40, peaks)
            self.assertLess(peaks["huge"], 600, peaks)
            kc = kubeconfig(self.path("small-cap"), api.url)
            rc, err, _ = peak_rss_mb(["--kubeconfig", kc, "--list", "nodes", "--max-list-bytes", "1Mi"])
            self.assertIn("larger than the 1 MiB cap", err)

    def test_a_gzip_answer_over_the_cap_once_decoded_is_refused(self):
        # A NodeList of one node padded to 4 MiB: ~5 KB of gzip on the wire.
        doc = node_list("node-gzip")
        doc["items"][0]["metadata"]["annotations"] = {"padding": "x" * (4 << 20)}
        decoded = json.dumps(doc).encode()
        wire = gzip.compress(decoded, compresslevel=9)
        accepted = []

        def gzipped(handler, record):
            asks = "gzip" in (handler.headers.get("Accept-Encoding") or "")
            accepted.append(asks)
            body = wire if asks else decoded
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            if asks:
                handler.send_header("Content-Encoding", "gzip")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return True

        self.assertLess(len(wire), 1 << 20, "on the wire it is under the cap")
        with StubApiServer("gzip", behave=gzipped) as api:
            kc = kubeconfig(self.path("gzip"), api.url)
            rc, out, err, seconds = measured(["--kubeconfig", kc, "--list", "nodes", "--max-list-bytes", "1Mi",
                                              "--timeout", "20s"])
            self.assertEqual(rc, 1, err)
            self.assertIn("the answer is larger than the 1 MiB cap", err)
            self.assertEqual(out, "", "nothing listed from a refused answer")
            self.assertLess(seconds, 5, "a cap is not retried until the timeout")
            rc, out, err, _ = measured(["--kubeconfig", kc, "--list", "nodes", "--timeout", "20s"])
            self.assertEqual(rc, 0, err)  # under the default 64 MiB cap the same answer decodes
            self.assertEqual([json.loads(l)["name"] for l in out.splitlines()], ["node-gzip"])
        self.assertTrue(accepted and all(accepted), "kind-wait asks for gzip")

    def test_an_oversized_kubeconfig_is_refused_before_parsing(self):
        kc = self.path("big-kubeconfig")
        with open(kc, "w") as f:
            f.write("users:\n- name: u\n  user:\n    as-groups:\n")
            f.write("    - g\n" * ((5 << 20) // 6))
        rc, err, rss = peak_rss_mb(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(rc, 2, err)
        self.assertIn(f"--kubeconfig {kc}: is ", err)
        self.assertIn("more than the 4 MiB a --kubeconfig may have", err)
        self.assertLess(rss, 40, err)


class MessagesTest(Base):
    def test_a_redirect_names_its_location_redacted(self):
        def redirect(handler, record):
            handler.send_response(302)
            handler.send_header("Location", "https://admin:hunter2@login.example.com/sso?next=/api")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return True

        with StubApiServer("redirect", behave=redirect) as api:
            kc = kubeconfig(self.path("kc"), api.url)
            rc, _, err, seconds = measured(["--kubeconfig", kc, "--for", "nodes=1", "--timeout", "20s"])
            self.assertEqual(rc, 1, err)
            self.assertLess(seconds, 5, err)  # waiting will not fix a redirect
            self.assertIn("HTTP 302", err)
            self.assertIn("the server redirects to https://***@login.example.com/sso?next=/api", err)
            self.assertNotIn("hunter2", err)

    def test_server_text_reaches_the_terminal_escaped(self):
        def hostile(handler, record):
            handler.answer(500, {"kind": "Status", "status": "Failure", "code": 500,
                                 "message": "boom\x1b[2J\x1b]0;owned\x07\r\nkind-wait: ready after 0.1s"})
            return True

        with StubApiServer("hostile", behave=hostile) as api:
            kc = kubeconfig(self.path("kc"), api.url)
            rc, _, err, _ = measured(["--kubeconfig", kc, "--list", "nodes", "--timeout", "1500ms"])
            self.assertEqual(rc, 1, err)
            self.assertNotIn("\x1b", err)
            self.assertNotIn("\r", err)
            self.assertIn("boom\\x1B[2J", err)
            self.assertEqual(err.count("\n"), 1, err)  # one message, one line: no forged second line

    def test_credentials_over_plain_http_are_withheld_and_the_message_says_so(self):
        def forbidden(handler, record):
            handler.answer(403, {"kind": "Status", "status": "Failure", "code": 403, "reason": "Forbidden",
                                 "message": 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes"'})
            return True

        with StubApiServer("plain", behave=forbidden) as api:
            kc = kubeconfig(self.path("kc"), api.url, user="{token: s3cret-token}")
            rc, _, err, _ = measured(["--kubeconfig", kc, "--list", "nodes"])
            self.assertEqual(rc, 2, err)
            self.assertIn(f"the server {api.url} is plain http, so the credentials of user \"u\"", err)
            self.assertIn("use the API server's https:// URL", err)
            self.assertNotIn("s3cret", err)
            self.assertIsNone(api.take_log()[0]["authorization"])


class TlsTest(Base):
    def test_a_client_certificate_the_server_rejects_in_the_handshake(self):
        crt, key = self.client
        with StubApiServer("strict", pki=self.pki, client_ca=self.other.ca_cert, require_client_cert=True) as api:
            kc = kubeconfig(self.path("kc"), api.url, ca=self.pki.ca_cert,
                            user=f"{{client-certificate-data: {b64(crt)}, client-key-data: {b64(key)}}}")
            rc, _, err, seconds = measured(["--kubeconfig", kc, "--for", "nodes=1", "--timeout", "20s"])
            self.assertEqual(rc, 2, err)
            self.assertLess(seconds, 5, err)
            self.assertIn(f'the API server {api.url} rejected the client certificate of user "u"', err)
            self.assertRegex(err, r"TLS alert (unknown_ca|bad_certificate|certificate_unknown)")
            self.assertNotIn("cannot verify the API server", err)  # not blamed on the server's certificate
            kc = kubeconfig(self.path("kc-token"), api.url, ca=self.pki.ca_cert, user="{token: t}")
            rc, _, err, _ = measured(["--kubeconfig", kc, "--list", "nodes"])
            self.assertEqual(rc, 2, err)
            self.assertIn("TLS alert certificate_required", err)

    def test_a_key_that_does_not_match_its_certificate_is_named_before_connecting(self):
        crt, _ = self.client
        _, other_key = self.pki.client("someone-else")
        with StubApiServer("api", pki=self.pki, client_ca=self.pki.ca_cert) as api:
            kc = kubeconfig(self.path("kc"), api.url, ca=self.pki.ca_cert,
                            user=f"{{client-certificate: {crt}, client-key: {other_key}}}")
            rc, _, err, _ = measured(["--kubeconfig", kc, "--list", "nodes"])
            self.assertEqual(rc, 2, err)
            self.assertIn("the client key does not match the client certificate", err)
            self.assertIn(f"client-key {other_key}", err)
            self.assertNotIn("cannot verify", err)
            self.assertEqual((api.take_log(), api.handshake_failures), ([], 0))  # never connected

    def test_an_untrusted_server_certificate_names_the_verification_result(self):
        with StubApiServer("other", pki=self.other) as api:
            kc = kubeconfig(self.path("kc"), api.url, ca=self.pki.ca_cert)
            rc, _, err, _ = measured(["--kubeconfig", kc, "--list", "nodes"])
            self.assertEqual(rc, 2, err)
            self.assertIn(f"cannot verify the API server {api.url}", err)
            self.assertIn("certificate is not trusted (unable to get local issuer certificate)", err)

    def test_plain_http_on_an_https_url_says_the_port_is_not_tls(self):
        with StubApiServer("plain") as api:
            kc = kubeconfig(self.path("kc"), api.url.replace("http://", "https://"), ca=self.pki.ca_cert)
            rc, _, err, seconds = measured(["--kubeconfig", kc, "--list", "nodes", "--timeout", "10s"])
            self.assertEqual(rc, 2, err)
            self.assertLess(seconds, 5, err)
            self.assertIn("is this port TLS (https://) at all?", err)

    def test_a_host_name_that_does_not_resolve_is_named(self):
        kc = kubeconfig(self.path("kc"), "https://sf-no-such-host.invalid:6443", ca=self.pki.ca_cert)
        rc, _, err, seconds = measured(["--kubeconfig", kc, "--list", "nodes", "--timeout", "2s"])
        self.assertEqual(rc, 1, err)
        self.assertLess(seconds, 3.5, err)
        self.assertIn("resolve the host name", err.replace("did not resolve", "resolve the host name"))
        self.assertIn("sf-no-such-host.invalid", err)


if __name__ == "__main__":
    unittest.main()
