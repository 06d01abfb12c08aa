"""What every tool prints before its work starts (--help, --version, --completion bash, and a
tool's or command's usage) is output like any other: on a full disk (/dev/full) or a closed pipe
the tool says so and exits non-zero, never 0 with nothing written. Every tool in tools/ (found
from the source tree, so tools added later are covered) and each of its commands."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

# What each invocation prints on stdout when it works: checked first, so an empty print (which
# no full disk could fail) cannot pass for a checked one.
PRINTS = {"--help": "Usage:", "--version": " ", "--completion bash": "# bash completion for "}


def invocations():
    for tool in sftest.tool_names():
        commands = sftest.tool_commands(tool)
        for flag in PRINTS:
            if commands and flag == "--completion bash":
                continue  # a tool with commands has no completion of its own; its commands do
            yield [tool], flag
        for command in commands:
            yield [tool, command], "--help"
            yield [tool, command], "--completion bash"


class CliOutput(unittest.TestCase):
    def run_tool(self, argv, flag, **kw):
        return subprocess.run([sftest.binary(argv[0]), *argv[1:], *flag.split()], timeout=30, **kw)

    def test_every_tool_covers_the_known_ones(self):
        tools = sftest.tool_names()
        for known in ("kind-wait", "scrape-nodes", "price-calc", "render-manifests"):
            self.assertIn(known, tools)

    def test_a_full_disk_is_an_error(self):
        for argv, flag in invocations():
            with self.subTest(argv=argv, flag=flag):
                ok = self.run_tool(argv, flag, capture_output=True, text=True)
                self.assertEqual(ok.returncode, 0, ok.stderr)
                self.assertIn(PRINTS[flag], ok.stdout)
                with open("/dev/full", "w") as full:
                    r = self.run_tool(argv, flag, stdout=full, stderr=subprocess.PIPE, text=True)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("stdout: write failed: No space left on device", r.stderr)

    def test_a_closed_pipe_is_an_error(self):
        for argv, flag in invocations():
            with self.subTest(argv=argv, flag=flag):
                read_end, write_end = os.pipe()
                os.close(read_end)  # the reader is gone before anything is written
                try:
                    r = self.run_tool(argv, flag, stdout=write_end, stderr=subprocess.PIPE, text=True)
                finally:
                    os.close(write_end)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("stdout: the reader closed the pipe", r.stderr)

    def test_usage_without_a_command_is_checked_too(self):
        for tool in sftest.tool_names():
            if not sftest.tool_commands(tool):
                continue
            with self.subTest(tool=tool):
                with open("/dev/full", "w") as full:
                    r = subprocess.run([sftest.binary(tool)], stdout=full, stderr=subprocess.PIPE, text=True,
                                       timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("stdout: write failed: No space left on device", r.stderr)


if __name__ == "__main__":
    unittest.main()
