"""scrape-nodes against Debian's real prometheus-node-exporter on loopback: the figures match
this machine's /proc, and busy cores match both /proc/stat and Prometheus' own rate()."""
# ctest: serial
import json
import os
import sys
import time
import unittest
import urllib.parse
import urllib.request
import multiprocessing

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

USER_HZ = os.sysconf("SC_CLK_TCK")


def proc_busy_seconds():
    """Busy CPU seconds since boot, all CPUs: every mode but idle and iowait (as scrape-nodes)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / USER_HZ


def burn(stop_at):
    while time.monotonic() < stop_at:
        pass


class Burner:
    """One process spinning on one core for `seconds`: a known load of ~1 core."""

    def __init__(self, seconds):
        self.proc = multiprocessing.Process(target=burn, args=(time.monotonic() + seconds,), daemon=True)

    def __enter__(self):
        self.proc.start()
        return self

    def __exit__(self, *exc):
        self.proc.join(timeout=30)
        if self.proc.is_alive():
            self.proc.kill()


class RealNodeExporterTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exporter = sftest.NodeExporter()

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()

    def test_once_matches_proc_exactly(self):
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", self.exporter.url, "--label", "team=a"])
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertEqual(line["kind"], "node_usage")
        self.assertEqual(line["cpu_cores"], sftest.proc_cores())
        self.assertEqual(line["memory_bytes"], sftest.proc_memtotal_bytes())
        self.assertEqual(line["node"], os.uname().nodename)
        self.assertEqual(line["labels"], {"team": "a"})
        self.assertIsNone(line["cpu_busy_cores"])
        self.assertGreater(line["filesystem_bytes"], 0)
        self.assertLessEqual(line["filesystem_used_bytes"], line["filesystem_bytes"])
        self.assertEqual(line["window_start"], line["window_end"])

    def test_busy_cores_follow_a_known_load_and_proc_stat(self):
        with Burner(seconds=6):
            time.sleep(0.3)
            before = proc_busy_seconds()
            t0 = time.monotonic()
            result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "4s", self.exporter.url])
            busy_proc = (proc_busy_seconds() - before) / (time.monotonic() - t0)
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        busy = line["cpu_busy_cores"]
        # The burner alone keeps one core busy; the machine may add its own load on top.
        self.assertGreaterEqual(busy, 0.85, line)
        self.assertLessEqual(busy, line["cpu_cores"])
        self.assertAlmostEqual(busy, busy_proc, delta=0.3, msg=f"scrape-nodes {busy} vs /proc/stat {busy_proc}")

    def test_busy_cores_agree_with_prometheus_rate(self):
        target = urllib.parse.urlparse(self.exporter.url).netloc
        with sftest.Prometheus([target], interval="1s") as prom:
            with Burner(seconds=14):
                time.sleep(3)  # Prometheus has a few samples of the steady load
                result = sftest.run([sftest.binary("scrape-nodes"), "--interval", "8s", self.exporter.url])
                time.sleep(1.5)  # one more Prometheus scrape inside the burn
                rate = prom.query('sum(rate(node_cpu_seconds_total{mode!="idle",mode!="iowait"}[8s]))')
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertTrue(rate, "prometheus returned no rate")
        prom_busy = float(rate[0]["value"][1])
        self.assertAlmostEqual(line["cpu_busy_cores"], prom_busy, delta=0.35,
                               msg=f"scrape-nodes {line['cpu_busy_cores']} vs prometheus rate() {prom_busy}")

    def test_node_lines_as_input(self):
        node = {"kind": "node", "name": "kind-worker", "roles": ["worker"], "ready": True,
                "internal_ip": "127.0.0.1", "capacity": {"cpu_cores": 2, "memory_bytes": 1, "gpus": 1},
                "allocatable": {"cpu_cores": 2, "memory_bytes": 1, "gpus": 1}, "labels": {"zone": "z1"}}
        result = sftest.run([sftest.binary("scrape-nodes"), "--once", "--port", str(self.exporter.port)],
                            input=json.dumps(node) + "\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        (line,) = sftest.json_lines(result.stdout)
        self.assertEqual(line["node"], "kind-worker")
        self.assertEqual(line["gpus"], 1)
        self.assertEqual(line["labels"], {"zone": "z1"})
        self.assertEqual(line["cpu_cores"], sftest.proc_cores())


if __name__ == "__main__":
    unittest.main(verbosity=2)
