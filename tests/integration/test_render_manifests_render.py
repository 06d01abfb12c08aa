"""render-manifests render on the repository's own bootstrap sets (bootstrap/cluster before the
cluster exists, bootstrap/platform with its facts): every output, the TOML ones parsed by
Python's tomllib (containerd's hosts.toml and the config patch in the kind config), the YAML
ones read back through render-manifests itself; byte-for-byte determinism, the output folder
replaced as a whole, strict errors naming template file:line and key. Python 3 stdlib only."""
import hashlib
import os
import shutil
import sys
import tempfile
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
CLUSTER = os.path.join(sftest.SOURCE_DIR, "bootstrap", "cluster")
PLATFORM = os.path.join(sftest.SOURCE_DIR, "bootstrap", "platform")
VALUES = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "values")
LAPTOP = ["--set", "git.hostPath=/home/alice/src/sovereign-finops/.git"]
FACTS = ["--set", "metallb.addresses={172.18.255.205-172.18.255.254}",
         "--set", "network.controlPlaneCIDRs={172.18.0.3/32}", "--set", "network.nodeCIDRs={172.18.0.0/16}"]
MIRROR = ["--set", "registry.mirror=kind-registry:5000", "--set", "registry.certsHostPath=/srv/state/certs.d"]


def tree(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


class Render(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rm-render-")
        self.out = os.path.join(self.dir, "bootstrap")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def render(self, *args, template_set=CLUSTER):
        return sftest.run([RM, "render", template_set, *args], timeout=60)

    def test_laptop_outputs(self):
        r = self.render(*LAPTOP, "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(tree(self.out)), [".render-manifests", "kind-config.yaml"])
        platform = os.path.join(self.dir, "platform")
        r = self.render(*FACTS, "-o", platform, template_set=PLATFORM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(tree(platform)), [".render-manifests", "namespaces.yaml", "root-application.yaml"])
        with open(os.path.join(self.out, "kind-config.yaml")) as f:
            kind = f.read()
        self.assertIn('listenAddress: "127.0.0.1"', kind)
        self.assertNotIn("containerdConfigPatches", kind)
        self.assertNotIn("registry.mirrors", kind)
        self.assertEqual(kind.count("- role: worker"), 2)
        self.assertEqual(kind.count("- role: control-plane"), 1)
        self.assertIn('containerPath: "/srv/git/sovereign-finops.git"', kind)
        # The YAML parses: render-manifests reads it back and finds the pinned node image on all 3 nodes.
        images = sftest.run([RM, "images", self.out])
        self.assertEqual(images.returncode, 0, images.stderr)
        [row] = sftest.json_lines(images.stdout)
        self.assertTrue(row["pinned"])
        self.assertEqual(len(row["where"]), 3)
        lint = sftest.run([RM, "lint", self.out, platform])
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)

    def test_mirror_outputs_are_valid_toml(self):
        r = self.render(*LAPTOP, *MIRROR, "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.out, "kind-config.yaml")) as f:
            text = f.read()
        # The containerd patch inside the kind config (a YAML block scalar) is TOML containerd reads.
        block = text.split("containerdConfigPatches:\n  - |-\n", 1)[1].split("\nnodes:", 1)[0]
        patch = tomllib.loads("\n".join(line[4:] for line in block.splitlines()))
        self.assertEqual(patch["plugins"]["io.containerd.grpc.v1.cri"]["registry"]["config_path"], "/etc/containerd/certs.d")
        hosts = sorted(os.listdir(os.path.join(self.out, "containerd-certs.d")))
        self.assertEqual(hosts, ["docker.io", "ecr-public.aws.com", "ghcr.io", "kind-registry:5000", "quay.io",
                                 "registry.k8s.io"])
        for host in hosts:
            with open(os.path.join(self.out, "containerd-certs.d", host, "hosts.toml"), "rb") as f:
                conf = tomllib.load(f)
            # Air gap by default: the mirror (plain HTTP) is the server of every registry, the
            # images under their own path (the registry host dropped, as the root chart does).
            self.assertEqual(conf, {"server": "http://kind-registry:5000", "capabilities": ["pull", "resolve"]})
        with open(os.path.join(self.out, "kind-config.yaml")) as f:
            kind = f.read()
        self.assertEqual(kind.count("containerPath: /etc/containerd/certs.d"), 3)
        self.assertIn('hostPath: "/srv/state/certs.d"', kind)
        fallback = self.render(*LAPTOP, *MIRROR, "--set", "registry.upstreamFallback=true", "-o", self.out)
        self.assertEqual(fallback.returncode, 0, fallback.stderr)
        with open(os.path.join(self.out, "containerd-certs.d", "docker.io", "hosts.toml"), "rb") as f:
            conf = tomllib.load(f)
        self.assertEqual(conf["server"], "https://registry-1.docker.io")
        self.assertEqual(conf["host"]["http://kind-registry:5000"], {"capabilities": ["pull", "resolve"]})

    def test_deterministic_and_replaced_whole(self):
        self.assertEqual(self.render(*LAPTOP, *MIRROR, "-o", self.out).returncode, 0)
        first = tree(self.out)
        self.assertEqual(self.render(*LAPTOP, *MIRROR, "-o", self.out).returncode, 0)
        self.assertEqual(tree(self.out), first)
        # Without the mirror the hosts.toml files are gone, not left over from the last render.
        self.assertEqual(self.render(*LAPTOP, "-o", self.out).returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.out, "containerd-certs.d")))
        self.assertEqual(sorted(os.listdir(self.dir)), ["bootstrap"])
        # A failed render leaves the folder as it was.
        before = tree(self.out)
        bad = self.render(*LAPTOP, "--set", "registry.mirror=r:5000", "-o", self.out)  # no certsHostPath
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(tree(self.out), before)
        self.assertEqual(sorted(os.listdir(self.dir)), ["bootstrap"])

    def test_only_list_and_one_template(self):
        only = self.render(*FACTS, "--only", "root-application.yaml", template_set=PLATFORM)
        self.assertEqual(only.returncode, 0, only.stderr)
        self.assertIn("kind: Application", only.stdout)
        self.assertIn('- "172.18.255.205-172.18.255.254"', only.stdout)
        listed = self.render(*LAPTOP, *MIRROR, "--list")
        self.assertEqual(listed.stdout.splitlines()[0], "containerd-certs.d/docker.io/hosts.toml")
        self.assertEqual(len(listed.stdout.splitlines()), 7)
        one = sftest.run([RM, "render", os.path.join(CLUSTER, "kind-config.yaml.mustache"), *LAPTOP])
        self.assertEqual(one.returncode, 0, one.stderr)
        self.assertIn('node-labels: "ingress-ready=true"', one.stdout)
        set_to_stdout = self.render(*LAPTOP)
        self.assertEqual(set_to_stdout.returncode, 2)
        self.assertIn("give -o DIR, or --only PATH", set_to_stdout.stderr)
        no_set = sftest.run([RM, "render", *LAPTOP])
        self.assertEqual(no_set.returncode, 2)
        self.assertIn("give the template set to render: bootstrap/cluster", no_set.stderr)

    def test_values_files_and_strict_errors(self):
        r = self.render("-f", os.path.join(VALUES, "platform-air-gap.yaml"), "--only", "root-application.yaml",
                        template_set=PLATFORM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('targetRevision: "v1.4.0"', r.stdout)
        r = self.render(*LAPTOP, *MIRROR, "--set", "metallb.addresses={1.2.3.4}", "-o", self.out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no value 'metallb' is declared", r.stderr, "each set declares only its own values")
        missing_facts = self.render("-o", self.out, template_set=PLATFORM)
        self.assertEqual(missing_facts.returncode, 2)
        for needle in ("root-application.yaml.mustache:", "'metallb.addresses' is required", "values.yaml:"):
            self.assertIn(needle, missing_facts.stderr)
        for args, needles in (
                ([], ["kind-config.yaml.mustache:", "'git.hostPath' is required", "values.yaml:"]),
                (LAPTOP + ["--set", "registry.mirror=r:5000"], ["kind-config.yaml.mustache:", "'registry.certsHostPath' is required"]),
                (LAPTOP + ["--set", "git.hostpath=/x"], ["--set git.hostpath: no value 'git.hostpath' is declared"]),
                (LAPTOP + ["--set", "cluster.workers=3"], ["cluster.workers is a string", "declare a list"]),
                (LAPTOP + ["--set", "ingress.httpPort=80 # x"], ["kind-config.yaml.mustache:", "inserted unquoted"]),
                (LAPTOP + ["--set", "a=1,b=2"], ["one KEY=VALUE per --set"]),
                (LAPTOP + ["-f", os.path.join(self.dir, "missing.yaml")], ["values file ", "missing.yaml: no such file"]),
        ):
            r = self.render(*args, "-o", self.out)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            for needle in needles:
                self.assertIn(needle, r.stderr)
            self.assertFalse(os.path.exists(self.out))

    def test_facts_feed_the_root_application(self):
        # The bootstrap's chain: facts as KEY=value, then render with them as --set lists.
        with open(os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "docker", "kind-pool-20-registry.json")) as f:
            facts = sftest.run([RM, "facts", "--format", "env"], input=f.read())
        self.assertEqual(facts.returncode, 0, facts.stderr)
        env = dict(line.split("=", 1) for line in facts.stdout.splitlines())
        r = self.render("--only", "root-application.yaml",
                        "--set", f"metallb.addresses={{{env['METALLB_RANGE']}}}",
                        "--set", f"network.controlPlaneCIDRs={{{env['CONTROL_PLANE_CIDRS']}}}",
                        "--set", f"network.nodeCIDRs={{{env['IPV4_SUBNET']}}}", template_set=PLATFORM)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('addresses:\n            - "192.168.63.205-192.168.63.254"', r.stdout)
        self.assertIn('controlPlaneCIDRs:\n            - "192.168.48.2/32"', r.stdout)
        self.assertIn('nodeCIDRs:\n            - "192.168.48.0/20"', r.stdout)

    def test_a_folder_not_ours_is_refused(self):
        os.makedirs(self.out)
        with open(os.path.join(self.out, "notes.txt"), "w") as f:
            f.write("mine\n")
        r = self.render(*LAPTOP, "-o", self.out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not made by render-manifests", r.stderr)
        self.assertEqual(os.listdir(self.out), ["notes.txt"])

    def test_help_has_examples(self):
        r = sftest.run([RM, "render", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("Examples:", r.stdout)
        self.assertIn("render-manifests render bootstrap/cluster --set git.hostPath=", r.stdout)


if __name__ == "__main__":
    unittest.main()
