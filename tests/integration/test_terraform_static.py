"""terraform/ without a provider: `terraform fmt -check`, every .tf parsed by npm @cdktf/hcl2json,
and the structure the bootstrap promises (exact provider pins, a node image by digest built by
the kind release inside tehcyx/kind, loopback port mappings, no kubernetes_manifest, typed and
described variables, the ForceNew note on every variable that reaches kind_cluster), plus the
root Application chart rendered by the real Helm 3.17."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
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
# CONTRACT-platform.md: the root Application's Helm parameters.
ROOT_PARAMETERS = {"layer", "git.repoURL", "git.targetRevision", "metallb.addresses", "registry.mirror",
                   "ingress.domain"}
FORCE_NEW_NOTE = "replaces the cluster"


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

    def test_the_parser_rejects_broken_hcl(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "broken.tf")
            with open(bad, "w") as f:
                f.write('variable "x" {\n  default = \n}\n')
            with self.assertRaisesRegex(AssertionError, r"broken\.tf"):
                tf.parse_hcl([bad])

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
        default = self.variables("cluster")["node_image"][0]["default"]
        m = re.fullmatch(r"kindest/node:(v[0-9.]+)@sha256:([0-9a-f]{64})", default)
        self.assertIsNotNone(m, default)
        self.assertEqual(KIND_V0_31_0_IMAGES.get(m.group(1)), m.group(2), "not an image built by kind v0.31.0")
        cluster = tf.merged_blocks(self.docs["cluster"], "resource")["kind_cluster"]["this"][0]
        self.assertEqual(cluster["node_image"], "${var.node_image}")

    def kind_nodes(self):
        cluster = tf.merged_blocks(self.docs["cluster"], "resource")["kind_cluster"]["this"][0]
        config = cluster["kind_config"][0]
        self.assertNotIn("node", config, "every node comes from the one dynamic block")
        nodes = config["dynamic"]["node"]
        self.assertEqual(len(nodes), 1)
        self.assertEqual(nodes[0]["for_each"], "${local.nodes}")
        return config, nodes[0]["content"][0]

    def test_port_mappings_bind_the_listen_address_which_defaults_to_loopback(self):
        variables = self.variables("cluster")
        self.assertEqual(variables["listen_address"][0]["default"], "127.0.0.1")
        self.assertIs(variables["expose_to_network"][0]["default"], False)
        config, node = self.kind_nodes()
        mappings = node["dynamic"]["extra_port_mappings"][0]
        self.assertEqual(mappings["for_each"], '${node.value.role == "control-plane" ? local.ingress_ports : []}')
        self.assertEqual(mappings["content"][0]["listen_address"], "${var.listen_address}")
        self.assertEqual(mappings["content"][0]["protocol"], "TCP")
        self.assertEqual(node["kubeadm_config_patches"],
                         '${node.value.role == "control-plane" ? [local.ingress_ready_patch] : []}')
        patch = self.cluster_local("ingress_ready_patch")
        self.assertRegex(patch, r"^kind: InitConfiguration\n")
        self.assertIn('node-labels: "ingress-ready=true"', patch)
        self.assertEqual(config["networking"][0]["api_server_address"], "127.0.0.1")

    def test_worker_count_defaults_to_two(self):
        self.assertEqual(self.variables("cluster")["worker_count"][0]["default"], 2)
        self.assertIn("range(var.worker_count)", self.cluster_local("nodes"))

    def test_every_node_mounts_read_only(self):
        _, node = self.kind_nodes()
        mounts = node["dynamic"]["extra_mounts"][0]
        self.assertEqual(mounts["for_each"], "${local.node_mounts}")
        self.assertIs(mounts["content"][0]["read_only"], True)

    def test_containerd_uses_config_path_and_never_registry_mirrors(self):
        for path in self.files:
            code = re.sub(r"(?m)#.*$", "", tf.read_text(path))
            self.assertFalse("mirrors" in code, f"{path}: containerd 2.x refuses registry.mirrors next to config_path")
        cluster = tf.merged_blocks(self.docs["cluster"], "resource")["kind_cluster"]["this"][0]
        self.assertEqual(cluster["kind_config"][0]["containerd_config_patches"],
                         "${local.use_mirror ? [local.containerd_config_path_patch] : []}")
        self.assertIn('config_path = "/etc/containerd/certs.d"', self.cluster_local("containerd_config_path_patch"))

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
        self.assertRegex(main, r"(?m)^\s*set\s*=\s*\[")

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
        self.assertEqual(shared, {"kubeconfig_path", "repository_path", "repository_container_path",
                                  "registry_mirror"})
        for name in shared - {"kubeconfig_path"}:  # stage 2's kubeconfig must exist, stage 1's not yet
            rules = {stage: [(v["condition"], v["error_message"]) for v in bodies[name][0]["validation"]]
                     for stage, bodies in (("cluster", cluster), ("platform", platform))}
            self.assertEqual([r for r in rules["platform"] if r not in rules["cluster"]], [], name)
            self.assertEqual(cluster[name][0].get("default"), platform[name][0].get("default"), name)

    def kind_cluster_variables(self):
        """Variables that reach kind_cluster, directly or through locals."""
        cluster = tf.merged_blocks(self.docs["cluster"], "resource")["kind_cluster"]["this"][0]
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
        self.assertTrue({"cluster_name", "node_image", "worker_count", "host_ports", "listen_address",
                         "repository_path", "registry_mirror", "state_dir", "kubeconfig_path"} <= feeding, feeding)
        for name, bodies in variables.items():
            description = bodies[0]["description"]
            if name in feeding:
                self.assertIn(FORCE_NEW_NOTE, description, f"{name} feeds kind_cluster")
            else:
                self.assertNotIn(FORCE_NEW_NOTE, description, f"{name} does not feed kind_cluster")

    def test_platform_stage_pins_argo_cd_and_reads_the_trees_values_file(self):
        variables = self.variables("platform")
        self.assertEqual(variables["argocd_values_files"][0]["default"], ["argocd/values/argo-cd.yaml"])
        local_values = {}
        for block in tf.merged_blocks(self.docs["platform"], "locals")["_list"]:
            local_values.update(block)
        self.assertEqual(local_values["argocd_chart_version"], "10.1.1")
        argocd = tf.merged_blocks(self.docs["platform"], "resource")["helm_release"]["argocd"][0]
        self.assertEqual(argocd["version"], "${local.argocd_chart_version}")
        self.assertNotIn("set", argocd, "an override would be undone when Argo CD syncs itself")

    def test_root_release_hands_over_exactly_the_contract_parameters(self):
        root = tf.merged_blocks(self.docs["platform"], "resource")["helm_release"]["root"][0]
        names = {s["name"] for s in root["set"]} | {s["name"] for s in root["set_list"]}
        self.assertEqual(names, ROOT_PARAMETERS)
        for s in root["set"]:
            self.assertEqual(s.get("type"), "string", f"{s['name']}: '1.0' must not become a number")
        self.assertEqual(set(self.variables("platform")["metallb_addresses"][0]) & {"default"}, set(),
                         "the MetalLB range is a run-time fact: no default")


class RootApplicationChartTests(unittest.TestCase):
    """terraform/platform/root-app rendered by the real Helm 3.17."""

    CHART = os.path.join(tf.TERRAFORM_DIR, "platform", "root-app")
    SETS = ["--set", "metallb.addresses={172.18.255.200-172.18.255.250,172.18.254.0/28}",
            "--set-string", "git.targetRevision=1.0", "--set", "registry.mirror=kind-registry:5000"]

    def helm(self, *args):
        return subprocess.run([tf.helm(), *args], capture_output=True, text=True, timeout=60)

    def test_helm_lint_is_clean(self):
        r = self.helm("lint", "--strict", self.CHART, *self.SETS)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_renders_the_root_application_with_the_contract_parameters(self):
        r = self.helm("template", "root-application", self.CHART, "--namespace", "argocd", *self.SETS)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The rendered YAML is plain enough to read as JSON-compatible lines without a YAML library.
        text = r.stdout
        self.assertIn("kind: Application", text)
        self.assertRegex(text, r"(?m)^  name: root$")
        self.assertRegex(text, r"(?m)^  namespace: argocd$")
        self.assertRegex(text, r"(?m)^    path: argocd/root$")
        self.assertIn('targetRevision: "1.0"', text)
        parameters = re.findall(r"- name: (\S+)\n\s+value: (\".*\")", text)
        by_name = {n: json.loads(v) for n, v in parameters}
        self.assertEqual(by_name["metallb.addresses[0]"], "172.18.255.200-172.18.255.250")
        self.assertEqual(by_name["metallb.addresses[1]"], "172.18.254.0/28")
        self.assertEqual(by_name["registry.mirror"], "kind-registry:5000")
        self.assertEqual(by_name["git.targetRevision"], "1.0")
        self.assertEqual(by_name["layer"], "kind")
        base_names = {re.sub(r"\[\d+\]$", "", n) for n in by_name}
        self.assertEqual(base_names, ROOT_PARAMETERS)
        self.assertNotRegex(text, r"(?m)^\s*finalizers:", "deleting root must not cascade to the platform")

    def test_refuses_to_render_without_a_metallb_range_or_with_a_bad_layer(self):
        r = self.helm("template", "x", self.CHART)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("metallb.addresses", r.stderr)
        r = self.helm("template", "x", self.CHART, *self.SETS, "--set", "layer=cloud")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("layer", r.stderr)

    def test_values_file_and_schema_agree(self):
        schema = json.loads(tf.read_text(os.path.join(self.CHART, "values.schema.json")))
        with open(os.path.join(self.CHART, "values.yaml")) as f:
            top_level = {line.split(":")[0] for line in f if re.match(r"^[a-z]", line)}
        self.assertEqual(set(schema["required"]), top_level)
        self.assertEqual(set(schema["properties"]), top_level)

if __name__ == "__main__":
    unittest.main(verbosity=2)
