"""terraform/ without a provider: `terraform fmt -check`, every .tf parsed by npm @cdktf/hcl2json
(tests/platform/test_terraform_hcl.py proves the parser rejects broken files), and the structure
the bootstrap promises: exact provider pins, the Kind settings taken field by field from
render-manifests' kind config (a node image by digest built by the kind release inside
tehcyx/kind, loopback port mappings: bootstrap/cluster/values.yaml), no kubernetes_manifest,
typed and described variables, the ForceNew note on every variable that reaches kind_cluster;
stage 2 installing the rendered bootstrap/platform files through its `manifests` chart, which
the real Helm 3.17 renders byte for byte."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402
import tfsupport as tf  # noqa: E402

# Node images published with kind v0.31.0 (its release notes; the library inside tehcyx/kind
# 0.11.0). An image is only guaranteed with the kind release that built it.
KIND_V0_31_0_IMAGES = {
    "v1.35.0": "452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
    "v1.34.3": "08497ee19eace7b4b5348db5c6a1591d7752b164530a36f855cb0f2bdcbadd48",
    "v1.33.7": "d26ef333bdb2cbe9862a0f7c3803ecc7b4303d8cea8e814b481b09949d353040",
    "v1.32.11": "5fc52d52a7b9574015299724bd68f183702956aa4a2116ae75a63cb574b35af8",
}
PINNED_PROVIDERS = {"cluster": {"kind": ("tehcyx/kind", "0.11.0")},
                    "platform": {"helm": ("hashicorp/helm", "3.1.2")}}
FORCE_NEW_NOTE = "replaces the cluster"
# The kind config fields terraform/cluster maps, and what each becomes in tehcyx/kind's schema.
NODE_FIELDS = {"role": "role", "image": "image", "labels": "labels", "kubeadmConfigPatches": "kubeadm_config_patches"}
PORT_FIELDS = {"containerPort": "container_port", "hostPort": "host_port", "listenAddress": "listen_address",
               "protocol": "protocol"}
MOUNT_FIELDS = {"hostPath": "host_path", "containerPath": "container_path", "readOnly": "read_only"}


class TerraformStaticTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = tf.tf_files()
        cls.parsed = tf.parse_hcl(cls.files)
        cls.docs = {stage: tf.stage_documents(cls.parsed, stage) for stage in tf.STAGES}

    def cluster_local(self, name):
        for block in tf.merged_blocks(self.docs["cluster"], "locals")["_list"]:
            if name in block:
                return block[name]
        raise AssertionError(f"local.{name} is not defined in terraform/cluster")

    def variables(self, stage):
        return tf.merged_blocks(self.docs[stage], "variable")

    def test_both_stages_have_the_conventional_files(self):
        for stage in tf.STAGES:
            for name in ("versions.tf", "variables.tf", "outputs.tf", "main.tf"):
                self.assertTrue(os.path.isfile(os.path.join(tf.TERRAFORM_DIR, stage, name)), f"{stage}/{name}")

    def test_terraform_fmt_is_clean(self):
        r = tf.run_terraform(["fmt", "-check", "-recursive", "-diff", tf.TERRAFORM_DIR], cwd=tf.TERRAFORM_DIR)
        self.assertEqual(r.returncode, 0, f"run `terraform fmt -recursive terraform`:\n{r.stdout}{r.stderr}")

    def test_fmt_check_does_fail_on_a_misformatted_file(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "bad.tf"), "w") as f:
                f.write('variable "x" {\n      type=string\n}\n')
            r = tf.run_terraform(["fmt", "-check", "-recursive", d], cwd=d)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("bad.tf", r.stdout)

    def test_every_tf_file_is_parsed(self):
        self.assertGreaterEqual(len(self.files), 8)
        self.assertEqual(sorted(self.parsed), self.files)
        for path, doc in self.parsed.items():
            self.assertTrue(doc, f"{path} parsed to nothing")

    def test_providers_pinned_to_exact_versions(self):
        for stage, expected in PINNED_PROVIDERS.items():
            terraform_blocks = [b for doc in self.docs[stage] for b in doc.get("terraform", [])]
            providers = {}
            for block in terraform_blocks:
                for entry in block.get("required_providers", []):
                    providers.update(entry)
            self.assertEqual(set(providers), set(expected), stage)
            for name, (source, version) in expected.items():
                self.assertEqual(providers[name]["source"], source)
                self.assertRegex(providers[name]["version"], r"^\d+\.\d+\.\d+$", f"{stage}: {name} not exact")
                self.assertEqual(providers[name]["version"], version)

    def test_required_version_is_the_same_floor_in_both_stages(self):
        floors = set()
        for stage in tf.STAGES:
            for doc in self.docs[stage]:
                for block in doc.get("terraform", []):
                    if "required_version" in block:
                        floors.add(block["required_version"])
        self.assertEqual(floors, {">= 1.9.0"})

    def test_node_image_is_pinned_by_digest_to_a_kind_v0_31_0_image(self):
        # The default lives in render-manifests' values (the one source of Kind settings).
        with open(os.path.join(sftest.SOURCE_DIR, "bootstrap", "cluster", "values.yaml")) as f:
            default = re.search(r"(?m)^  nodeImage: (\S+)$", f.read()).group(1)
        m = re.fullmatch(r"kindest/node:(v[0-9.]+)@sha256:([0-9a-f]{64})", default)
        self.assertIsNotNone(m, default)
        self.assertEqual(KIND_V0_31_0_IMAGES.get(m.group(1)), m.group(2), "not an image built by kind v0.31.0")
        cluster = self.kind_cluster()
        self.assertEqual(cluster["node_image"], "${local.control_plane.image}")

    def kind_cluster(self):
        return tf.merged_blocks(self.docs["cluster"], "resource")["kind_cluster"]["this"][0]

    def kind_nodes(self):
        config = self.kind_cluster()["kind_config"][0]
        self.assertNotIn("node", config, "every node comes from the one dynamic block")
        nodes = config["dynamic"]["node"]
        self.assertEqual(len(nodes), 1)
        self.assertEqual(nodes[0]["for_each"], "${local.kind.nodes}")
        return config, nodes[0]["content"][0]

    def test_kind_cluster_maps_the_rendered_kind_config_field_by_field(self):
        """Nothing about the cluster is decided in HCL: each attribute is the kind config's field."""
        self.assertEqual(self.cluster_local("kind"), "${yamldecode(file(var.kind_config_path))}")
        config, node = self.kind_nodes()
        self.assertEqual(config["kind"], "${local.kind.kind}")
        self.assertEqual(config["api_version"], "${local.kind.apiVersion}")
        self.assertEqual(config["containerd_config_patches"], "${try(local.kind.containerdConfigPatches, [])}")
        self.assertEqual(config["networking"][0]["api_server_address"],
                         '${try(local.kind.networking.apiServerAddress, "127.0.0.1")}')
        for field, attribute in NODE_FIELDS.items():
            self.assertIn(f"node.value.{field}", node[attribute], attribute)
        ports = node["dynamic"]["extra_port_mappings"][0]
        self.assertEqual(ports["for_each"], "${try(node.value.extraPortMappings, [])}")
        for field, attribute in PORT_FIELDS.items():
            self.assertEqual(ports["content"][0][attribute], f"${{extra_port_mappings.value.{field}}}")
        mounts = node["dynamic"]["extra_mounts"][0]
        self.assertEqual(mounts["for_each"], "${try(node.value.extraMounts, [])}")
        for field, attribute in MOUNT_FIELDS.items():
            self.assertEqual(mounts["content"][0][attribute], f"${{extra_mounts.value.{field}}}")
        self.assertIs(self.kind_cluster()["wait_for_ready"], False)

    def test_the_fields_rule_names_exactly_what_is_mapped(self):
        """A field the kind config may hold but kind_cluster would not get is refused, not dropped."""
        rules = " ".join(v["condition"] for v in self.variables("cluster")["kind_config_path"][0]["validation"])
        for field in list(NODE_FIELDS) + ["extraPortMappings", "extraMounts"]:
            self.assertIn(f'"{field}"', rules)
        for field in ("kind", "apiVersion", "name", "networking", "nodes", "containerdConfigPatches",
                      "apiServerAddress"):
            self.assertIn(f'"{field}"', rules)

    def test_loopback_by_default_and_expose_to_network_on_purpose(self):
        with open(os.path.join(sftest.SOURCE_DIR, "bootstrap", "cluster", "values.yaml")) as f:
            self.assertRegex(f.read(), r"(?m)^  listenAddress: 127\.0\.0\.1$")
        self.assertIs(self.variables("cluster")["expose_to_network"][0]["default"], False)
        rules = [v["condition"] for v in self.variables("cluster")["kind_config_path"][0]["validation"]]
        self.assertTrue(any("var.expose_to_network" in r and 'startswith(m.listenAddress, "127.")' in r for r in rules))

    def test_containerd_uses_config_path_and_never_registry_mirrors(self):
        for path in self.files:
            code = re.sub(r"(?m)#.*$", "", tf.read_text(path))
            code = re.sub(r'"[^"\n]*"', '""', code)  # the rule that refuses the old table names it
            self.assertFalse("mirrors" in code, f"{path}: containerd 2.x refuses registry.mirrors next to config_path")
        with open(os.path.join(sftest.SOURCE_DIR, "bootstrap", "cluster", "kind-config.yaml.mustache")) as f:
            template = f.read()
        self.assertIn('config_path = "/etc/containerd/certs.d"', template)
        self.assertNotIn("registry.mirrors]", template)

    def test_no_kubernetes_manifest_and_no_kubernetes_provider(self):
        for stage in tf.STAGES:
            resources = tf.merged_blocks(self.docs[stage], "resource")
            self.assertNotIn("kubernetes_manifest", resources, stage)
            self.assertNotIn("kubernetes", tf.merged_blocks(self.docs[stage], "provider"), stage)
        for path in self.files:
            self.assertNotIn("kubernetes_manifest", re.sub(r"#.*", "", tf.read_text(path)), path)

    def test_helm_provider_uses_the_v3_syntax(self):
        provider = tf.merged_blocks(self.docs["platform"], "provider")["helm"][0]
        # An attribute parses to an object; the v2 block form would parse to a list of bodies.
        self.assertIsInstance(provider["kubernetes"], dict)
        self.assertEqual(provider["kubernetes"]["config_path"], "${var.kubeconfig_path}")
        main = tf.read_text(os.path.join(tf.TERRAFORM_DIR, "platform", "main.tf"))
        self.assertNotRegex(main, r"(?m)^\s*(set|set_list|set_sensitive)\s*\{", "v2 set blocks")
        self.assertRegex(main, r"(?m)^\s*set\s*=\s*local\.mirror_sets\[")  # an attribute: a list of objects

    def test_every_variable_is_typed_described_and_unique_per_stage(self):
        for stage in tf.STAGES:
            seen = set()
            for doc in self.docs[stage]:
                for name, bodies in doc.get("variable", {}).items():
                    self.assertNotIn(name, seen, f"{stage}: variable {name} declared twice")
                    seen.add(name)
                    body = bodies[0]
                    self.assertIn("type", body, f"{stage}: variable {name} has no type")
                    self.assertGreater(len(body.get("description", "")), 20, f"{stage}: {name} undescribed")
            self.assertGreater(len(seen), 5)

    def test_variables_both_stages_declare_share_their_rules(self):
        """Two root modules cannot share a variable; a value given to both must pass both alike."""
        cluster, platform = self.variables("cluster"), self.variables("platform")
        shared = set(cluster) & set(platform)
        self.assertEqual(shared, {"kubeconfig_path"})
        for name in shared - {"kubeconfig_path"}:  # stage 2's kubeconfig must exist, stage 1's not yet
            rules = {stage: [(v["condition"], v["error_message"]) for v in bodies[name][0]["validation"]]
                     for stage, bodies in (("cluster", cluster), ("platform", platform))}
            self.assertEqual([r for r in rules["platform"] if r not in rules["cluster"]], [], name)
            self.assertEqual(cluster[name][0].get("default"), platform[name][0].get("default"), name)

    def kind_cluster_variables(self):
        """Variables that reach kind_cluster, directly or through locals."""
        cluster = self.kind_cluster()
        local_bodies = {}
        for block in tf.merged_blocks(self.docs["cluster"], "locals")["_list"]:
            local_bodies.update(block)
        found_vars, pending, seen_locals = tf.references(cluster, "var"), tf.references(cluster, "local"), set()
        while pending:
            name = pending.pop()
            if name in seen_locals:
                continue
            seen_locals.add(name)
            found_vars |= tf.references(local_bodies[name], "var")
            pending |= tf.references(local_bodies[name], "local")
        return found_vars

    def test_every_variable_that_reaches_kind_cluster_says_it_replaces_the_cluster(self):
        variables = self.variables("cluster")
        feeding = self.kind_cluster_variables()
        self.assertEqual(feeding, {"cluster_name", "kind_config_path", "state_dir", "kubeconfig_path"})
        for name, bodies in variables.items():
            description = bodies[0]["description"]
            if name in feeding:
                self.assertIn(FORCE_NEW_NOTE, description, f"{name} feeds kind_cluster")
            else:
                self.assertNotIn(FORCE_NEW_NOTE, description, f"{name} does not feed kind_cluster")

    def platform_release(self, name):
        return tf.merged_blocks(self.docs["platform"], "resource")["helm_release"][name][0]

    def platform_locals(self):
        out = {}
        for block in tf.merged_blocks(self.docs["platform"], "locals")["_list"]:
            out.update(block)
        return out

    def test_platform_stage_pins_argo_cd_and_reads_the_trees_values_file(self):
        variables = self.variables("platform")
        self.assertEqual(variables["argocd_values_files"][0]["default"], ["argocd/argo-cd/values.yaml"])
        self.assertTrue(os.path.isfile(os.path.join(sftest.SOURCE_DIR, "argocd", "argo-cd", "values.yaml")))
        self.assertEqual(self.platform_locals()["argocd_chart_version"], "10.1.1")
        argocd = self.platform_release("argocd")
        self.assertEqual(argocd["version"], "${local.argocd_chart_version}")
        # Only the mirror's rewrite, from the root chart's own image table: Argo CD's first
        # self-sync writes the same values.
        self.assertEqual(argocd["set"], '${local.mirror_sets["argocd"]}')
        with open(os.path.join(sftest.SOURCE_DIR, "argocd", "root", "values.yaml")) as f:
            self.assertIn("version: 10.1.1}", f.read(), "the tree's argocd Application pins the same chart")

    def test_git_server_is_the_trees_chart_with_its_defaults(self):
        self.assertEqual(self.variables("platform")["git_server_chart"][0]["default"], "k8s/system/git-server")
        self.assertTrue(os.path.isfile(os.path.join(sftest.SOURCE_DIR, "k8s", "system", "git-server", "Chart.yaml")))
        git = self.platform_release("git_server")
        self.assertEqual(git["name"], "git-server")
        self.assertEqual(git["namespace"], "git-server")
        self.assertEqual(git["set"], '${local.mirror_sets["git-server"]}')

    def test_root_application_and_namespaces_are_the_rendered_files_unchanged(self):
        """One source: stage 2 has no root parameter of its own; it installs bootstrap/platform's output."""
        variables = self.variables("platform")
        for gone in ("layer", "git_repo_url", "git_target_revision", "metallb_addresses", "registry_mirror",
                     "ingress_domain"):
            self.assertNotIn(gone, variables)
        local_values = self.platform_locals()
        self.assertEqual(local_values["root_file"], "${var.bootstrap_dir}/root-application.yaml")
        self.assertEqual(local_values["namespaces_file"], "${var.bootstrap_dir}/namespaces.yaml")
        for name, file_local in (("root", "root_file"), ("namespaces", "namespaces_file")):
            release = self.platform_release(name)
            self.assertEqual(release["chart"], "${path.module}/manifests")
            self.assertEqual(release["values"], [f"${{yamlencode({{ manifests = file(local.{file_local}) }})}}"])
            self.assertNotIn("set", release)
        self.assertEqual(self.platform_release("root")["namespace"], "${local.argocd_namespace}")
        for name in ("git_server", "argocd"):
            self.assertNotIn("create_namespace", self.platform_release(name), "made, labelled, by the namespaces release")
            self.assertIn("helm_release.namespaces", json.dumps(self.platform_release(name)["depends_on"]))
        self.assertFalse(os.path.exists(os.path.join(tf.TERRAFORM_DIR, "platform", "root-app")),
                         "the root Application has one template: bootstrap/platform")


class ManifestsChartTests(unittest.TestCase):
    """terraform/platform/manifests rendered by the real Helm 3.17: the rendered file goes
    through byte for byte (never through Helm's template engine)."""

    CHART = os.path.join(tf.TERRAFORM_DIR, "platform", "manifests")

    def helm(self, *args):
        return subprocess.run([tf.helm(), *args], capture_output=True, text=True, timeout=60)

    def render_platform(self, d):
        rm = sftest.binary("render-manifests")
        out = os.path.join(d, "platform")
        r = subprocess.run([rm, "render", os.path.join(sftest.SOURCE_DIR, "bootstrap", "platform"),
                            "--set", "metallb.addresses={172.18.255.205-172.18.255.254}",
                            "--set", "network.controlPlaneCIDRs={172.18.0.3/32}",
                            "--set", "network.nodeCIDRs={172.18.0.0/16}",
                            "--set", "git.repoURL=https://git.example.internal/{{ .Release.Name }}.git",
                            "-o", out], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_helm_lint_is_clean(self):
        with tempfile.TemporaryDirectory() as d:
            values = os.path.join(d, "values.json")
            with open(values, "w") as f:
                json.dump({"manifests": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"}, f)
            r = self.helm("lint", "--strict", self.CHART, "-f", values)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    @staticmethod
    def documents(text):
        """The YAML documents of a stream, without Helm's "# Source" lines and comment-only parts."""
        docs = []
        for part in re.split(r"(?m)^---\n", text):
            lines = [l for l in part.splitlines() if not l.startswith("# Source: ")]
            if any(l.strip() and not l.lstrip().startswith("#") for l in lines):
                docs.append("\n".join(lines).strip("\n"))
        return docs

    def test_the_rendered_root_application_goes_through_unchanged(self):
        with tempfile.TemporaryDirectory() as d:
            platform = self.render_platform(d)
            for name in ("root-application.yaml", "namespaces.yaml"):
                with self.subTest(file=name):
                    with open(os.path.join(platform, name)) as f:
                        rendered = f.read()
                    values = os.path.join(d, "values.json")
                    with open(values, "w") as f:
                        json.dump({"manifests": rendered}, f)  # what yamlencode({manifests = file(...)}) carries
                    r = self.helm("template", "root-application", self.CHART, "--namespace", "argocd", "-f", values)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    # Document for document as rendered: Helm only adds its "# Source" lines.
                    self.assertEqual(self.documents(r.stdout), self.documents(rendered))
                    self.assertGreaterEqual(len(self.documents(rendered)), 1)
                    if name == "root-application.yaml":
                        # A Helm template tag inside a value stays text: nothing in the file is evaluated.
                        self.assertIn("https://git.example.internal/{{ .Release.Name }}.git", r.stdout)

    def test_refuses_to_render_without_manifests(self):
        r = self.helm("template", "x", self.CHART)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("manifests: give the rendered YAML to install", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
