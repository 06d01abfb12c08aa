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


class TlsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sf-tls-")
        cls.ca, _ = tlsutil.make_ca(cls.dir)
        cert, key = tlsutil.make_server_cert(cls.dir)
        cls.other_ca, _ = tlsutil.make_ca(cls.dir, name="other", cn="someone else's CA")
        web_config = os.path.join(cls.dir, "web.yml")
        with open(web_config, "w") as f:
            f.write(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
        exe = sftest.require_program("prometheus-node-exporter", "prometheus-node-exporter")
        cls.port = sftest.free_port()
        cls.exporter = sftest.Process([exe, f"--web.listen-address=127.0.0.1:{cls.port}",
                                       "--no-collector.systemd", f"--web.config.file={web_config}"])
        cls.url = f"https://127.0.0.1:{cls.port}/metrics"
        probe = sftest.run(["curl", "-fsS", "--retry", "30", "--retry-connrefused", "--retry-delay", "0",
                            "--cacert", cls.ca, "-o", "/dev/null", cls.url], timeout=30)
        assert probe.returncode == 0, probe.stderr

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
