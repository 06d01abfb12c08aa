"""The cost ledger under concurrent writers: two price-calc processes append at the same time,
many times over, rows for different windows and rows for the same (node, window). Afterwards
the ledger must hold every row exactly once (none lost, none duplicated), one header, and parse
cleanly; readers running meanwhile must never see a damaged file."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
ROUNDS = 40
PER_ROUND = 60  # windows per writer per round: enough work between reading and appending to race
GIB = 1024 ** 3


def usage(node, index):
    day, rest = divmod(index, 24 * 60)
    hour, minute = divmod(rest, 60)
    start = f"2026-{1 + day // 28:02}-{1 + day % 28:02}T{hour:02}:{minute:02}:00Z"
    end = f"2026-{1 + day // 28:02}-{1 + day % 28:02}T{hour:02}:{minute:02}:30Z"
    return json.dumps({"kind": "node_usage", "node": node, "source": "test", "window_start": start,
                       "window_end": end, "cpu_cores": 2, "cpu_busy_cores": 1, "memory_bytes": 4 * GIB,
                       "memory_used_bytes": GIB, "filesystem_bytes": 0, "filesystem_used_bytes": 0, "gpus": 0,
                       "labels": {"writer": node}})


class LedgerConcurrency(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pc-ledger-")
        self.ledger = os.path.join(self.dir, "ledger.csv")
        self.pricing = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def append(self, lines):
        return subprocess.run([PRICE_CALC, "--pricing", self.pricing, "--ledger", self.ledger, "-f", "summary"],
                              input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)

    def test_two_writers_no_lost_or_duplicated_rows(self):
        barrier = threading.Barrier(2)
        results = {"a": [], "b": []}
        errors = []

        def writer(name):
            try:
                for i in range(ROUNDS):
                    barrier.wait(timeout=60)  # start each round together
                    # Its own windows, plus the windows both writers add in this round.
                    own = [usage(f"node-{name}", i * PER_ROUND + k) for k in range(PER_ROUND)]
                    shared = [usage("node-shared", i * PER_ROUND + k) for k in range(PER_ROUND)]
                    results[name].append(self.append(own + shared))
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                barrier.abort()

        reads = []
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                if os.path.exists(self.ledger):
                    reads.append(subprocess.run([PRICE_CALC, "report", "--ledger", self.ledger, "-f", "summary"],
                                                capture_output=True, text=True, timeout=60))

        threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
        observer = threading.Thread(target=reader)
        for t in threads:
            t.start()
        observer.start()
        for t in threads:
            t.join(timeout=600)
        stop.set()
        observer.join(timeout=60)
        self.assertEqual(errors, [])

        appended = 0
        for name, runs in results.items():
            self.assertEqual(len(runs), ROUNDS)
            for r in runs:
                self.assertEqual(r.returncode, 0, r.stderr)
                m = re.search(r"(\d+) row\(s\) appended", r.stderr)
                self.assertIsNotNone(m, r.stderr)
                appended += int(m.group(1))
        self.assertEqual(appended, 3 * ROUNDS * PER_ROUND, "each writer's own rows once, each shared window once")

        with open(self.ledger, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.endswith(b"\r\n"), "the ledger ends with a whole row")
        text = raw.decode()
        self.assertEqual(text.count("ledger_version,node"), 1, "one header")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        keys = [(r["node"], r["window_start"], r["window_end"]) for r in rows]
        self.assertEqual(len(keys), len(set(keys)), "no duplicated (node, window)")
        expected = {(n, json.loads(usage(n, i))["window_start"], json.loads(usage(n, i))["window_end"])
                    for i in range(ROUNDS * PER_ROUND) for n in ("node-a", "node-b", "node-shared")}
        self.assertEqual(set(keys), expected, "no lost rows")
        for r in rows:
            self.assertEqual(r["ledger_version"], "1")
            self.assertNotIn(None, r.values(), "every row has every column")
            self.assertAlmostEqual(float(r["total_cost"]), (2 * 0.031611 + 4 * 0.004237) / 120, places=12)

        # The report over the final ledger: 3 nodes, every window counted once.
        r = subprocess.run([PRICE_CALC, "report", "--ledger", self.ledger, "-f", "summary"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual(summary["nodes"], 3)
        self.assertAlmostEqual(summary["hours"], 3 * ROUNDS * PER_ROUND / 120)
        # Readers ran while writers appended: never an error.
        self.assertGreater(len(reads), 0)
        for r in reads:
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_same_window_from_both_writers_at_once_many_times(self):
        # Both writers hammer the very same rows: the ledger must end with each exactly once.
        lines = [usage("n1", i) for i in range(200)]
        barrier = threading.Barrier(2)
        runs = []

        def writer():
            for _ in range(25):
                barrier.wait(timeout=60)
                runs.append(self.append(lines))

        threads = [threading.Thread(target=writer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        self.assertEqual(len(runs), 50)
        for r in runs:
            self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.ledger, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 200)
        self.assertEqual(len({(r["node"], r["window_start"]) for r in rows}), 200)


if __name__ == "__main__":
    unittest.main()
