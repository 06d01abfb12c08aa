"""The variables' validation rules, proven by the real Terraform: each stage's variables.tf is
copied alone into a temporary folder (no provider, so `terraform init` works offline), then
`terraform plan -var ...` must fail on each bad value with exactly one error, that value's own
message on that variable, and pass on each good value. Stage 1's Kind settings are the file
render-manifests renders from bootstrap/cluster: the good cases are rendered by the real
render-manifests, the bad ones are those renders with one thing changed. Stage 1's locals.tf
(everything derived, the decoded kind config included) is evaluated the same way with
`terraform console`."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402
import tfsupport as tf  # noqa: E402

RM = sftest.binary("render-manifests")
CLUSTER_SET = os.path.join(sftest.SOURCE_DIR, "bootstrap", "cluster")
PLATFORM_SET = os.path.join(sftest.SOURCE_DIR, "bootstrap", "platform")
FACTS = ["--set", "metallb.addresses={172.18.255.205-172.18.255.254}",
         "--set", "network.controlPlaneCIDRs={172.18.0.3/32}", "--set", "network.nodeCIDRs={172.18.0.0/16}"]
DIGEST = "08497ee19eace7b4b5348db5c6a1591d7752b164530a36f855cb0f2bdcbadd48"

# Kind configs: a name -> (render-manifests --set arguments, text replacements on the result).
# {git} and {certs} are folders the test makes.
KIND_CONFIGS = {
    "default": ([], []),
    "one-worker": (["--set", "cluster.workers={worker}"], []),
    "five-workers": (["--set", "cluster.workers={a,b,c,d,e}"], []),
    "no-worker": (["--set", "cluster.workers={}"], []),
    "six-workers": (["--set", "cluster.workers={a,b,c,d,e,f}"], []),
    "ports-8080": (["--set", "ingress.httpPort=8080", "--set", "ingress.httpsPort=8443"], []),
    "same-ports": (["--set", "ingress.httpPort=443"], []),
    "port-0": (["--set", "ingress.httpPort=0"], []),
    "loopback-2": (["--set", "ingress.listenAddress=127.0.0.2"], []),
    "any-address": (["--set", "ingress.listenAddress=0.0.0.0"], []),
    "lan-address": (["--set", "ingress.listenAddress=192.168.1.10"], []),
    "localhost": (["--set", "ingress.listenAddress=localhost"], []),
    "ipv6": (["--set", "ingress.listenAddress=::1"], []),
    "team-2": (["--set", "cluster.name=team-2"], []),
    "cgroup-v2": (["--set", "cluster.nodeImage=kindest/node:v1.35.0@sha256:"
                   "452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f"], []),
    "tag-only": (["--set", "cluster.nodeImage=kindest/node:v1.34.3"], []),
    "digest-only": (["--set", f"cluster.nodeImage=kindest/node@sha256:{DIGEST}"], []),
    "short-digest": (["--set", f"cluster.nodeImage=kindest/node:v1.34.3@sha256:{DIGEST[:-1]}"], []),
    "mirror": (["--set", "registry.mirror=kind-registry:5000", "--set", "registry.certsHostPath={certs}"], []),
    "mirror-old-patch": (["--set", "registry.mirror=kind-registry:5000", "--set", "registry.certsHostPath={certs}"],
                         [('config_path = "/etc/containerd/certs.d"', 'mirrors."docker.io".endpoint = ["http://r"]')]),
    "mirror-unmounted": (["--set", "registry.mirror=kind-registry:5000", "--set", "registry.certsHostPath={certs}"],
                         [("containerPath: /etc/containerd/certs.d", "containerPath: /srv/certs.d")]),
    "git-over-etc": (["--set", "git.containerPath=/etc"], []),
    "writable": ([], [("readOnly: true", "readOnly: false")]),
    "feature-gates": ([], [("nodes:\n", "featureGates:\n  SomeGate: true\nnodes:\n")]),
    "node-field": ([], [("  - role: worker\n", "  - role: worker\n    disableDefaultCNI: true\n")]),
    "no-ingress-label": ([], [('node-labels: "ingress-ready=true"', 'node-labels: "team=a"')]),
    "two-control-planes": ([], [("  - role: worker\n", "  - role: control-plane\n")]),
    "api-on-lan": ([], [('apiServerAddress: "127.0.0.1"', 'apiServerAddress: "0.0.0.0"')]),
    "worker-ports": ([], [("  - role: worker\n", "  - role: worker\n    extraPortMappings:\n"
                           "      - {containerPort: 8080, hostPort: 8080, listenAddress: 127.0.0.1, protocol: TCP}\n")]),
}

# (variable, value, other -var settings, a fragment of the expected message). {kind:NAME} is the
# config above; {home}, {plain}, {kubeconfig}, {clone}, {bootstrap*} are places the test makes.
CLUSTER_REQUIRED = {"kind_config_path": "{kind:default}"}
CLUSTER_BAD = [
    ("cluster_name", "Bad_Name", {}, "must be a DNS-1123 label"),
    ("cluster_name", "-lead", {}, "must be a DNS-1123 label"),
    ("cluster_name", "", {}, "must be a DNS-1123 label"),
    ("cluster_name", "a" * 50, {}, "at most 49 characters"),
    ("kind_config_path", "kind-config.yaml", {}, "must be the absolute path of a kind config"),
    ("kind_config_path", "/nonexistent/kind-config.yaml", {}, "must be the absolute path of a kind config"),
    ("kind_config_path", "{plain}/not-yaml.yaml", {}, "must be the absolute path of a kind config"),
    ("kind_config_path", "{kind:team-2}", {}, "differs from cluster_name"),
    ("kind_config_path", "{kind:no-worker}", {}, "one control-plane node, first, and 1 to 5 workers"),
    ("kind_config_path", "{kind:six-workers}", {}, "one control-plane node, first, and 1 to 5 workers"),
    ("kind_config_path", "{kind:two-control-planes}", {}, "one control-plane node, first"),
    ("kind_config_path", "{kind:tag-only}", {}, "pinned by tag and digest"),
    ("kind_config_path", "{kind:digest-only}", {}, "pinned by tag and digest"),
    ("kind_config_path", "{kind:short-digest}", {}, "pinned by tag and digest"),
    ("kind_config_path", "{kind:same-ports}", {}, "two different host ports"),
    ("kind_config_path", "{kind:port-0}", {}, "two different host ports from 1 to 65535"),
    ("kind_config_path", "{kind:no-ingress-label}", {}, "must carry the ingress-ready=true kubeadm patch"),
    ("kind_config_path", "{kind:worker-ports}", {}, "workers map no ports"),
    ("kind_config_path", "{kind:localhost}", {}, "must listen on an IPv4 address"),
    ("kind_config_path", "{kind:ipv6}", {}, "must listen on an IPv4 address"),
    ("kind_config_path", "{kind:any-address}", {}, "Set expose_to_network = true"),
    ("kind_config_path", "{kind:lan-address}", {}, "Set expose_to_network = true"),
    ("kind_config_path", "{kind:writable}", {}, "must be readOnly: true"),
    ("kind_config_path", "{kind:git-over-etc}", {}, "must not hide a folder the node needs"),
    ("kind_config_path", "{kind:feature-gates}", {}, "using only the fields terraform/cluster maps"),
    ("kind_config_path", "{kind:node-field}", {}, "using only the fields terraform/cluster maps"),
    ("kind_config_path", "{kind:api-on-lan}", {}, "the API server must listen on 127.0.0.1"),
    ("kind_config_path", "{kind:mirror-old-patch}", {}, "never the registry.mirrors table"),
    ("kind_config_path", "{kind:mirror-unmounted}", {}, "every node must mount /etc/containerd/certs.d"),
    ("state_dir", "~/.local/state/sf", {}, "state_dir must be an absolute path"),
    ("kubeconfig_path", "kubeconfig", {}, "kubeconfig_path must be an absolute path"),
    ("kubeconfig_path", "{home}/.kube/config", {}, "must not be ~/.kube/config"),
    ("user_kubeconfig_path", ".kube/config", {}, "must be absolute or start with ~/"),
]
CLUSTER_GOOD = [
    {"cluster_name": "team-2", "kind_config_path": "{kind:team-2}"},
    {"kind_config_path": "{kind:cgroup-v2}"},
    {"kind_config_path": "{kind:one-worker}"},
    {"kind_config_path": "{kind:five-workers}"},
    {"kind_config_path": "{kind:ports-8080}"},
    {"kind_config_path": "{kind:loopback-2}"},
    {"kind_config_path": "{kind:any-address}", "expose_to_network": "true"},
    {"kind_config_path": "{kind:lan-address}", "expose_to_network": "true"},
    {"kind_config_path": "{kind:mirror}"},
    {"state_dir": "{home}/state", "kubeconfig_path": "{home}/state/kubeconfig"},
    {"merge_kubeconfig": "true", "user_kubeconfig_path": "~/.kube/other"},
]

PLATFORM_REQUIRED = {"kubeconfig_path": "{kubeconfig}", "bootstrap_dir": "{bootstrap}"}
PLATFORM_BAD = [
    ("kubeconfig_path", "kubeconfig", {}, "kubeconfig_path must be an absolute path"),
    ("kubeconfig_path", "/nonexistent/kubeconfig", {}, "names no file: run stage 1"),
    ("repository_path", "relative/repo", {}, "must be an absolute path"),
    ("repository_path", "{plain}", {}, "must be this repository's checkout"),
    ("argocd_values_files", "[]", {}, "needs at least one file"),
    ("argocd_values_files", '["../argo-cd.yaml"]', {}, "relative .yaml/.yml paths"),
    ("argocd_values_files", '["/etc/argo-cd.yaml"]', {}, "relative .yaml/.yml paths"),
    ("argocd_values_files", '["argocd/argo-cd/values.json"]', {}, "relative .yaml/.yml paths"),
    ("argocd_chart_repository", "http://argoproj.github.io/argo-helm", {}, "https:// or oci:// URL"),
    ("argocd_chart", "argo-cd-10.1.1.tgz", {}, "or an absolute path to the chart"),
    ("git_server_chart", "../git-server", {}, "relative path inside the repository"),
    ("git_server_chart", "/srv/git-server", {}, "relative path inside the repository"),
    ("bootstrap_dir", "bootstrap/platform", {}, "must be the absolute path of render-manifests' bootstrap/platform"),
    ("bootstrap_dir", "{plain}", {}, "must be the absolute path of render-manifests' bootstrap/platform"),
    ("bootstrap_dir", "{bootstrap-no-range}", {}, "carries no metallb.addresses"),
    ("ingress_https_port", "0", {}, "whole number from 1 to 65535"),
    ("helm_timeout_seconds", "10", {}, "from 60 to 3600"),
]
PLATFORM_GOOD = [
    {},
    {"repository_path": "{clone}"},
    {"argocd_values_files": '["argocd/argo-cd/values.yaml", "argocd/argo-cd/kind.yml"]'},
    {"argocd_chart_repository": "oci://ghcr.io/argoproj/argo-helm"},
    {"argocd_chart_repository": "", "argocd_chart": "/bundle/charts/argo-cd-10.1.1.tgz"},
    {"git_server_chart": ""},
    {"bootstrap_dir": "{bootstrap-air-gap}"},
    {"ingress_https_port": "8443"},
    {"helm_timeout_seconds": "900"},
]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def render(args, out):
    r = subprocess.run([RM, "render", *args, "-o", out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return out


def make_places(tmp):
    """The folders and files the cases name: a Git dir, a certs folder, rendered kind configs and
    platform sets."""
    places = {name: os.path.join(tmp, name) for name in ("clone", "plain", "home", "git", "certs")}
    for name in ("plain", "git", "certs"):
        os.makedirs(places[name])
    os.makedirs(os.path.join(places["clone"], "argocd", "root"))
    write(os.path.join(places["clone"], "argocd", "root", "Chart.yaml"), "apiVersion: v2\nname: root\nversion: 0.1.0\n")
    os.makedirs(os.path.join(places["home"], ".kube"))
    write(os.path.join(places["git"], "HEAD"), "ref: refs/heads/main\n")
    write(os.path.join(places["plain"], "not-yaml.yaml"), "{{ not yaml\n")
    places["kubeconfig"] = os.path.join(tmp, "kubeconfig")
    write(places["kubeconfig"], "apiVersion: v1\nkind: Config\n")
    for name, (sets, replacements) in KIND_CONFIGS.items():
        sets = [a.replace("{certs}", places["certs"]) for a in sets]
        out = render([CLUSTER_SET, "--set", "git.hostPath=" + places["git"], *sets], os.path.join(tmp, "kind-" + name))
        path = os.path.join(out, "kind-config.yaml")
        with open(path) as f:
            text = f.read()
        for old, new in replacements:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        write(path, text)
        places["kind:" + name] = path
    places["bootstrap"] = render([PLATFORM_SET, *FACTS], os.path.join(tmp, "platform"))
    places["bootstrap-no-range"] = render([PLATFORM_SET, *FACTS, "--set", "metallb.addresses={}"],
                                          os.path.join(tmp, "platform-no-range"))
    places["bootstrap-air-gap"] = render(
        [PLATFORM_SET, "-f", os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "values",
                                          "platform-air-gap.yaml")], os.path.join(tmp, "platform-air-gap"))
    return places


class VariableRuleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sf-tfvars-")
        cls.places = make_places(cls.tmp)
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
        return re.sub(r"\{([a-z0-9:-]+)\}", lambda m: self.places.get(m.group(1), m.group(0)), value)

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
        self.check_bad("cluster", CLUSTER_BAD, CLUSTER_REQUIRED)

    def test_cluster_accepts_the_rendered_defaults_and_good_values(self):
        self.check_good("cluster", [{}] + CLUSTER_GOOD, CLUSTER_REQUIRED)

    def test_platform_rejects_each_bad_value_with_its_own_message(self):
        self.check_bad("platform", PLATFORM_BAD, PLATFORM_REQUIRED)

    def test_platform_accepts_good_values(self):
        self.check_good("platform", PLATFORM_GOOD, PLATFORM_REQUIRED)

    def test_both_stages_require_their_rendered_input(self):
        for stage, required in (("cluster", CLUSTER_REQUIRED), ("platform", PLATFORM_REQUIRED)):
            for missing in required:
                with self.subTest(stage=stage, missing=missing):
                    given = {k: v for k, v in required.items() if k != missing}
                    rc, out = self.plan(stage, given)
                    self.assertNotEqual(rc, 0)
                    self.assertIn("No value for required variable", out)
                    self.assertIn(f'variable "{missing}"', out)

    def test_every_validated_variable_has_a_bad_case(self):
        for stage, cases in (("cluster", CLUSTER_BAD), ("platform", PLATFORM_BAD)):
            with open(os.path.join(tf.TERRAFORM_DIR, stage, "variables.tf")) as f:
                text = f.read()
            validated, rules = set(), {}
            for block in re.split(r'(?m)^variable "', text)[1:]:
                name = block.split('"', 1)[0]
                if "validation {" in block:
                    validated.add(name)
                    rules[name] = block.count("validation {")
            self.assertEqual(validated - {c[0] for c in cases}, set(), f"{stage}: rules without a bad case")
            messages = {c[3] for c in cases if c[0] == "kind_config_path"}
            if stage == "cluster":
                self.assertGreaterEqual(len(messages), rules["kind_config_path"], "a bad case for each kind config rule")


class ClusterLocalsTests(unittest.TestCase):
    """terraform/cluster/locals.tf beside variables.tf, evaluated by `terraform console`: the
    decoded kind config kind_cluster is built from, its port mappings and mounts, default paths."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sf-tflocals-")
        cls.places = make_places(cls.tmp)
        cls.home = cls.places["home"]
        cls.stage = os.path.join(cls.tmp, "terraform", "cluster")
        os.makedirs(cls.stage)
        for name in ("variables.tf", "locals.tf"):
            shutil.copy(os.path.join(tf.TERRAFORM_DIR, "cluster", name), cls.stage)
        r = tf.run_terraform(["init", "-input=false", "-backend=false"], cwd=cls.stage, env_extra={"HOME": cls.home})
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def locals(self, config="default", **settings):
        args = ["console", "-var", "kind_config_path=" + self.places["kind:" + config]]
        for name, value in settings.items():
            args += ["-var", f"{name}={value}"]
        names = ["kind", "control_plane", "http_mapping", "https_mapping", "git_dirs", "containerd_dirs",
                 "state_dir", "kubeconfig_path"]
        expression = "jsonencode({" + ", ".join(f"{n} = local.{n}" for n in names) + "})"
        env = dict(os.environ, **tf.TF_ENV, HOME=self.home)
        r = subprocess.run([tf.terraform(), *args], cwd=self.stage, input=expression + "\n",
                           capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(json.loads(r.stdout.strip()))

    def test_defaults(self):
        got = self.locals()
        self.assertEqual([n["role"] for n in got["kind"]["nodes"]], ["control-plane", "worker", "worker"])
        self.assertEqual(got["kind"]["networking"], {"apiServerAddress": "127.0.0.1"})
        self.assertEqual(got["http_mapping"], {"containerPort": 80, "hostPort": 80, "listenAddress": "127.0.0.1",
                                               "protocol": "TCP"})
        self.assertEqual(got["https_mapping"]["hostPort"], 443)
        self.assertEqual(got["control_plane"]["extraMounts"],
                         [{"hostPath": self.places["git"], "containerPath": "/srv/git/sovereign-finops.git",
                           "readOnly": True}])
        self.assertEqual(got["git_dirs"], [self.places["git"]])
        self.assertEqual(got["containerd_dirs"], [])
        state = os.path.join(self.home, ".local", "state", "sovereign-finops", "sovereign-finops")
        self.assertEqual(got["state_dir"], state)
        self.assertEqual(got["kubeconfig_path"], os.path.join(state, "kubeconfig"))

    def test_the_rendered_settings_shape_the_cluster(self):
        got = self.locals("ports-8080")
        self.assertEqual((got["http_mapping"]["hostPort"], got["https_mapping"]["hostPort"]), (8080, 8443))
        got = self.locals("five-workers")
        self.assertEqual([n["role"] for n in got["kind"]["nodes"]], ["control-plane"] + ["worker"] * 5)

    def test_a_mirror_mounts_the_certs_folder_on_every_node(self):
        got = self.locals("mirror")
        self.assertEqual(got["containerd_dirs"], [self.places["certs"]])
        for node in got["kind"]["nodes"]:
            self.assertIn({"hostPath": self.places["certs"], "containerPath": "/etc/containerd/certs.d",
                           "readOnly": True}, node["extraMounts"])
        self.assertIn('config_path = "/etc/containerd/certs.d"', got["kind"]["containerdConfigPatches"][0])

    def test_state_dir_moves_the_kubeconfig(self):
        got = self.locals(state_dir="/srv/state/sf")
        self.assertEqual(got["kubeconfig_path"], "/srv/state/sf/kubeconfig")
        got = self.locals(state_dir="/srv/state/sf", kubeconfig_path="/srv/kube/sf")
        self.assertEqual(got["kubeconfig_path"], "/srv/kube/sf")


if __name__ == "__main__":
    unittest.main(verbosity=2)
