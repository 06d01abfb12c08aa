"""scrape-nodes against a misbehaving server: every fault ends in a clear per-target error
within the timeout, and the healthy target's line is intact."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402
from fault_server import REDIRECT_PASSWORD, FaultServer, gzip_bomb_payload  # noqa: E402


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

    def test_retry_after_of_a_429_or_503_is_honoured(self):
        with FaultServer() as server:
            targets = [server.url("/status/429/1/1"), server.url("/status/503/1/1")]
            result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--retries", "1", *targets], timeout=60)
            times = {path: list(server.times[path]) for path in ("/status/429/1/1", "/status/503/1/1")}
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = sftest.json_lines(result.stdout)
        self.assertEqual([l["source"] for l in lines], targets)
        for line in lines:
            self.assertNotIn("error", line)
            self.assertEqual(line["cpu_cores"], 2)
        for path, arrivals in times.items():
            self.assertEqual(len(arrivals), 2, f"{path}: one retry")
            # Retry-After: 1 is waited for; the backoff alone would retry after 0.1 s.
            self.assertGreaterEqual(arrivals[1] - arrivals[0], 0.9, path)

    def test_a_429_that_persists_is_named_as_rate_limiting(self):
        with FaultServer() as server:
            url = server.url("/status/429/0/99")
            result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--retries", "2", url], timeout=60)
            self.assertEqual(server.counts["/status/429/0/99"], 3, "--retries 2: three attempts, no more")
        self.assertEqual(result.returncode, 1, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertIn("HTTP 429 (slow down!)", line["error"])
        self.assertIn("busy or limiting the rate", line["error"])
        self.assertNotIn("metrics URL", line["error"], "a 429 is not a wrong URL")
        self.assertNotIn("cpu_cores", line)

    def test_a_redirect_is_not_followed_and_names_its_location_redacted(self):
        with FaultServer() as server:
            ok = server.url("/ok")
            result = sftest.run([sftest.binary("scrape-nodes"), "--once", server.url("/redirect"), ok], timeout=60)
            self.assertNotIn("/redirected", server.counts, "the redirect is not followed")
        self.assertEqual(result.returncode, 3, result.stderr)
        redirect, healthy = sftest.json_lines(result.stdout)
        self.assertNotIn("error", healthy)
        self.assertIn("HTTP 302", redirect["error"])
        self.assertIn(f"redirects to http://***@127.0.0.1:{server.port}/redirected", redirect["error"])
        self.assertNotIn("cpu_cores", redirect)
        self.assertNotIn(REDIRECT_PASSWORD, result.stdout + result.stderr)
        # stderr names the target once, not "URL: URL: ..."
        self.assertEqual(result.stderr.count(server.url("/redirect")), 1, result.stderr)

    def test_a_gzip_body_over_max_bytes_once_decoded_is_cut_at_the_cap(self):
        self.assertLess(len(gzip_bomb_payload()), 65536, "on the wire it is under the cap")
        with FaultServer() as server:
            url = server.url("/gzip-bomb")
            capped = sftest.run([sftest.binary("scrape-nodes"), "--once", "--max-bytes", "65536", url, server.url("/ok")],
                                timeout=60)
            whole = sftest.run([sftest.binary("scrape-nodes"), "--once", url], timeout=60)
        self.assertEqual(capped.returncode, 3, capped.stderr)
        bomb, healthy = sftest.json_lines(capped.stdout)
        self.assertIn("larger than the 65536-byte cap", bomb["error"])
        self.assertIn("raise --max-bytes only if a target's metrics are that large", bomb["error"])
        self.assertNotIn("cpu_cores", bomb)
        self.assertNotIn("error", healthy)
        # Under the default 16 MiB cap the same body decodes to a valid payload.
        self.assertEqual(whole.returncode, 0, whole.stderr)
        (line,) = sftest.json_lines(whole.stdout)
        self.assertEqual(line["memory_used_bytes"], 3 * 1024**3)

    def test_a_host_name_that_does_not_resolve_is_named(self):
        # RFC 6761: a name under .invalid never resolves, with or without a network.
        unknown = "http://sf-no-such-host.invalid:9100/metrics"
        with FaultServer() as server:
            start = time.monotonic()
            result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--timeout", "3s", unknown,
                                 server.url("/ok")], timeout=60)
            elapsed = time.monotonic() - start
        self.assertEqual(result.returncode, 3, result.stderr)
        line, healthy = sftest.json_lines(result.stdout)
        self.assertIn("cannot resolve the host name", line["error"])
        self.assertIn("sf-no-such-host.invalid", line["error"])
        self.assertNotIn("cpu_cores", line)
        self.assertNotIn("error", healthy)
        self.assertLess(elapsed, 3 + 5, "bounded by the --timeout")

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
