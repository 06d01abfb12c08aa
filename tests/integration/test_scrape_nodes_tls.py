"""scrape-nodes over TLS against the real node-exporter (exporter-toolkit web config) with
certificates made by openssl at test time: verified by default, a CA mismatch is a clear
per-target error and never a silent insecure fallback."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402
import tlsutil  # noqa: E402
from fault_server import FaultServer  # noqa: E402


def start_exporter(web_config, ca):
    """The real node-exporter serving TLS with web_config on a free port, once it answers."""
    exe = sftest.require_program("prometheus-node-exporter", "prometheus-node-exporter")
    port = sftest.free_port()
    exporter = sftest.Process([exe, f"--web.listen-address=127.0.0.1:{port}", "--no-collector.systemd",
                               f"--web.config.file={web_config}"])
    probe = sftest.run(["curl", "-ksS", "--retry", "30", "--retry-connrefused", "--retry-delay", "0",
                        "-o", "/dev/null", f"https://127.0.0.1:{port}/metrics"], timeout=30)
    assert probe.returncode == 0, probe.stderr
    return exporter, port


class TlsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sf-tls-")
        cls.ca, _ = tlsutil.make_ca(cls.dir)
        cert, key = tlsutil.make_server_cert(cls.dir)
        cls.other_ca, _ = tlsutil.make_ca(cls.dir, name="other", cn="someone else's CA")
        # A second exporter whose certificate, from the same CA, is for another name only.
        elsewhere_cert, elsewhere_key = tlsutil.make_server_cert(cls.dir, name="elsewhere",
                                                                 sans=("DNS:elsewhere.example",))
        web_configs = []
        for name, (c, k) in (("web", (cert, key)), ("elsewhere", (elsewhere_cert, elsewhere_key))):
            web_configs.append(os.path.join(cls.dir, f"{name}.yml"))
            with open(web_configs[-1], "w") as f:
                f.write(f"tls_server_config:\n  cert_file: {c}\n  key_file: {k}\n")
        cls.exporter, cls.port = start_exporter(web_configs[0], cls.ca)
        cls.elsewhere, cls.elsewhere_port = start_exporter(web_configs[1], cls.ca)
        cls.url = f"https://127.0.0.1:{cls.port}/metrics"

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        cls.elsewhere.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_verified_with_the_right_ca(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--cacert", self.ca, self.url])
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertGreater(line["cpu_cores"], 0)

    def test_wrong_ca_is_a_clear_error(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--cacert", self.other_ca, self.url])
        self.assertEqual(result.returncode, 1)
        (line,) = sftest.json_lines(result.stdout)
        self.assertIn("TLS failed", line["error"])
        self.assertIn("CA certificate", line["error"])
        self.assertNotIn("cpu_cores", line)

    def test_system_trust_store_rejects_a_private_ca(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", self.url])
        self.assertEqual(result.returncode, 1)
        self.assertIn("TLS failed", sftest.json_lines(result.stdout)[0]["error"])

    def test_insecure_only_when_asked(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--insecure", self.url])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_plain_http_to_a_tls_port_fails_cleanly(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--retries", "0", "--timeout", "2s",
                             f"http://127.0.0.1:{self.port}/metrics"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("error", sftest.json_lines(result.stdout)[0])


    def test_a_certificate_for_another_name_is_refused(self):
        url = f"https://127.0.0.1:{self.elsewhere_port}/metrics"
        # The CA is right: only the name differs, and that alone fails the target.
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--cacert", self.ca, url])
        self.assertEqual(result.returncode, 1, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertIn("TLS failed", line["error"])
        self.assertIn("not for this host name", line["error"])
        self.assertNotIn("not trusted", line["error"], "the CA is right: the name is not")
        self.assertIn("'127.0.0.1'", line["error"])
        self.assertNotIn("cpu_cores", line)
        insecure = sftest.run([sftest.binary("scrape-nodes"), "--once", "--insecure", url])
        self.assertEqual(insecure.returncode, 0, insecure.stderr)

    def test_https_to_a_plain_http_port_says_the_port_is_not_tls(self):
        with FaultServer() as server:
            url = f"https://127.0.0.1:{server.port}/ok"
            result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--retries", "0", "--timeout", "2s",
                                 "--cacert", self.ca, url, self.url])
            self.assertNotIn("/ok", server.counts, "no request is sent in clear")
        self.assertEqual(result.returncode, 3, result.stderr)
        plain, tls = sftest.json_lines(result.stdout)
        self.assertIn("TLS failed", plain["error"])
        self.assertIn("is this port TLS (https://) at all?", plain["error"])
        self.assertNotIn("cpu_cores", plain)
        self.assertNotIn("error", tls)


if __name__ == "__main__":
    unittest.main(verbosity=2)
