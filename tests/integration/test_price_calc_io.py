"""price-calc's output and ledger under failure: a full disk (a real small tmpfs, mounted in a
private mount namespace so nothing outlives the test), /dev/full, a closed pipe, FIFOs and
devices given to -o, file modes, a ledger lock held by someone else, a report stalled on its
reader, empty input, directories where files belong, hostile cells, impossible dates."""
import csv
import fcntl
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
PRICES = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")
GIB = 1024 ** 3


def usage(node, hour=7, **extra):
    line = {"kind": "node_usage", "node": node, "source": f"http://{node}:9100/metrics",
            "window_start": f"2026-11-26T{hour:02}:00:00Z", "window_end": f"2026-11-26T{hour:02}:30:00Z",
            "cpu_cores": 2, "cpu_busy_cores": 0.5, "memory_bytes": 8 * GIB, "memory_used_bytes": 4 * GIB,
            "gpus": 0, "labels": {}}
    line.update(extra)
    return json.dumps(line)


def many(n):
    return "".join(usage(f"node-{i:05}", hour=i % 24) + "\n" for i in range(n))


class PriceCalcIo(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pc-io-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def pc(self, *args, input=None, **kw):
        return subprocess.run([PRICE_CALC, "--pricing", PRICES, *args], input=input, capture_output=True, text=True,
                              timeout=120, **kw)

    # ---------------------------------------------------------------- stdout

    def test_dev_full_is_an_error_in_every_format(self):
        for fmt in ("json", "csv", "summary", "table", "focus", "html"):
            with open("/dev/full", "w") as full:
                r = subprocess.run([PRICE_CALC, "--pricing", PRICES, "-f", fmt], input=usage("n1") + "\n", stdout=full,
                                   stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, fmt)
            self.assertIn("stdout: write failed: No space left on device", r.stderr, fmt)

    def test_a_closed_pipe_stops_the_work_at_once(self):
        # head -1: read one line, close. price-calc must stop at its next write, not run the input.
        proc = subprocess.Popen([PRICE_CALC, "--pricing", PRICES, "-f", "json"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sent = {"bytes": 0}
        line = (usage("n1") + "\n").encode() * 100

        def feed():
            try:
                while sent["bytes"] < (64 << 20):  # 64 MB more input than it needs to notice
                    proc.stdin.write(line)
                    proc.stdin.flush()
                    sent["bytes"] += len(line)
                proc.stdin.close()  # all sent: a price-calc that ignored the pipe ends now
            except BrokenPipeError:
                pass

        feeder = threading.Thread(target=feed)
        feeder.start()
        first = proc.stdout.readline()
        self.assertIn(b'"node_cost"', first)
        proc.stdout.close()
        feeder.join(timeout=60)
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
        self.assertFalse(feeder.is_alive())
        self.assertLess(sent["bytes"], 16 << 20, "it stopped within a few buffers, not after the whole input")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("closed the pipe", err)

    # ---------------------------------------------------------------- -o FILE

    def in_namespace(self, script, *args):
        """Runs `script` (sh) in a private mount namespace: mounts made there vanish with it."""
        unshare = sftest.require_program("unshare", "util-linux")
        cmd = [unshare, "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            cmd.insert(1, "--map-root-user")
        return subprocess.run([*cmd, "sh", "-ec", script, "sh", *args], capture_output=True, text=True, timeout=120)

    def test_o_on_a_full_filesystem_leaves_the_previous_file(self):
        mnt = self.path("small")
        os.mkdir(mnt)
        data = self.write("usage.jsonl", many(2000))  # ~2 MB of json: more than the filesystem holds
        r = self.in_namespace(
            'mount -t tmpfs -o size=256k tmpfs "$1"; printf previous > "$1/report.json"; chmod 600 "$1/report.json"; '
            'set +e; "$2" --pricing "$3" -f json -o "$1/report.json" "$4"; echo "rc=$?"; set -e; '
            'echo "content=$(cat "$1/report.json")"; stat -c "mode=%a" "$1/report.json"; echo "files=$(ls "$1")"',
            mnt, PRICE_CALC, PRICES, data)
        self.assertIn("rc=1", r.stdout, r.stderr)
        self.assertIn("content=previous", r.stdout)
        self.assertIn("mode=600", r.stdout)
        self.assertIn("files=report.json\n", r.stdout, "no temporary file left")
        self.assertIn("No space left on device", r.stderr)
        self.assertIn("was left as it was", r.stderr)
        self.assertFalse(os.path.ismount(mnt), "the tmpfs lived only in the test's namespace")
        self.assertEqual(os.listdir(mnt), [])

    def test_o_on_a_device_or_fifo_writes_in_place(self):
        # A bind of the real /dev/full, in a private namespace: even a regression that replaced the
        # target could not touch the machine's /dev/full.
        mnt = self.path("dev")
        os.mkdir(mnt)
        r = self.in_namespace(
            'mount -t tmpfs tmpfs "$1"; touch "$1/full"; mount --bind /dev/full "$1/full"; '
            'set +e; echo \'' + usage("n1") + '\' | "$2" --pricing "$3" -f json -o "$1/full"; echo "rc=$?"; set -e; '
            'stat -c "type=%F" "$1/full"; echo "files=$(ls "$1")"', mnt, PRICE_CALC, PRICES)
        self.assertIn("rc=1", r.stdout, r.stderr)
        self.assertIn("No space left on device", r.stderr)
        self.assertIn("type=character special file", r.stdout)
        self.assertIn("files=full\n", r.stdout)
        # A FIFO: written through, never replaced.
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        reader = sftest.FifoReader(fifo)
        r = self.pc("-f", "json", "-o", fifo, input=usage("n1") + "\n")
        text = reader.data()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertEqual(json.loads(text)["node"], "n1")
        # /dev/stdout is stdout.
        r = self.pc("-f", "json", "-o", "/dev/stdout", input=usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["node"], "n1")

    def test_o_keeps_the_mode_of_a_file_and_new_files_follow_the_umask(self):
        report = self.write("report.csv", "old")
        os.chmod(report, 0o600)
        r = self.pc("-o", report, input=usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(report).st_mode), 0o600)
        self.assertIn("n1", open(report).read())
        new = self.path("new.csv")
        r = subprocess.run([PRICE_CALC, "--pricing", PRICES, "-o", new], input=usage("n1") + "\n",
                           capture_output=True, text=True, timeout=60, umask=0o027)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(new).st_mode), 0o640)

    # ---------------------------------------------------------------- ledger

    def test_a_held_ledger_lock_is_waited_for_with_a_limit_naming_the_holder(self):
        ledger = self.path("ledger.csv")
        r = self.pc("--ledger", ledger, "-f", "summary", input=usage("n1") + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(ledger) as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            start = time.monotonic()
            r = self.pc("--ledger", ledger, "--lock-timeout", "1s", "-f", "summary", input=usage("n2") + "\n")
            waited = time.monotonic() - start
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"locked by pid {os.getpid()}", r.stderr)
        self.assertIn("python", r.stderr)
        self.assertIn("--lock-timeout", r.stderr)
        self.assertLess(waited, 10)

    def test_a_report_stalled_on_its_reader_does_not_block_the_writer(self):
        ledger = self.path("ledger.csv")
        r = self.pc("--ledger", ledger, "-f", "summary", input=many(3000))
        self.assertEqual(r.returncode, 0, r.stderr)
        # The report's output (MBs) fills the pipe nobody reads: it blocks in write().
        report = subprocess.Popen([PRICE_CALC, "report", "--ledger", ledger, "--by", "window", "-f", "json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.0)
            self.assertIsNone(report.poll(), "the report is stalled on its reader")
            r = self.pc("--ledger", ledger, "--lock-timeout", "5s", "-f", "summary",
                        input=usage("late", hour=23) + "\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 row(s) appended", r.stderr)
        finally:
            report.kill()
            report.communicate()

    # ---------------------------------------------------------------- input

    def test_empty_input_fails_visibly_and_replaces_no_report(self):
        report = self.write("report.json", "previous")
        for text in ("", '{"kind":"node","name":"x"}\n'):
            r = self.pc("-f", "json", "-o", report, input=text)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("nothing was priced", r.stderr)
            self.assertEqual(open(report).read(), "previous")

    def test_directories_where_files_belong_are_exit_2(self):
        for args, words in ((["-f", "json", self.dir], "is a directory"),
                            (["--ledger", self.dir, "-f", "json"], "is a directory"),
                            (["-o", self.dir, "-f", "json"], "is a directory")):
            r = self.pc(*args, input=usage("n1") + "\n")
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(words, r.stderr)
        r = subprocess.run([PRICE_CALC, "--pricing", self.dir], input=usage("n1") + "\n", capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is a directory", r.stderr)
        self.assertNotIn("empty", r.stderr)

    def test_a_10_mb_bad_line_is_shown_as_an_excerpt(self):
        huge = usage("n1", window_start="2026-11-26T07:00:00Z" + "x" * (10 << 20))
        r = self.pc("-f", "json", input=usage("n0") + "\n" + huge + "\n")
        self.assertEqual(r.returncode, 3, r.stderr[:500])
        self.assertIn("<stdin>:2", r.stderr)
        self.assertLess(len(r.stderr), 4000)

    def test_cells_a_spreadsheet_would_run_are_neutralised(self):
        evil = usage("=HYPERLINK(\"http://evil/\",\"x\")")
        r = self.pc("-f", "csv", input=evil + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
        self.assertTrue(rows[1][0].startswith("'="), rows[1][0])
        r = self.pc("-f", "focus", "--account", "@SUM(A1)", input=evil + "\n")
        rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
        self.assertEqual(rows[0]["BillingAccountId"], "'@SUM(A1)")
        self.assertTrue(rows[0]["ResourceName"].startswith("'="))
        ledger = self.path("ledger.csv")
        self.assertEqual(self.pc("--ledger", ledger, "-f", "summary", input=evil + "\n").returncode, 0)
        r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "-f", "json"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(json.loads(r.stdout)["node"], "=HYPERLINK(\"http://evil/\",\"x\")", "read back exactly")
        r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "-f", "csv"], capture_output=True, text=True,
                           timeout=60)
        self.assertIn("'=HYPERLINK", r.stdout)

    def test_impossible_dates_are_refused(self):
        r = self.pc("-f", "json", input=usage("n1", window_start="2026-02-30T00:00:00Z",
                                               window_end="2026-03-02T00:00:00Z") + "\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("2026-02 has 28 days", r.stderr)
        ledger = self.path("ledger.csv")
        self.pc("--ledger", ledger, "-f", "summary", input=usage("n1") + "\n")
        for bad in ("2026-02-30", "2026-11-01T00:00:00+99:00"):
            r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "--from", bad], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--from", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
