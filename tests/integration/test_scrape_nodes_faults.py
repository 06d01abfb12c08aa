"""scrape-nodes against a misbehaving server: every fault ends in a clear per-target error
within the timeout, and the healthy target's line is intact."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402
from fault_server import FaultServer  # noqa: E402


class FaultTests(unittest.TestCase):
    def test_every_fault_is_reported_and_the_healthy_target_survives(self):
        refused = f"http://127.0.0.1:{sftest.free_port()}/metrics"
        with FaultServer() as server:
            targets = [server.url("/ok"), refused, server.url("/hang"), server.url("/reset"),
                       server.url("/500"), server.url("/huge"), server.url("/garbage")]
            start = time.monotonic()
            result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "1s", "--timeout", "2s",
                                 "--retries", "1", *targets], timeout=60)
            elapsed = time.monotonic() - start
        lines = sftest.json_lines(result.stdout)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertEqual([l["source"] for l in lines], targets, "one line per target, in order")
        by_source = {l["source"]: l for l in lines}

        ok = by_source[server.url("/ok")]
        self.assertNotIn("error", ok)
        self.assertEqual(ok["node"], "fault-node")
        self.assertEqual(ok["cpu_cores"], 2)
        self.assertGreater(ok["cpu_busy_cores"], 0)
        self.assertEqual(ok["network_receive_bytes"], 1000)

        expectations = {
            refused: "cannot connect",
            server.url("/hang"): "timed out",
            server.url("/reset"): "connection broken",
            server.url("/500"): "HTTP 500",
            server.url("/huge"): "cap",
            server.url("/garbage"): "body:1: expected a metric name",
        }
        for url, words in expectations.items():
            line = by_source[url]
            self.assertIn("error", line, url)
            self.assertIn(words, line["error"], url)
            self.assertNotIn("cpu_cores", line, "a failed target carries no figures")
        # One sweep waits at most the 2 s timeout; the retry of /reset and /hang's timeout are
        # concurrent with the rest, so the whole run stays well below the sum of the faults.
        self.assertLess(elapsed, 2 * 2 + 1 + 4, f"took {elapsed:.1f}s")

    def test_counter_reset_between_samples_is_not_negative_usage(self):
        with FaultServer() as server:
            result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "0.5s", server.url("/counter-reset")])
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        # After the restart the counters read 2 s of user time and 50 bytes: that is the increase.
        self.assertGreaterEqual(line["cpu_busy_cores"], 0)
        self.assertEqual(line["network_receive_bytes"], 50)

    def test_gzip_is_asked_for_and_decoded(self):
        with FaultServer() as server:
            result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "0.2s", server.url("/gzip")])
            self.assertEqual(server.gzip_requests, 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertEqual(line["network_receive_bytes"], 1000)
        self.assertEqual(line["memory_used_bytes"], 3 * 1024**3)

    def test_all_targets_failing_exits_1(self):
        refused = f"http://127.0.0.1:{sftest.free_port()}/metrics"
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--retries", "0", refused])
        self.assertEqual(result.returncode, 1)
        (line,) = sftest.json_lines(result.stdout)
        self.assertIn("cannot connect", line["error"])

    def test_usage_errors_exit_2_and_say_what_to_do(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "soon", "127.0.0.1:1"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--interval", result.stderr)
        self.assertIn("90s", result.stderr)
        result = sftest.run([sftest.binary("scrape-nodes"), "--bogus"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--help", result.stderr)
        result = sftest.run([sftest.binary("scrape-nodes")], input="")
        self.assertEqual(result.returncode, 2)
        self.assertIn("no targets", result.stderr)
        self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
