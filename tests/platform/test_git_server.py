# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""The in-cluster Git server (k8s/system/git-server) run for real: Debian's `git daemon` with the
exact command, arguments and environment the chart renders, serving a repository owned by
another user (GIT_TEST_ASSUME_DIFFERENT_OWNER, git's own switch for that) from a read-only
directory laid out like the Kind mount. Argo CD's repo-server uses ls-remote and fetch over
git://; the readiness probe runs the same ls-remote."""
import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import platformtest as pt



def git(*args, cwd=None, env=None, check=True):
    e = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=env.get("HOME") if env else os.environ.get("HOME", "/tmp"))
    e.update(env or {})
    return subprocess.run(["git", *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=60, check=check)


class GitServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("git"):
            raise pt.ToolMissing("git is missing: apt-get install git")
        docs = pt.documents(pt.helm_template(pt.SOURCE / "k8s/system/git-server", "git-server", "git-server").stdout)
        cls.deployment = next(d for d in docs if d["kind"] == "Deployment")
        cls.container = cls.deployment["spec"]["template"]["spec"]["containers"][0]
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.home = root / "home"
        cls.home.mkdir()
        env = {"HOME": str(cls.home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@t"}
        cls.env = env
        cls.work = root / "checkout"
        git("init", "-q", "-b", "main", str(cls.work), env=env)
        (cls.work / "README.md").write_text("one\n")
        git("add", ".", cwd=cls.work, env=env)
        git("commit", "-qm", "one", cwd=cls.work, env=env)
        # The Kind node mounts the checkout's Git directory at /srv/git/<name>; here /srv/git is root/srv.
        cls.srv = root / "srv"
        cls.srv.mkdir()
        name = next(m["mountPath"] for m in cls.container["volumeMounts"] if m["name"] == "source").rsplit("/", 1)[1]
        cls.name = name
        (cls.srv / name).symlink_to(cls.work / ".git")
        cls.port = pt.free_port()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start_daemon(self, env_overrides=None, drop_env=()):
        args = [a.replace("/srv/git", str(self.srv)) for a in self.container["args"]]
        args = [f"--port={self.port}" if a.startswith("--port=") else a for a in args]
        args = ["--listen=127.0.0.1" if a.startswith("--listen=") else a for a in args]
        env = {e["name"]: e["value"] for e in self.container["env"] if e["name"] not in drop_env}
        env["HOME"] = str(self.home)
        env["GIT_TEST_ASSUME_DIFFERENT_OWNER"] = "1"   # the laptop user owns the checkout, not uid 999
        env.update(env_overrides or {})
        env["PATH"] = os.environ["PATH"]
        log = open(Path(self.tmp.name) / f"daemon-{time.monotonic_ns()}.log", "w+")
        proc = subprocess.Popen(self.container["command"] + args, env=env, stderr=log, stdout=log)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(timeout=10), log.close()))
        pt.wait_listening(self.port, proc, "git daemon")
        return log

    def url(self):
        return f"git://127.0.0.1:{self.port}/{self.name}"

    def probe(self):
        """The chart's readiness probe command, pointed at this daemon."""
        cmd = self.deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["exec"]["command"]
        cmd = [c.replace("git://127.0.0.1:9418", f"git://127.0.0.1:{self.port}") for c in cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)

    def test_the_chart_runs_git_daemon_read_only_and_non_root(self):
        self.assertEqual(self.container["command"], ["git", "daemon"])
        self.assertIn("--export-all", self.container["args"])
        self.assertNotIn("--enable=receive-pack", " ".join(self.container["args"]))
        mount = next(m for m in self.container["volumeMounts"] if m["name"] == "source")
        self.assertIs(mount["readOnly"], True)
        self.assertEqual(self.deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"], 999)

    def test_serves_a_foreign_owned_read_only_checkout_and_sees_new_commits_at_once(self):
        self.start_daemon()
        head = git("rev-parse", "HEAD", cwd=self.work).stdout.strip()
        probe = self.probe()
        self.assertEqual(probe.returncode, 0, probe.stderr)
        self.assertIn(head, probe.stdout)
        clone = Path(self.tmp.name) / "clone"
        git("clone", "-q", self.url(), str(clone), env=self.env)
        self.assertEqual((clone / "README.md").read_text(), "one\n")
        # A new commit in the checkout is visible to the next ls-remote: no restart, no copy.
        (self.work / "README.md").write_text("two\n")
        git("commit", "-qam", "two", cwd=self.work, env=self.env)
        head2 = git("rev-parse", "HEAD", cwd=self.work).stdout.strip()
        self.assertNotEqual(head, head2)
        self.assertIn(head2, git("ls-remote", self.url(), "HEAD", env=self.env).stdout)
        # Read-only: pushing is refused.
        (clone / "x").write_text("x\n")
        git("add", "x", cwd=clone, env=self.env)
        git("commit", "-qm", "push attempt", cwd=clone, env=self.env)
        push = git("push", "-q", "origin", "HEAD:refs/heads/evil", cwd=clone, env=self.env, check=False)
        self.assertNotEqual(push.returncode, 0)
        self.assertNotIn("evil", git("branch", "--list", cwd=self.work).stdout)

    def test_works_from_a_read_only_directory(self):
        # (As root the modes below do not stop writes; the test proves it for any other user.)
        git_dir = self.work / ".git"
        modes = {}
        for p in [git_dir, *git_dir.rglob("*")]:
            modes[p] = p.stat().st_mode
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            self.start_daemon()
            self.assertEqual(self.probe().returncode, 0)
            fetch = Path(self.tmp.name) / "fetch"
            git("init", "-q", str(fetch), env=self.env)
            git("fetch", "-q", self.url(), "HEAD", cwd=fetch, env=self.env)
        finally:
            for p, mode in sorted(modes.items(), key=lambda kv: -len(str(kv[0]))):
                p.chmod(mode)

    def test_without_safe_directory_git_refuses_the_foreign_owned_checkout(self):
        log = self.start_daemon(drop_env=("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"))
        self.assertNotEqual(self.probe().returncode, 0)
        log.flush()
        log.seek(0)
        self.assertIn("dubious ownership", log.read())


if __name__ == "__main__":
    unittest.main()
