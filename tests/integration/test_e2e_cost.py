"""End to end on this machine: Debian's real prometheus-node-exporter on loopback, scraped by
scrape-nodes, piped into price-calc. The priced cores and memory are this machine's (/proc),
and the costs follow OpenCost's formula with the project's opencost/pricing.json."""
import json
import os
import subprocess
import sys
import tempfile
import shutil
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

SCRAPE_NODES = sftest.binary("scrape-nodes")
PRICE_CALC = sftest.binary("price-calc")
PRICING = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")
GIB = 1024 ** 3


def hours_between(start, end):
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds() / 3600


def pipe(scrape_args, price_args):
    """scrape-nodes ARGS | price-calc ARGS; returns (scrape rc, price rc, stdout, stderr)."""
    scrape = subprocess.Popen([SCRAPE_NODES, *scrape_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    price = subprocess.Popen([PRICE_CALC, "--pricing", PRICING, *price_args], stdin=scrape.stdout,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    scrape.stdout.close()
    out, err = price.communicate(timeout=120)
    scrape_err = scrape.stderr.read()
    scrape.stderr.close()
    scrape.wait(timeout=30)
    return scrape.returncode, price.returncode, out.decode(), err.decode() + scrape_err.decode()


class EndToEndCost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(PRICING) as f:
            cls.prices = {k: v for k, v in json.load(f).items()}
        cls.cpu = float(cls.prices["CPU"])
        cls.ram = float(cls.prices["RAM"])
        cls.storage = float(cls.prices["storage"])
        pct = lambda s: float(s.rstrip("%") or 0) / 100  # noqa: E731
        cls.discount = 1 - (1 - pct(cls.prices.get("discount", ""))) * (1 - pct(cls.prices.get("negotiatedDiscount", "")))

    def check_costs(self, line):
        """The costs of one line, recomputed here from its own figures with OpenCost's formula."""
        hours = hours_between(line["window_start"], line["window_end"])
        self.assertAlmostEqual(line["hours"], hours, places=12)
        keep = 1 - self.discount
        cpu = line["cpu_cores"] * self.cpu * hours * keep
        ram = line["memory_bytes"] / GIB * self.ram * hours * keep
        storage = line["filesystem_bytes"] / GIB * self.storage * hours
        self.assertAlmostEqual(line["cpu_cost"], cpu, places=12)
        self.assertAlmostEqual(line["ram_cost"], ram, places=12)
        self.assertAlmostEqual(line["storage_cost"], storage, places=12)
        self.assertEqual(line["gpu_cost"], 0)
        self.assertAlmostEqual(line["total_cost"], cpu + ram + storage, places=12)
        hourly = (line["cpu_cores"] * self.cpu + line["memory_bytes"] / GIB * self.ram) * keep + \
            line["filesystem_bytes"] / GIB * self.storage
        self.assertAlmostEqual(line["hourly_cost"], hourly, places=12)
        self.assertAlmostEqual(line["monthly_cost"], hourly * 730, places=9)
        used = 0.0
        if line["cpu_busy_cores"] is not None:
            used += min(line["cpu_busy_cores"], line["cpu_cores"]) * self.cpu * hours * keep
        used += line["memory_used_bytes"] / GIB * self.ram * hours * keep
        used += line["filesystem_used_bytes"] / GIB * self.storage * hours
        self.assertAlmostEqual(line["used_cost"], used, places=12)
        self.assertAlmostEqual(line["idle_cost"], cpu + ram + storage - used, places=12)

    def test_interval_scrape_priced_from_this_machine(self):
        with sftest.NodeExporter() as exporter:
            src, prc, out, err = pipe(["--interval", "2s", exporter.url], ["--format", "json"])
        self.assertEqual((src, prc), (0, 0), err)
        [line] = sftest.json_lines(out)
        self.assertEqual(line["kind"], "node_cost")
        self.assertEqual(line["source"], exporter.url)
        self.assertEqual(line["cpu_cores"], sftest.proc_cores())
        self.assertEqual(line["memory_bytes"], sftest.proc_memtotal_bytes())
        self.assertGreater(line["hours"], 1.9 / 3600)
        self.assertLess(line["hours"], 10 / 3600)
        self.assertIsNotNone(line["cpu_busy_cores"])
        self.assertEqual(line["currency"], self.prices.get("currencyCode", "USD"))
        self.check_costs(line)
        self.assertGreaterEqual(line["cpu_efficiency"], 0)

    def test_once_scrape_is_a_zero_length_window_with_projections(self):
        with sftest.NodeExporter() as exporter:
            src, prc, out, err = pipe(["--once", exporter.url], ["--format", "json"])
        self.assertEqual((src, prc), (0, 0), err)
        [line] = sftest.json_lines(out)
        self.assertEqual(line["window_start"], line["window_end"])
        self.assertEqual(line["hours"], 0)
        self.assertEqual(line["total_cost"], 0)
        self.assertIsNone(line["cpu_busy_cores"])
        self.assertEqual(line["cpu_cores"], sftest.proc_cores())
        self.check_costs(line)
        self.assertGreater(line["monthly_cost"], 0)

    def test_dead_target_is_unpriced_and_partial(self):
        with sftest.NodeExporter() as exporter:
            dead = f"http://127.0.0.1:{sftest.free_port()}/metrics"
            src, prc, out, err = pipe(["--interval", "1s", exporter.url, dead], ["--format", "json"])
        self.assertEqual((src, prc), (3, 3), err)
        lines = {l["source"]: l for l in sftest.json_lines(out)}
        self.assertTrue(lines[exporter.url]["priced"])
        self.assertFalse(lines[dead]["priced"])
        self.assertIn("connect", lines[dead]["error"])
        self.assertNotIn("total_cost", lines[dead])
        self.assertIn("not priced", err)

    def test_cron_ledger_and_report_from_real_scrapes(self):
        workdir = tempfile.mkdtemp(prefix="pc-e2e-")
        try:
            ledger = os.path.join(workdir, "ledger.csv")
            with sftest.NodeExporter() as exporter:
                for _ in range(2):  # the same hour twice: counted once
                    src, prc, out, err = pipe(["--interval", "1s", exporter.url],
                                              ["--period", "1h", "--ledger", ledger, "--format", "summary"])
                    self.assertEqual((src, prc), (0, 0), err)
            r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "--format", "json"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = sftest.json_lines(r.stdout)
            self.assertEqual(len(rows), 1)
            # One hour of this machine, unless the two scrapes straddled an hour boundary.
            self.assertIn(rows[0]["hours"], (1, 2))
            self.assertEqual(rows[0]["cpu_cores"], sftest.proc_cores())
            hourly = (sftest.proc_cores() * self.cpu + sftest.proc_memtotal_bytes() / GIB * self.ram) * (1 - self.discount)
            self.assertGreater(rows[0]["total_cost"], hourly * rows[0]["hours"] * 0.999)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


class CostReportTarget(unittest.TestCase):
    """`make cost-report` itself: kind-wait | scrape-nodes --via-apiserver | price-calc, against the
    emulated API server whose node proxy reaches Debian's real node-exporter; and with no
    cluster, a visible failure (it used to report success)."""

    def make(self, env):
        # -o build: the binaries under test are built already; the recipe is what is tested.
        make = sftest.require_program("make", "make")
        return subprocess.run([make, "--no-print-directory", "-C", sftest.SOURCE_DIR, "-o", "build", "-o", "deps-build", "cost-report",
                               f"BIN={sftest.BIN_DIR}", "INTERVAL=1s", "FORMAT=json"],
                              capture_output=True, text=True, timeout=120, env=env)

    def env(self, kubeconfig):
        env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
        env.update(HOME="/nonexistent-home", KUBECONFIG=kubeconfig, NO_COLOR="1")
        return env

    def test_cluster_down_fails_visibly(self):
        r = self.make(self.env("/nonexistent/kubeconfig"))
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("cost-report: failed", r.stderr)
        self.assertNotIn("node_cost", r.stdout)

    def test_prices_the_cluster_through_the_api_server(self):
        sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
        import k8s_harness as H  # noqa: E402
        workdir = tempfile.mkdtemp(prefix="cost-report-")
        try:
            pki = H.make_pki(os.path.join(workdir, "pki"), key="ec")
            with sftest.NodeExporter() as exporter, \
                    H.Emulator(pki=pki, fixtures=[H.node("kind-control-plane", cpu="4")]) as emu:
                emu.proxy_node("kind-control-plane", 9100, f"http://127.0.0.1:{exporter.port}")
                kubeconfig = os.path.join(workdir, "config")
                emu.kubeconfig(kubeconfig)
                r = self.make(self.env(kubeconfig))
            self.assertEqual(r.returncode, 0, r.stderr)
            (row,) = sftest.json_lines(r.stdout)
            self.assertEqual(row["node"], "kind-control-plane")
            self.assertTrue(row["priced"])
            self.assertEqual(row["cpu_cores"], sftest.proc_cores())
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
