"""The variables' validation rules, proven by the real Terraform: each stage's variables.tf is
copied alone into a temporary folder (no provider, so `terraform init` works offline), then
`terraform plan -var ...` must fail on each bad value with exactly one error, that value's own
message on that variable, and pass on each good value. Stage 1's locals.tf (everything derived
from the variables) is evaluated the same way with `terraform console`."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tfsupport as tf  # noqa: E402

DIGEST = "08497ee19eace7b4b5348db5c6a1591d7752b164530a36f855cb0f2bdcbadd48"
RANGE = '["172.18.255.200-172.18.255.250"]'

# (variable, value as given to -var, other -var settings, a fragment of the expected message).
# {clone}, {worktree}, {plain}, {kubeconfig} and {home} are folders the test makes.
CLUSTER_BAD = [
    ("cluster_name", "Bad_Name", {}, "must be a DNS-1123 label"),
    ("cluster_name", "-lead", {}, "must be a DNS-1123 label"),
    ("cluster_name", "", {}, "must be a DNS-1123 label"),
    ("cluster_name", "a" * 50, {}, "at most 49 characters"),
    ("node_image", "kindest/node:v1.34.3", {}, "pinned by tag and digest"),
    ("node_image", f"kindest/node@sha256:{DIGEST}", {}, "pinned by tag and digest"),
    ("node_image", f"kindest/node:latest@sha256:{DIGEST}", {}, "pinned by tag and digest"),
    ("node_image", f"kindest/node:v1.34.3@sha256:{DIGEST[:-1]}", {}, "pinned by tag and digest"),
    ("worker_count", "0", {}, "whole number from 1 to 5"),
    ("worker_count", "6", {}, "whole number from 1 to 5"),
    ("worker_count", "1.5", {}, "whole number from 1 to 5"),
    ("host_ports", "{http = 80, https = 80}", {}, "must differ"),
    ("host_ports", "{http = 0, https = 443}", {}, "whole numbers from 1 to 65535"),
    ("host_ports", "{http = 80, https = 70000}", {}, "whole numbers from 1 to 65535"),
    ("listen_address", "localhost", {}, "must be an IPv4 address"),
    ("listen_address", "::1", {}, "must be an IPv4 address"),
    ("listen_address", "0.0.0.0", {}, "Set expose_to_network = true"),
    ("listen_address", "192.168.1.10", {}, "Set expose_to_network = true"),
    ("repository_path", "relative/repo", {}, "must be an absolute path"),
    ("repository_path", "/nonexistent/sovereign-finops", {}, "must be an existing clone"),
    ("repository_path", "{worktree}", {}, "must be an existing clone"),
    ("repository_path", "{plain}", {}, "must be an existing clone"),
    ("repository_container_path", "srv/repo", {}, "must be an absolute path of letters"),
    ("repository_container_path", "/srv/../etc", {}, "without '.' or '..' parts"),
    ("repository_container_path", "/etc", {}, "must not hide a folder the node itself needs"),
    ("repository_container_path", "/etc/containerd/certs.d/", {}, "must not hide a folder"),
    ("registry_mirror", "http://kind-registry:5000", {}, "must be host or host:port"),
    ("registry_mirror", "kind-registry:5000/library", {}, "must be host or host:port"),
    ("registry_mirror", "kind registry", {}, "must be host or host:port"),
    ("containerd_certs_dir", "certs.d", {}, "containerd_certs_dir must be an absolute path"),
    ("state_dir", "~/.local/state/sf", {}, "state_dir must be an absolute path"),
    ("kubeconfig_path", "kubeconfig", {}, "kubeconfig_path must be an absolute path"),
    ("kubeconfig_path", "{home}/.kube/config", {}, "must not be ~/.kube/config"),
    ("user_kubeconfig_path", ".kube/config", {}, "must be absolute or start with ~/"),
]
CLUSTER_GOOD = [
    {"cluster_name": "a" * 49},
    {"cluster_name": "team-2"},
    {"node_image": "kindest/node:v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f"},
    {"worker_count": "1"},
    {"worker_count": "5"},
    {"host_ports": "{http = 8080, https = 8443}"},
    {"listen_address": "127.0.0.2"},
    {"listen_address": "0.0.0.0", "expose_to_network": "true"},
    {"listen_address": "192.168.1.10", "expose_to_network": "true"},
    {"repository_path": "{clone}", "repository_container_path": "/srv/repo"},
    {"registry_mirror": "kind-registry:5000", "containerd_certs_dir": "{plain}"},
    {"registry_mirror": "registry.example.internal"},
    {"state_dir": "{home}/state", "kubeconfig_path": "{home}/state/kubeconfig"},
    {"merge_kubeconfig": "true", "user_kubeconfig_path": "~/.kube/other"},
]

PLATFORM_REQUIRED = {"kubeconfig_path": "{kubeconfig}", "metallb_addresses": RANGE}
PLATFORM_BAD = [
    ("kubeconfig_path", "kubeconfig", {}, "kubeconfig_path must be an absolute path"),
    ("kubeconfig_path", "/nonexistent/kubeconfig", {}, "names no file: run stage 1"),
    ("repository_path", "relative/repo", {}, "must be an absolute path"),
    ("repository_path", "{worktree}", {}, "must be an existing clone"),
    ("repository_container_path", "/srv/./repo", {}, "without '.' or '..' parts"),
    ("argocd_values_files", "[]", {}, "needs at least one file"),
    ("argocd_values_files", '["../argo-cd.yaml"]', {}, "relative .yaml/.yml paths"),
    ("argocd_values_files", '["/etc/argo-cd.yaml"]', {}, "relative .yaml/.yml paths"),
    ("argocd_values_files", '["argocd/values/argo-cd.json"]', {}, "relative .yaml/.yml paths"),
    ("argocd_chart_repository", "http://argoproj.github.io/argo-helm", {}, "https:// or oci:// URL"),
    ("argocd_chart", "argo-cd-10.1.1.tgz", {}, "or an absolute path to the chart"),
    ("git_server_chart", "../git-server", {}, "relative path inside the repository"),
    ("git_server_chart", "/srv/git-server", {}, "relative path inside the repository"),
    ("layer", "cloud", {}, 'layer must be "kind" or "metal"'),
    ("git_repo_url", "ftp://git.example.internal/repo", {}, "git://, http(s):// or ssh:// URL"),
    ("git_repo_url", "https://git.example.internal/a,b", {}, "without spaces or commas"),
    ("git_repo_url", "https://deploy:hunter2@git.example.internal/repo.git", {}, "must not carry a password"),
    ("git_target_revision", "-main", {}, "not starting with '-'"),
    ("git_target_revision", "main branch", {}, "a branch, tag or commit"),
    ("metallb_addresses", "[]", {}, "needs at least one range"),
    ("metallb_addresses", '["172.18.255.200"]', {}, "IPv4 CIDRs"),
    ("metallb_addresses", '["10.0.0.1-10.0.0.300"]', {}, "IPv4 CIDRs"),
    ("metallb_addresses", '["10.0.0.1-10.0.0.2-10.0.0.3"]', {}, "IPv4 CIDRs"),
    ("metallb_addresses", '["fd00:10::/64"]', {}, "IPv4 CIDRs"),
    ("metallb_addresses", '["fd00::1-fd00::9"]', {}, "IPv4 CIDRs"),
    ("registry_mirror", "oci://kind-registry:5000", {}, "must be host or host:port"),
    ("ingress_domain", "Platform.Localhost", {}, "lower-case DNS name"),
    ("ingress_domain", "-x.localhost", {}, "lower-case DNS name"),
    ("ingress_https_port", "0", {}, "whole number from 1 to 65535"),
    ("helm_timeout_seconds", "10", {}, "from 60 to 3600"),
]
PLATFORM_GOOD = [
    {},
    {"repository_path": "{clone}"},
    {"argocd_values_files": '["argocd/values/argo-cd.yaml", "argocd/values/kind/argo-cd.yml"]'},
    {"argocd_chart_repository": "oci://ghcr.io/argoproj/argo-helm"},
    {"argocd_chart_repository": "", "argocd_chart": "/bundle/charts/argo-cd-10.1.1.tgz"},
    {"git_server_chart": ""},
    {"layer": "metal"},
    {"git_repo_url": "https://git.example.internal/platform.git"},
    {"git_repo_url": "git@git.example.internal:platform.git"},
    {"git_target_revision": "v1.2.3"},
    {"git_target_revision": "release/2026-12"},
    {"metallb_addresses": '["172.18.255.192/27", "10.0.0.1-10.0.0.9"]'},
    {"registry_mirror": "kind-registry:5000"},
    {"ingress_domain": "platform.example.internal"},
    {"ingress_https_port": "8443"},
    {"helm_timeout_seconds": "900"},
]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class VariableRuleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sf-tfvars-")
        places = {name: os.path.join(cls.tmp, name) for name in ("clone", "worktree", "plain", "home")}
        os.makedirs(os.path.join(places["clone"], ".git"))
        write(os.path.join(places["clone"], ".git", "HEAD"), "ref: refs/heads/main\n")
        os.makedirs(places["worktree"])  # a git worktree: .git is a file pointing elsewhere
        write(os.path.join(places["worktree"], ".git"), "gitdir: /elsewhere/.git/worktrees/x\n")
        os.makedirs(places["plain"])
        os.makedirs(os.path.join(places["home"], ".kube"))
        places["kubeconfig"] = os.path.join(cls.tmp, "kubeconfig")
        write(places["kubeconfig"], "apiVersion: v1\nkind: Config\n")
        cls.places = places
        cls.stage_dirs = {}
        for stage in tf.STAGES:
            d = os.path.join(cls.tmp, f"stage-{stage}")
            os.makedirs(d)
            shutil.copy(os.path.join(tf.TERRAFORM_DIR, stage, "variables.tf"), d)
            r = tf.run_terraform(["init", "-input=false", "-backend=false"], cwd=d, env_extra=cls.env())
            assert r.returncode == 0, f"terraform init of a provider-less copy failed: {r.stdout}{r.stderr}"
            cls.stage_dirs[stage] = d

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def env(cls):
        return {"HOME": cls.places["home"]}  # pathexpand("~/...") in the rules reads HOME

    def fill(self, value):
        for name, path in self.places.items():
            value = value.replace("{" + name + "}", path)
        return value

    def plan(self, stage, settings):
        args = ["plan", "-input=false", "-lock=false", "-refresh=false", "-no-color"]
        for name, value in settings.items():
            args += ["-var", f"{name}={self.fill(value)}"]
        r = tf.run_terraform(args, cwd=self.stage_dirs[stage], env_extra=self.env())
        return r.returncode, tf.one_line(r.stdout + r.stderr)

    def check_bad(self, stage, cases, required):
        for name, value, others, fragment in cases:
            with self.subTest(stage=stage, variable=name, value=value):
                rc, out = self.plan(stage, {**required, **others, name: value})
                self.assertNotEqual(rc, 0, f"{name}={value!r} was accepted")
                self.assertEqual(out.count("Error: Invalid value for variable"), 1, out)
                self.assertRegex(out, rf'variable "{name}" \{{', out)
                self.assertIn(fragment, out)

    def check_good(self, stage, cases, required):
        for settings in cases:
            with self.subTest(stage=stage, settings=settings):
                rc, out = self.plan(stage, {**required, **settings})
                self.assertEqual(rc, 0, out)
                self.assertIn("No changes", out)

    def test_cluster_rejects_each_bad_value_with_its_own_message(self):
        self.check_bad("cluster", CLUSTER_BAD, {})

    def test_cluster_accepts_defaults_and_good_values(self):
        self.check_good("cluster", [{}] + CLUSTER_GOOD, {})

    def test_platform_rejects_each_bad_value_with_its_own_message(self):
        self.check_bad("platform", PLATFORM_BAD, PLATFORM_REQUIRED)

    def test_platform_accepts_good_values(self):
        self.check_good("platform", PLATFORM_GOOD, PLATFORM_REQUIRED)

    def test_platform_requires_the_run_time_facts(self):
        for missing in PLATFORM_REQUIRED:
            with self.subTest(missing=missing):
                given = {k: v for k, v in PLATFORM_REQUIRED.items() if k != missing}
                rc, out = self.plan("platform", given)
                self.assertNotEqual(rc, 0)
                self.assertIn("No value for required variable", out)
                self.assertIn(f'variable "{missing}"', out)

    def test_every_validated_variable_has_a_bad_case(self):
        for stage, cases in (("cluster", CLUSTER_BAD), ("platform", PLATFORM_BAD)):
            with open(os.path.join(tf.TERRAFORM_DIR, stage, "variables.tf")) as f:
                text = f.read()
            validated = set()
            for block in re.split(r'(?m)^variable "', text)[1:]:
                if "validation {" in block:
                    validated.add(block.split('"', 1)[0])
            self.assertEqual(validated - {c[0] for c in cases}, set(), f"{stage}: rules without a bad case")


class ClusterLocalsTests(unittest.TestCase):
    """terraform/cluster/locals.tf beside variables.tf in a copy of the tree's layout, evaluated by
    `terraform console`: the node list, port mappings, mounts and default paths kind_cluster gets."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sf-tflocals-")
        cls.repo = os.path.join(cls.tmp, "repo")
        cls.home = os.path.join(cls.tmp, "home")
        os.makedirs(os.path.join(cls.repo, ".git"))
        os.makedirs(cls.home)
        write(os.path.join(cls.repo, ".git", "HEAD"), "ref: refs/heads/main\n")
        cls.stage = os.path.join(cls.repo, "terraform", "cluster")
        os.makedirs(cls.stage)
        for name in ("variables.tf", "locals.tf"):
            shutil.copy(os.path.join(tf.TERRAFORM_DIR, "cluster", name), cls.stage)
        r = tf.run_terraform(["init", "-input=false", "-backend=false"], cwd=cls.stage, env_extra={"HOME": cls.home})
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def locals(self, **settings):
        args = ["console"]
        for name, value in settings.items():
            args += ["-var", f"{name}={value}"]
        names = ["nodes", "ingress_ports", "node_mounts", "state_dir", "kubeconfig_path", "repository_path",
                 "use_mirror"]
        expression = "jsonencode({" + ", ".join(f"{n} = local.{n}" for n in names) + "})"
        env = dict(os.environ, **tf.TF_ENV, HOME=self.home)
        r = subprocess.run([tf.terraform(), *args], cwd=self.stage, input=expression + "\n",
                                         capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(json.loads(r.stdout.strip()))

    def test_defaults(self):
        got = self.locals()
        self.assertEqual(got["nodes"], [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}])
        self.assertEqual(got["ingress_ports"], [{"container_port": 80, "host_port": 80},
                                                {"container_port": 443, "host_port": 443}])
        self.assertEqual(got["repository_path"], self.repo, "null = the checkout the stage is in")
        self.assertEqual(got["node_mounts"], [{"host_path": self.repo, "container_path": "/sovereign-finops/repo"}])
        state = os.path.join(self.home, ".local", "state", "sovereign-finops", "sovereign-finops")
        self.assertEqual(got["state_dir"], state)
        self.assertEqual(got["kubeconfig_path"], os.path.join(state, "kubeconfig"))
        self.assertIs(got["use_mirror"], False)

    def test_worker_count_and_host_ports_shape_the_nodes(self):
        got = self.locals(worker_count="1", host_ports="{http = 8080, https = 8443}")
        self.assertEqual([n["role"] for n in got["nodes"]], ["control-plane", "worker"])
        self.assertEqual([p["host_port"] for p in got["ingress_ports"]], [8080, 8443])
        got = self.locals(worker_count="5")
        self.assertEqual([n["role"] for n in got["nodes"]], ["control-plane"] + ["worker"] * 5)

    def test_a_mirror_mounts_the_certs_folder_on_every_node(self):
        got = self.locals(registry_mirror="kind-registry:5000", cluster_name="lab")
        state = os.path.join(self.home, ".local", "state", "sovereign-finops", "lab")
        self.assertIs(got["use_mirror"], True)
        self.assertEqual(got["node_mounts"][1], {"host_path": os.path.join(state, "containerd-certs.d"),
                                                 "container_path": "/etc/containerd/certs.d"})
        got = self.locals(registry_mirror="kind-registry:5000", containerd_certs_dir="/srv/certs.d")
        self.assertEqual(got["node_mounts"][1]["host_path"], "/srv/certs.d")

    def test_state_dir_moves_the_kubeconfig(self):
        got = self.locals(state_dir="/srv/state/sf")
        self.assertEqual(got["kubeconfig_path"], "/srv/state/sf/kubeconfig")
        got = self.locals(state_dir="/srv/state/sf", kubeconfig_path="/srv/kube/sf")
        self.assertEqual(got["kubeconfig_path"], "/srv/kube/sf")


if __name__ == "__main__":
    unittest.main(verbosity=2)
