"""`make install` (cmake --install, as the Makefile runs it) under a DESTDIR: every tool in
tools/ (found from the source tree, so tools added later are covered) installs its binary, a man
page generated from its --help, and a bash completion generated from its own option table that
offers exactly the options --help lists, and the values of options that have a fixed set."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

PREFIX = "/usr/local"


tools = sftest.tool_names
help_text = sftest.help_text
commands = sftest.tool_commands


def help_options(*argv):
    """The long options --help lists under "Options:" (of the tool, or of one of its commands)."""
    options = help_text(*argv).split("Options:", 1)[1]
    return set(re.findall(r"^\s+(?:-\w \[ )?(--[a-z][a-z0-9-]*)", options, re.M))


def complete(completion_file, words):
    """COMPREPLY of the installed completion for the command line `words` (last word is the one
    being completed)."""
    script = (f"source {completion_file!s}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              f"func=$(complete -p {words[0]} | sed -E 's/.*-F ([^ ]+).*/\\1/'); $func\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"completion failed: {r.stderr}")
    return [l for l in r.stdout.splitlines() if l]


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-install-")
        cls.dest = cls.tmp.name
        build = os.path.dirname(os.path.abspath(sftest.BIN_DIR))
        env = dict(os.environ, DESTDIR=cls.dest)
        r = subprocess.run(["cmake", "--install", build, "--prefix", PREFIX], env=env, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"cmake --install failed:\n{r.stdout}\n{r.stderr}")
        cls.root = cls.dest + PREFIX

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_tool_installs_binary_man_page_and_completion(self):
        self.assertGreaterEqual(len(tools()), 3, tools())
        for tool in tools():
            with self.subTest(tool=tool):
                self.assertTrue(os.access(os.path.join(self.root, "bin", tool), os.X_OK))
                man = os.path.join(self.root, "share", "man", "man1", tool + ".1")
                self.assertTrue(os.path.exists(man),
                                f"{man} missing: is help2man installed (scripts/install-deps.sh build)?")
                with open(man) as f:
                    page = f.read()
                self.assertIn(f'.TH {tool.upper()} "1"', page)
                # The man page is --help: every option, or every command, is in it.
                for word in commands(tool) or help_options(tool):
                    self.assertIn(word.replace("-", r"\-"), page, word)
                self.assertTrue(os.path.exists(os.path.join(self.root, "share", "bash-completion", "completions", tool)))

    def test_completion_offers_exactly_the_real_flags(self):
        for tool in tools():
            completion = os.path.join(self.root, "share", "bash-completion", "completions", tool)
            # A tool with commands: the commands first, then each command's own options.
            lines = [(tool, [])] if not commands(tool) else [(tool, [c]) for c in commands(tool)]
            if commands(tool):
                self.assertEqual(set(complete(completion, [tool, ""])) - {"--help", "-h", "--version"},
                                 set(commands(tool)))
            for _, command in lines:
                with self.subTest(tool=tool, command=command):
                    options = help_options(tool, *command)
                    offered = {w for w in complete(completion, [tool, *command, "--"]) if w.startswith("--")}
                    self.assertEqual(offered, options)
                    # Prefix matching works as a user types.
                    some = sorted(options)[0]
                    self.assertIn(some, complete(completion, [tool, *command, some[:4]]))

    def test_completion_offers_values_and_files(self):
        completion = os.path.join(self.root, "share", "bash-completion", "completions", "kind-wait")
        self.assertEqual(complete(completion, ["kind-wait", "--output", ""]), ["text", "jsonl"])
        self.assertEqual(complete(completion, ["kind-wait", "-o", "j"]), ["jsonl"])
        self.assertEqual(complete(completion, ["kind-wait", "--list", ""]), ["nodes", "pods", "nodes,pods"])
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "kind-config"), "w").close()
            self.assertEqual(complete(completion, ["kind-wait", "--kubeconfig", os.path.join(d, "kind-")]),
                             [os.path.join(d, "kind-config")])
        self.assertEqual(complete(completion, ["kind-wait", "--timeout", ""]), [])  # a value, not a flag


if __name__ == "__main__":
    unittest.main()
