"""price-calc from the command line: formats, exit codes, bad input (each message names the
file, the line and the field), nothing half-written, the default price list, the ledger, reports
and the price-list export. Python 3 standard library only."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
GIB = 1024 ** 3
PRICES = {"CPU": "0.031611", "spotCPU": "0.006655", "RAM": "0.004237", "spotRAM": "0.000892", "GPU": "0.95",
          "storage": "0.00005479452", "spotLabel": "lifecycle", "spotLabelValue": "spot", "currencyCode": "EUR"}


def usage(node, start="2026-11-26T07:00:00Z", end="2026-11-26T08:00:00Z", **figures):
    line = {"kind": "node_usage", "node": node, "source": f"http://{node}:9100/metrics", "window_start": start,
            "window_end": end, "cpu_cores": 2, "cpu_busy_cores": 0.5, "memory_bytes": 8 * GIB,
            "memory_used_bytes": 4 * GIB, "filesystem_bytes": 0, "filesystem_used_bytes": 0, "gpus": 0, "labels": {}}
    line.update(figures)
    return json.dumps(line)


def failed(node):
    return json.dumps({"kind": "node_usage", "node": node, "source": f"http://{node}:9100/metrics",
                       "window_start": "2026-11-26T07:00:00Z", "window_end": "2026-11-26T07:00:10Z",
                       "error": "connection refused", "labels": {}})


class PriceCalcCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pc-cli-")
        self.prices = self.write("prices.json", json.dumps(PRICES, indent=2))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_pc(self, *args, input=None, cwd=None, prices=True):
        cmd = [PRICE_CALC] + (["--pricing", self.prices] if prices else []) + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=60, cwd=cwd or self.dir)

    # ------------------------------------------------------------------------------ pricing

    def test_json_lines_carry_inputs_and_costs(self):
        r = self.run_pc("--format", "json", input=usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [line] = sftest.json_lines(r.stdout)
        self.assertEqual(line["kind"], "node_cost")
        self.assertEqual(line["node"], "n1")
        self.assertEqual(line["currency"], "EUR")
        self.assertEqual(line["hours"], 1)
        self.assertAlmostEqual(line["cpu_cost"], 2 * 0.031611, places=12)
        self.assertAlmostEqual(line["ram_cost"], 8 * 0.004237, places=12)
        self.assertAlmostEqual(line["total_cost"], 0.097118, places=12)
        self.assertAlmostEqual(line["idle_cost"], 0.097118 - (0.5 * 0.031611 + 4 * 0.004237), places=12)
        self.assertAlmostEqual(line["monthly_cost"], 0.097118 * 730, places=9)
        for field in ("cpu_cores", "cpu_busy_cores", "memory_bytes", "memory_used_bytes", "labels", "source",
                      "window_start", "window_end", "gpu_cost", "storage_cost"):
            self.assertIn(field, line)

    def test_default_format_is_json_in_a_pipe(self):
        r = self.run_pc(input=usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sftest.json_lines(r.stdout)[0]["kind"], "node_cost")

    def test_partial_failure_exit_3_failed_node_reported_not_zero(self):
        r = self.run_pc("-f", "json", input=usage("n1") + "\n" + failed("n2") + "\n")
        self.assertEqual(r.returncode, 3, r.stderr)
        lines = sftest.json_lines(r.stdout)
        self.assertEqual([l["priced"] for l in lines], [True, False])
        self.assertEqual(lines[1]["error"], "connection refused")
        self.assertNotIn("total_cost", lines[1])
        self.assertIn("n2", r.stderr)
        self.assertIn("connection refused", r.stderr)

    def test_all_failed_is_exit_1(self):
        r = self.run_pc("-f", "json", input=failed("n2") + "\n")
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_other_kinds_are_skipped(self):
        r = self.run_pc("-f", "json", input='{"kind":"node","name":"x"}\n' + usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(sftest.json_lines(r.stdout)), 1)

    def test_zero_length_window_costs_nothing_but_projects(self):
        line = usage("n1", end="2026-11-26T07:00:00Z", cpu_busy_cores=None)
        r = self.run_pc("-f", "json", input=line + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [out] = sftest.json_lines(r.stdout)
        self.assertEqual(out["hours"], 0)
        self.assertEqual(out["total_cost"], 0)
        self.assertAlmostEqual(out["hourly_cost"], 0.097118, places=12)
        self.assertAlmostEqual(out["daily_cost"], 0.097118 * 24, places=10)
        self.assertIsNone(out["cpu_efficiency"])

    def test_month_unit_divides_by_730_and_rounds(self):
        monthly = self.write("monthly.yaml", "opencost:\n  customPricing:\n    costModel:\n      CPU: 1.25\n      RAM: 0.50\n")
        r = subprocess.run([PRICE_CALC, "--pricing", monthly, "--price-unit", "month", "-f", "json"],
                           input=usage("n1") + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        [out] = sftest.json_lines(r.stdout)
        self.assertEqual(out["cpu_price"], 0.001712)   # 1.25/730 = 0.0017123... -> 6 decimals
        self.assertEqual(out["ram_price"], 0.000685)
        self.assertAlmostEqual(out["total_cost"], 2 * 0.001712 + 8 * 0.000685, places=12)
        # Read as hourly, the same file warns that the prices look monthly.
        r = subprocess.run([PRICE_CALC, "--pricing", monthly, "-f", "json"], input=usage("n1") + "\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--price-unit month", r.stderr)

    def test_table_and_summary(self):
        r = self.run_pc("-f", "table", input=usage("n1") + "\n" + usage("n2") + "\n" + failed("n3") + "\n")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("TOTAL (2 nodes)", r.stdout)
        self.assertIn("TOTAL EUR", r.stdout)
        self.assertIn("UNPRICED n3: connection refused", r.stdout)
        r = self.run_pc("-f", "summary", input=usage("n1") + "\n" + usage("n2") + "\n")
        [s] = sftest.json_lines(r.stdout)
        self.assertEqual(s["kind"], "cost_summary")
        self.assertEqual(s["nodes"], 2)
        self.assertAlmostEqual(s["total_cost"], 2 * 0.097118, places=12)
        self.assertAlmostEqual(s["monthly_cost"], 2 * 0.097118 * 730, places=9)

    def test_csv_is_rfc4180(self):
        line = usage("n1", labels={"team": "a,\"b\""}) + "\n"
        raw = subprocess.run([PRICE_CALC, "--pricing", self.prices, "-f", "csv"], input=line.encode(),
                             capture_output=True, timeout=60)
        self.assertEqual(raw.returncode, 0, raw.stderr)
        text = raw.stdout.decode()
        self.assertEqual(text.count("\r\n"), 2, "records end in CRLF")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0]["labels"]), {"team": "a,\"b\""})
        self.assertAlmostEqual(float(rows[0]["total_cost"]), 0.097118, places=12)

    # ------------------------------------------------------------------------------ bad input

    def assert_usage_error(self, r, *needles):
        self.assertEqual(r.returncode, 2, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)

    def test_bad_lines_spoil_only_themselves_and_name_file_line_and_field(self):
        cases = [
            (usage("n2", cpu_cores=-1), '"cpu_cores"'),
            (usage("n2", memory_bytes="8G"), '"memory_bytes" must be a number'),
            (usage("n2", window_start="2026-02-30T00:00:00Z"), "2026-02 has 28 days"),
            (usage("n2")[:-1] + ', "node": "n3"}', '"node" is given twice'),
        ]
        for i, (bad, what) in enumerate(cases):
            data = self.write(f"usage{i}.jsonl", usage("n1") + "\n" + bad + "\n" + usage("n9") + "\n")
            r = self.run_pc("-f", "json", data)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(f"{data}:2", r.stderr)
            self.assertIn(what, r.stderr)
            self.assertEqual([l["node"] for l in sftest.json_lines(r.stdout)], ["n1", "n9"], "the good lines are priced")
        data = self.write("usage-cut.jsonl", usage("n1") + "\n" + usage("n2")[:40])  # truncated, no newline
        r = self.run_pc("-f", "json", data)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(f"{data}:2", r.stderr)
        self.assertIn("middle of this line", r.stderr)
        # Nothing but bad input: exit 2.
        r = self.run_pc(input=usage("n1", window_end="2026-11-26T06:00:00Z") + "\n")
        self.assert_usage_error(r, "<stdin>:1", "window_end")
        self.assertEqual(r.stdout, "")

    def test_bad_price_lists_name_file_line_and_field(self):
        cases = [
            ('{\n  "CPU": "0.03",\n  "RAM": 0.004\n}', ":3:", '"RAM" must be a JSON string'),
            ('{\n  "CPU": "-1",\n  "RAM": "0.004"\n}', ":2:", '"CPU": -1 is negative'),
            ('{\n  "CPU": "cheap",\n  "RAM": "0.004"\n}', ":2:", "is not a number"),
            ('{\n  "CPU": "1",\n  "RAM": "1",\n  "GPUs": "1"\n}', ":4:", 'unknown pricing field "GPUs"; did you mean "GPU"?'),
            ('{\n  "CPU": "1",\n  "RAM": "1",\n  "discount": "lots"\n}', ":4:", '"discount"'),
            ('{\n  "CPU": "1",\n', ":3:", "invalid JSON"),
        ]
        for text, where, what in cases:
            path = self.write("bad.json", text)
            r = subprocess.run([PRICE_CALC, "--pricing", path], input=usage("n1") + "\n", capture_output=True,
                               text=True, timeout=60)
            self.assert_usage_error(r, path + where, what)
            self.assertEqual(r.stdout, "", "nothing printed on a bad price list")

    def test_missing_pricing_file(self):
        r = subprocess.run([PRICE_CALC, "--pricing", os.path.join(self.dir, "nope.json")], input="",
                           capture_output=True, text=True, timeout=60)
        self.assert_usage_error(r, "nope.json", "no such file")

    def test_default_price_list_lookup(self):
        # From the project root: opencost/pricing.json.
        r = subprocess.run([PRICE_CALC, "-f", "json"], input=usage("n1") + "\n", capture_output=True, text=True,
                           timeout=60, cwd=sftest.SOURCE_DIR)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sftest.json_lines(r.stdout)[0]["cpu_price"], 0.031611)
        # Elsewhere: the installed copy, else a clear error naming both places.
        r = subprocess.run([PRICE_CALC, "-f", "json"], input=usage("n1") + "\n", capture_output=True, text=True,
                           timeout=60, cwd=self.dir)
        help_text = subprocess.run([PRICE_CALC, "--help"], capture_output=True, text=True).stdout
        installed = [w.rstrip(".") for w in help_text.split() if w.endswith("/sovereign-finops/pricing.json.")][0]
        if os.path.exists(installed):
            self.assertEqual(r.returncode, 0, r.stderr)
        else:
            self.assert_usage_error(r, "no price list found", "opencost/pricing.json", installed)

    def test_output_file_untouched_when_nothing_is_priced(self):
        out = self.write("report.html", "previous report")
        data = self.write("usage.jsonl", "{broken\n" + usage("n1", gpus=-1) + "\n")
        r = self.run_pc("-o", out, data)
        self.assertEqual(r.returncode, 2, r.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "previous report")
        self.assertEqual(sorted(os.listdir(self.dir)), ["prices.json", "report.html", "usage.jsonl"])
        r = self.run_pc("-o", out, self.write("good.jsonl", usage("n1") + "\n" + "{broken\n"))
        self.assertEqual(r.returncode, 3, r.stderr)
        with open(out) as f:
            html = f.read()
        self.assertIn("<svg", html)  # the format follows the extension
        self.assertIn("could not be read", html)

    def test_bad_flags(self):
        self.assert_usage_error(self.run_pc("--format", "xml", input=""), "not a format")
        self.assert_usage_error(self.run_pc("--price-unit", "week", input=""), "--price-unit")
        self.assert_usage_error(self.run_pc("--period", "soon", input=""), "--period")
        self.assert_usage_error(self.run_pc("--bogus", input=""), "--help")

    def test_help_and_version(self):
        r = subprocess.run([PRICE_CALC, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0)
        for word in ("--pricing", "--format", "--price-unit", "--ledger", "Examples", "report", "730"):
            self.assertIn(word, r.stdout)
        self.assertEqual(subprocess.run([PRICE_CALC, "--version"], capture_output=True).returncode, 0)

    # ------------------------------------------------------------------------------ ledger and report

    def test_ledger_idempotent_and_bad_lines_not_recorded(self):
        ledger = os.path.join(self.dir, "ledger.csv")
        good = self.write("good.jsonl", usage("n1") + "\n" + usage("n2") + "\n")
        r = self.run_pc("--ledger", ledger, "-f", "summary", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 row(s) appended", r.stderr)
        with open(ledger, "rb") as f:
            before = f.read()
        r = self.run_pc("--ledger", ledger, "-f", "summary", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 already there", r.stderr)
        bad = self.write("bad.jsonl", usage("n3", start="2026-11-26T09:00:00Z", end="2026-11-26T10:00:00Z") +
                         "\n" + usage("n4", gpus=-1) + "\n")
        r = self.run_pc("--ledger", ledger, "-f", "summary", bad)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(f"{bad}:2", r.stderr)
        with open(ledger, "rb") as f:
            after = f.read()
        rows = list(csv.DictReader(io.StringIO(after.decode(), newline="")))
        self.assertEqual([r["node"] for r in rows], ["n1", "n2", "n3"], "the good line is recorded, the bad one not")
        self.assertEqual(rows[0]["ledger_version"], "1")
        self.assertTrue(after.startswith(before))
        # Input that cannot be read at all leaves the ledger as it was.
        r = self.run_pc("--ledger", ledger, "-f", "summary", self.dir)
        self.assert_usage_error(r, "is a directory")
        with open(ledger, "rb") as f:
            self.assertEqual(f.read(), after)

    def test_newer_ledger_refused_before_anything_is_printed(self):
        ledger = self.write("ledger.csv", "ledger_version,node,window_start,window_end,future\r\n2,n1,a,b,c\r\n")
        r = self.run_pc("--ledger", ledger, "-f", "json", input=usage("n1") + "\n")
        self.assert_usage_error(r, "newer price-calc", "ledger.csv")
        self.assertEqual(r.stdout, "")
        with open(ledger) as f:
            self.assertIn("future", f.read())

    def test_period_and_report(self):
        ledger = os.path.join(self.dir, "ledger.csv")
        for hour in (7, 8):
            sample = usage("n1", start=f"2026-11-26T{hour:02}:00:02Z", end=f"2026-11-26T{hour:02}:00:12Z")
            r = self.run_pc("--period", "1h", "--ledger", ledger, "-f", "json", input=sample + "\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            [line] = sftest.json_lines(r.stdout)
            self.assertEqual(line["window_start"], f"2026-11-26T{hour:02}:00:00Z")
            self.assertEqual(line["hours"], 1)
        r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "-f", "json"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        [n1] = sftest.json_lines(r.stdout)
        self.assertEqual(n1["hours"], 2)
        self.assertEqual(n1["windows"], 2)
        self.assertAlmostEqual(n1["total_cost"], 2 * 0.097118, places=12)
        r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "--from", "2026-11-26T08:00:00Z",
                            "--by", "window", "-f", "summary"], capture_output=True, text=True, timeout=60)
        [s] = sftest.json_lines(r.stdout)
        self.assertAlmostEqual(s["total_cost"], 0.097118, places=12)
        for fmt in ("table", "csv", "focus", "html"):
            r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "-f", fmt], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, fmt + r.stderr)
            self.assertIn("n1", r.stdout)
        r = subprocess.run([PRICE_CALC, "report", "--ledger", os.path.join(self.dir, "none.csv")],
                           capture_output=True, text=True, timeout=60)
        self.assert_usage_error(r, "none.csv")
        r = subprocess.run([PRICE_CALC, "report"], capture_output=True, text=True, timeout=60)
        self.assert_usage_error(r, "--ledger")

    def test_pricing_export_round_trip(self):
        r = subprocess.run([PRICE_CALC, "pricing", "--pricing", self.prices, "--emit", "helm"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        values = self.write("values.yaml", r.stdout)
        self.assertIn("costModel:", r.stdout)
        r = subprocess.run([PRICE_CALC, "--pricing", values, "-f", "json"], input=usage("n1") + "\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertAlmostEqual(sftest.json_lines(r.stdout)[0]["total_cost"], 0.097118, places=12)


if __name__ == "__main__":
    unittest.main()
