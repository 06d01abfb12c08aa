# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""scripts/kubeconfig-merge.sh, which terraform/cluster runs when merge_kubeconfig = true,
against the real kubectl (v1.32 on the machine image): the user's other entries survive, the
file is replaced atomically at 0600 after a backup, kind's lock file is honoured, and remove
takes out exactly the cluster's entries."""
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

SCRIPT = os.path.join(sftest.SOURCE_DIR, "scripts", "kubeconfig-merge.sh")

KIND = """apiVersion: v1
kind: Config
clusters:
- cluster: {{server: "https://127.0.0.1:{port}", certificate-authority-data: QUJD}}
  name: kind-sf
users:
- user: {{client-certificate-data: REVG, client-key-data: R0hJ}}
  name: kind-sf
contexts:
- context: {{cluster: kind-sf, user: kind-sf}}
  name: kind-sf
current-context: kind-sf
"""
USER = """apiVersion: v1
kind: Config
clusters:
- cluster: {server: "https://prod.example:6443", certificate-authority: ca.crt}
  name: prod
users:
- user: {token: not-a-real-token}
  name: prod-admin
contexts:
- context: {cluster: prod, user: prod-admin}
  name: prod
current-context: prod
"""


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class KubeconfigMergeTests(unittest.TestCase):
    def setUp(self):
        self.kubectl = sftest.require_program("kubectl", "kubectl (on the machine image)")
        self.dir = tempfile.mkdtemp(prefix="sf-kcmerge-")
        self.source = os.path.join(self.dir, "state", "kubeconfig")
        os.makedirs(os.path.dirname(self.source))
        write(self.source, KIND.format(port=40001), 0o600)
        self.target = os.path.join(self.dir, "home", ".kube", "config")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_script(self, *args, env=None):
        return subprocess.run(["bash", SCRIPT, *args], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, **(env or {})))

    def view(self, path):
        r = subprocess.run([self.kubectl, "--kubeconfig", path, "config", "view", "--raw", "-o", "json"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def names(self, config, section):
        return sorted(e["name"] for e in config.get(section) or [])

    def user_file(self):
        os.makedirs(os.path.dirname(self.target), exist_ok=True)
        write(self.target, USER, 0o644)
        with open(self.target) as f:
            return f.read()

    def test_merge_keeps_the_users_entries_and_replaces_the_file_safely(self):
        original = self.user_file()
        r = self.run_script("merge", self.source, self.target, "kind-sf")
        self.assertEqual(r.returncode, 0, r.stderr)
        config = self.view(self.target)
        self.assertEqual(self.names(config, "contexts"), ["kind-sf", "prod"])
        self.assertEqual(self.names(config, "clusters"), ["kind-sf", "prod"])
        self.assertEqual(self.names(config, "users"), ["kind-sf", "prod-admin"])
        self.assertEqual(config["current-context"], "kind-sf")
        prod = next(c for c in config["clusters"] if c["name"] == "prod")["cluster"]
        self.assertEqual(prod["certificate-authority"], "ca.crt", "a file reference must stay a reference")
        self.assertEqual(stat.S_IMODE(os.stat(self.target).st_mode), 0o600)
        backup = self.target + ".sovereign-finops.bak"
        with open(backup) as f:
            self.assertEqual(f.read(), original)
        self.assertEqual(stat.S_IMODE(os.stat(backup).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.target))),
                         ["config", "config.sovereign-finops.bak"], "no lock or temporary file left")

    def test_a_new_merge_replaces_a_stale_entry_of_the_same_cluster(self):
        self.user_file()
        self.assertEqual(self.run_script("merge", self.source, self.target, "kind-sf").returncode, 0)
        write(self.source, KIND.format(port=40002), 0o600)  # the cluster was made again
        r = self.run_script("merge", self.source, self.target, "kind-sf")
        self.assertEqual(r.returncode, 0, r.stderr)
        config = self.view(self.target)
        servers = [c["cluster"]["server"] for c in config["clusters"] if c["name"] == "kind-sf"]
        self.assertEqual(servers, ["https://127.0.0.1:40002"])

    def test_merge_into_a_missing_file_creates_it_0600(self):
        r = self.run_script("merge", self.source, self.target, "kind-sf")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.names(self.view(self.target), "contexts"), ["kind-sf"])
        self.assertEqual(stat.S_IMODE(os.stat(self.target).st_mode), 0o600)

    def test_kinds_lock_file_stops_the_merge_and_says_how_to_clear_it(self):
        original = self.user_file()
        write(self.target + ".lock", "")
        r = self.run_script("merge", self.source, self.target, "kind-sf")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.target}.lock exists", r.stderr)
        self.assertIn(f"rm '{self.target}.lock'", r.stderr)
        with open(self.target) as f:
            self.assertEqual(f.read(), original)
        self.assertTrue(os.path.exists(self.target + ".lock"), "someone else's lock must stay")

    def test_remove_takes_out_only_the_clusters_entries_and_is_idempotent(self):
        self.user_file()
        self.assertEqual(self.run_script("merge", self.source, self.target, "kind-sf").returncode, 0)
        r = self.run_script("remove", self.target, "kind-sf")
        self.assertEqual(r.returncode, 0, r.stderr)
        config = self.view(self.target)
        self.assertEqual(self.names(config, "contexts"), ["prod"])
        self.assertEqual(self.names(config, "clusters"), ["prod"])
        self.assertEqual(self.names(config, "users"), ["prod-admin"])
        self.assertEqual(config.get("current-context", ""), "")
        with open(self.target) as f:
            after = f.read()
        r = self.run_script("remove", self.target, "kind-sf")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.target) as f:
            self.assertEqual(f.read(), after)

    def test_refuses_bad_input_without_touching_the_target(self):
        original = self.user_file()
        r = self.run_script("merge", os.path.join(self.dir, "missing"), self.target, "kind-sf")
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing or empty", r.stderr)
        r = self.run_script("merge", self.source, self.target, "kind-other")
        self.assertEqual(r.returncode, 1)
        self.assertIn("holds no context kind-other", r.stderr)
        r = self.run_script("merge", self.source, self.target, "kind-sf", env={"SF_KUBECTL": "/nonexistent/kubectl"})
        self.assertEqual(r.returncode, 2)
        self.assertIn("kubectl is needed", r.stderr)
        r = self.run_script("frobnicate")
        self.assertEqual(r.returncode, 2)
        with open(self.target) as f:
            self.assertEqual(f.read(), original)
        self.assertFalse(os.path.exists(self.target + ".lock"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
