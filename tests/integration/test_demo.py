"""The README's first command: scripts/demo.sh (what `make demo` runs after building) starts a
node-exporter, scrapes it twice and prints the price table for this machine."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402


class DemoTests(unittest.TestCase):
    def test_demo_prices_this_machine(self):
        env = dict(os.environ, SF_BIN_DIR=sftest.BIN_DIR, NO_COLOR="1")
        # From another folder: the demo must not depend on the working directory.
        result = subprocess.run(["bash", os.path.join(sftest.SOURCE_DIR, "scripts", "demo.sh")], env=env, timeout=60,
                                capture_output=True, text=True, cwd="/")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        header = next(l for l in lines if l.startswith("NODE"))
        self.assertIn("TOTAL USD", header)
        node_row = lines[lines.index(header) + 1].split()
        self.assertTrue(os.uname().nodename.startswith(node_row[0].rstrip(".")), node_row)
        self.assertEqual(int(node_row[2]), sftest.proc_cores())  # CORES column
        self.assertTrue(any(l.startswith("TOTAL (1 node)") for l in lines), result.stdout)
        self.assertIn("USD/month (730 h)", result.stdout)
        self.assertIn("two samples 5 s apart", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
