"""render-manifests' output and input under failure, through tools/common's writers and readers:
every command on a full disk (/dev/full) fails with a message and exit 1; -o on a device or FIFO
writes in place (a bind of the real /dev/null and /dev/full in a private mount namespace, so a
regression could not replace the machine's), an existing file keeps its mode and a new one
follows the umask; an input that is a FIFO or a folder is refused at once, stdin is capped."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
FIXTURES = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests")
DOCKER = os.path.join(FIXTURES, "docker", "kind-3-nodes-ipv6.json")
RENDERED = os.path.join(FIXTURES, "rendered", "sample-platform.yaml")
# The root Application is bootstrap/platform's (the set must be named since the split into
# bootstrap/cluster and bootstrap/platform).
LAPTOP = ["bootstrap/platform", "--set", "metallb.addresses={172.18.255.205-172.18.255.254}",
          "--set", "network.controlPlaneCIDRs={172.18.0.3/32}", "--set", "network.nodeCIDRs={172.18.0.0/16}"]
# Every command that writes to stdout, with arguments that make it write something.
WRITERS = {
    "facts": ["facts", DOCKER],
    "facts env": ["facts", "--format", "env", DOCKER],
    "images": ["images", RENDERED],
    "images list": ["images", "--format", "list", RENDERED],
    "charts": ["charts", os.path.join(FIXTURES, "lint", "invalid-chart.good.yaml")],
    "lint rules": ["lint", "--list-rules"],
    "lint findings": ["lint", RENDERED],
    "render one": ["render", *LAPTOP, "--only", "root-application.yaml"],
    "render list": ["render", *LAPTOP, "--list"],
}


class RenderManifestsIo(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rm-io-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def rm(self, *args, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("timeout", 60)
        return subprocess.run([RM, *args], text=True, cwd=sftest.SOURCE_DIR, **kw)

    def test_every_command_fails_on_a_full_disk(self):
        for name, args in WRITERS.items():
            with self.subTest(command=name):
                ok = self.rm(*args)
                self.assertIn(ok.returncode, (0, 1), ok.stderr)  # lint findings exit 1 by design
                self.assertNotEqual(ok.stdout, "", "the command writes something")
                with open("/dev/full", "w") as full:
                    r = self.rm(*args, stdout=full, stderr=subprocess.PIPE, capture_output=False)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("stdout: write failed: No space left on device", r.stderr)

    def test_o_on_a_full_disk_keeps_the_old_file(self):
        folder = self.path("full")
        full = sftest.FullDisk(folder, "facts.env", "OLD=1\n",
                               [RM, "facts", "--format", "env", "-o", os.path.join(folder, "facts.env"), DOCKER])
        self.assertEqual(full.rc, 1, full.stderr)
        self.assertIn("%s/facts.env" % folder, full.stderr)
        self.assertIn("No space left on device", full.stderr)
        self.assertEqual((full.text, full.names), ("OLD=1\n", ["facts.env"]))
        self.assertTrue(full.mounted_only_there)

    def test_o_on_a_device_or_fifo_writes_in_place(self):
        mnt = self.path("dev")
        os.mkdir(mnt)
        r = sftest.in_mount_namespace(
            'mount -t tmpfs tmpfs "$1"; touch "$1/null" "$1/full"; '
            'mount --bind /dev/null "$1/null"; mount --bind /dev/full "$1/full"; set +e; '
            '"$2" images -o "$1/null" "$3"; echo "null rc=$?"; '
            '"$2" facts --format env -o "$1/full" "$4"; echo "full rc=$?"; set -e; '
            'stat -c "%n type=%F" "$1/null" "$1/full"; echo "files=$(ls "$1" | tr "\\n" " ")"',
            mnt, RM, RENDERED, DOCKER)
        self.assertIn("null rc=0\n", r.stdout, r.stderr)
        self.assertIn("full rc=1\n", r.stdout, r.stderr)
        self.assertIn(f"{mnt}/full: write failed: No space left on device", r.stderr)
        self.assertIn(f"{mnt}/null type=character special file", r.stdout)
        self.assertIn(f"{mnt}/full type=character special file", r.stdout)
        self.assertIn("files=full null \n", r.stdout, "no temporary file left beside them")
        self.assertEqual(os.listdir(mnt), [], "the mounts lived only in the test's namespace")
        # A FIFO: written through, never replaced by a regular file.
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        reader = sftest.FifoReader(fifo)
        r = self.rm("facts", "-o", fifo, DOCKER)
        text = reader.data()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertEqual(json.loads(text)["network"], "kind")
        # /dev/stdout is stdout.
        r = self.rm("facts", "-o", "/dev/stdout", DOCKER)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["network"], "kind")

    def test_o_keeps_the_mode_of_a_file_and_new_files_follow_the_umask(self):
        report = self.path("images.jsonl")
        with open(report, "w") as f:
            f.write("old\n")
        os.chmod(report, 0o600)
        r = self.rm("images", "-o", report, RENDERED)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(report).st_mode), 0o600)
        with open(report) as f:
            self.assertIn('"kind":"image"', f.read())
        new = self.path("facts.env")
        r = self.rm("facts", "--format", "env", "-o", new, DOCKER, umask=0o002)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(new).st_mode), 0o664)
        self.assertEqual(sorted(os.listdir(self.dir)), ["facts.env", "images.jsonl"])

    def test_deep_nesting_is_a_named_error_never_a_crash(self):
        deep = self.path("deep.yaml")
        with open(deep, "w") as f:
            f.write("metallb:\n  addresses: " + "[" * 100000 + "]" * 100000 + "\n")
        r = self.rm("render", "bootstrap/cluster", "-f", deep)
        self.assertEqual((r.returncode, r.stdout), (2, ""), r.stderr)
        self.assertIn("%s:2: invalid YAML" % deep, r.stderr)
        lint = self.rm("lint", deep)
        self.assertEqual(lint.returncode, 1, lint.stderr)
        self.assertIn("%s:2: yaml: not valid YAML" % deep, lint.stdout + lint.stderr)

    def test_inputs_that_are_not_files_are_refused_at_once(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)  # nobody writes: reading it would wait for ever
        for args, needle in ((["facts", fifo], f"docker network inspect output {fifo}: is a FIFO"),
                             (["render", *LAPTOP, "-f", fifo, "--list"], f"values file {fifo}: is a FIFO"),
                             (["facts", self.dir], f"{self.dir}: is a directory")):
            with self.subTest(args=args):
                r = self.rm(*args, timeout=20)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertEqual(r.stdout, "")

    def test_stdin_is_capped(self):
        big = "[" + " " * (17 << 20) + "]"  # valid JSON, one MiB over the cap of facts' input
        r = self.rm("facts", input=big)
        self.assertEqual(r.returncode, 2, r.stderr[:300])
        self.assertIn("stdin: more than the 16 MiB a docker network inspect output may have", r.stderr)

    def test_hostile_bytes_spoil_their_own_row_and_are_never_printed_raw(self):
        # An image and a chart version holding a byte that is not UTF-8, beside good ones.
        tree = self.path("tree")
        os.mkdir(tree)
        with open(os.path.join(tree, "pod.yaml"), "wb") as f:
            f.write(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                    b"  - {name: a, image: \"busy\xffbox:1.0\"}\n  - {name: b, image: \"busybox:1.37.0\"}\n")
        with open(os.path.join(tree, "app.yaml"), "wb") as f:
            f.write(b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x, namespace: argocd}\n"
                    b"spec:\n  sources:\n  - {repoURL: https://charts.example.com, chart: odd, targetRevision: \"1.0.\xff\"}\n"
                    b"  - {repoURL: https://charts.example.com, chart: fine, targetRevision: 2.0.0}\n")
        # Where the bad one is shown (its error row, or the message that it was left out), it is
        # escaped; a list has no error rows (the message says to see them in jsonl).
        for args, good, shown in ((["images", tree], "docker.io/library/busybox:1.37.0", True),
                                  (["images", "--format", "list", tree], "docker.io/library/busybox:1.37.0", False),
                                  (["charts", tree], '"chart":"fine"', True),
                                  (["charts", "--format", "list", tree], "https://charts.example.com fine 2.0.0", True)):
            with self.subTest(args=args):
                r = subprocess.run([RM, *args], capture_output=True, timeout=60)
                self.assertEqual(r.returncode, 3, r.stderr)
                out = r.stdout.decode("utf-8")  # raises on a raw byte
                self.assertIn(good, out)
                if "--format" not in args:
                    for line in out.splitlines():
                        json.loads(line)
                err = r.stderr.decode("utf-8")
                if shown:
                    self.assertIn("\\xFF", out + err)
        lint = subprocess.run([RM, "lint", tree], capture_output=True, timeout=60)
        self.assertEqual(lint.returncode, 1, lint.stderr)
        findings = lint.stdout.decode("utf-8")
        self.assertIn("invalid-image: image 'busy\\xFFbox:1.0'", findings)


if __name__ == "__main__":
    unittest.main()
