# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""The root Application's chart (argocd/root): helm lint, helm template with each layer, the
schemas of what it renders, and how its parameters change the output. Real Helm 3.17 from
scripts/install-k8s-tools.sh; schemas from npm kubernetes-models / @kubernetes-models/argo-cd."""
import re
import unittest

import platformtest as pt

ROOT = pt.SOURCE / "argocd" / "root"
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
METAL = {"layer": "metal", "git.repoURL": "https://git.example.org/ops/sovereign-finops.git"}


def by_name(docs):
    return {d["metadata"]["name"]: d for d in docs}


def chart_source(app):
    return next(s for s in app["spec"]["sources"] if "chart" in s or "path" in s)


class RootChartRenders(unittest.TestCase):
    def test_helm_lint_passes_for_both_layers(self):
        for layer in ("kind", "metal"):
            with self.subTest(layer=layer):
                params = dict(pt.ROOT_PARAMS, layer=layer)
                proc = pt.run([pt.helm(), "lint", str(ROOT), "--strict"] + pt.set_args(params), check=False)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                self.assertIn("0 chart(s) failed", proc.stdout)

    def test_rendered_applications_match_the_argo_cd_schema(self):
        for params in ({}, METAL, {"registry.mirror": "mirror.lab:5000", "ingress.domain": "lab.example.org"}):
            with self.subTest(params=params):
                text = pt.render_root(params).stdout
                rc, report = pt.schema_errors(text)
                self.assertEqual(rc, 0, report)
                docs = pt.documents(text)
                self.assertGreaterEqual(len(docs), 11)
                self.assertTrue(all(d["kind"] == "Application" for d in docs))

    def test_schema_check_rejects_a_broken_application(self):
        # The validator must be able to fail: an Application without a project.
        text = pt.render_root().stdout.replace("  project: default\n", "", 1)
        rc, report = pt.schema_errors(text)
        self.assertEqual(rc, 1, report)
        self.assertIn("data/spec must have required property project", report)

    def test_parameters_work_as_argo_cd_passes_them(self):
        # Argo CD turns spec.source.helm.parameters into --set name=value; lists go by index.
        sets = ["layer=kind", "git.repoURL=git://git-server.git-server.svc.cluster.local/sovereign-finops.git",
                "git.targetRevision=HEAD", "metallb.addresses[0]=172.18.255.200-172.18.255.250",
                "registry.mirror=", "ingress.domain=localhost", "network.controlPlaneCIDRs[0]=172.18.0.2/32",
                "network.nodeCIDRs[0]=172.18.0.0/16"]
        cmd = [pt.helm(), "template", "root", str(ROOT), "-n", "argocd"]
        for s in sets:
            cmd += ["--set", s]
        docs = pt.documents(pt.run(cmd).stdout)
        apps = by_name(docs)
        self.assertEqual(chart_source(apps["metallb-config"])["helm"]["valuesObject"]["addresses"],
                         ["172.18.255.200-172.18.255.250"])
        self.assertNotIn("mirror", str(chart_source(apps["argocd"])["helm"]["valuesObject"]))

    def test_missing_or_bad_parameters_fail_with_the_parameter_named(self):
        cases = [
            ({"network.controlPlaneCIDRs": []}, "network.controlPlaneCIDRs"),
            ({"network.nodeCIDRs": []}, "network.nodeCIDRs"),
            ({"metallb.addresses": []}, "metallb.addresses"),
            ({"layer": "cloud"}, 'layer: "cloud" is not a layer'),
            ({"ingress.domain": "Bad_Domain"}, "ingress.domain"),
            ({"git.repoURL": ""}, "git.repoURL"),
        ]
        for params, message in cases:
            with self.subTest(params=params):
                proc = pt.render_root(params, check=False)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(message, proc.stderr)


class EveryChildApplication(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kind = pt.applications()
        cls.metal = pt.applications(METAL)

    def test_kind_deploys_every_component_and_metal_drops_the_git_server(self):
        expected = {"argocd", "demo", "external-secrets", "git-server", "metallb", "metallb-config",
                    "nginx-ingress", "node-exporter", "opencost", "prometheus", "vault", "vault-config"}
        self.assertEqual(set(self.kind), expected)
        self.assertEqual(set(self.metal), expected - {"git-server"})

    def test_sync_policy_automated_prune_self_heal_and_unlimited_retry_with_backoff(self):
        for name, app in self.kind.items():
            with self.subTest(app=name):
                policy = app["spec"]["syncPolicy"]
                self.assertEqual(policy["automated"], {"prune": True, "selfHeal": True})
                self.assertLess(policy["retry"]["limit"], 0)
                backoff = policy["retry"]["backoff"]
                self.assertGreater(backoff["factor"], 1)
                self.assertTrue(backoff["maxDuration"])

    def test_waves_follow_the_boot_order(self):
        wave = {n: int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for n, a in self.kind.items()}
        order = [("git-server", "metallb"), ("metallb", "metallb-config"), ("metallb-config", "nginx-ingress"),
                 ("nginx-ingress", "external-secrets"), ("external-secrets", "vault"), ("vault", "vault-config"),
                 ("vault-config", "prometheus"), ("vault-config", "node-exporter"), ("prometheus", "opencost"),
                 ("opencost", "demo"), ("demo", "argocd")]
        for before, after in order:
            self.assertLess(wave[before], wave[after], f"{before} must sync before {after}")

    def test_every_created_namespace_has_pod_security_labels_and_a_reason_when_not_restricted(self):
        for apps in (self.kind, self.metal):
            for name, app in apps.items():
                policy = app["spec"]["syncPolicy"]
                if "CreateNamespace=true" not in policy["syncOptions"]:
                    self.assertNotIn("managedNamespaceMetadata", policy)
                    continue
                with self.subTest(app=name):
                    meta = policy["managedNamespaceMetadata"]
                    labels = meta["labels"]
                    level = labels["pod-security.kubernetes.io/enforce"]
                    for mode in ("enforce", "audit", "warn"):
                        self.assertEqual(labels[f"pod-security.kubernetes.io/{mode}"], level)
                        self.assertRegex(labels[f"pod-security.kubernetes.io/{mode}-version"], r"^v1\.\d+$")
                    if level != "restricted":
                        self.assertGreater(len(meta["annotations"]["sovereign-finops.io/pod-security-reason"]), 40)

    def test_pod_security_levels_per_layer(self):
        def level(apps, name):
            return apps[name]["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        self.assertEqual(level(self.kind, "nginx-ingress"), "privileged")   # hostPort on Kind
        self.assertEqual(level(self.metal, "nginx-ingress"), "restricted")  # LoadBalancer on metal
        for name in ("argocd", "git-server", "external-secrets", "vault", "prometheus", "opencost", "demo"):
            self.assertEqual(level(self.kind, name), "restricted", name)
        for name in ("metallb", "node-exporter"):
            self.assertEqual(level(self.kind, name), "privileged", name)

    def test_upstream_charts_pinned_to_exact_versions_with_values_files_in_the_repository(self):
        for name, app in self.kind.items():
            source = chart_source(app)
            if "chart" not in source:
                self.assertTrue((pt.SOURCE / source["path"] / "Chart.yaml").is_file(), source["path"])
                continue
            with self.subTest(app=name):
                self.assertRegex(source["targetRevision"], SEMVER)
                self.assertTrue(source["repoURL"].startswith("https://"), source["repoURL"])
                for vf in source["helm"]["valueFiles"]:
                    self.assertTrue(vf.startswith("$values/"), vf)
                    self.assertTrue((pt.SOURCE / vf[len("$values/"):]).is_file(), vf)
                ref = [s for s in app["spec"]["sources"] if s.get("ref") == "values"]
                self.assertEqual(len(ref), 1)

    def test_crd_heavy_charts_use_server_side_apply_and_their_injected_ca_bundles_are_ignored(self):
        for name in ("argocd", "metallb", "external-secrets"):
            self.assertIn("ServerSideApply=true", self.kind[name]["spec"]["syncPolicy"]["syncOptions"], name)
        for name in ("metallb", "external-secrets"):
            app = self.kind[name]
            self.assertIn("RespectIgnoreDifferences=true", app["spec"]["syncPolicy"]["syncOptions"])
            kinds = {d["kind"] for d in app["spec"]["ignoreDifferences"]}
            self.assertEqual(kinds, {"ValidatingWebhookConfiguration", "CustomResourceDefinition"})

    def test_later_wave_custom_resources_skip_the_dry_run_while_their_crd_is_missing(self):
        for name in ("metallb-config", "vault-config"):
            self.assertIn("SkipDryRunOnMissingResource=true", self.kind[name]["spec"]["syncPolicy"]["syncOptions"])

    def test_nginx_ingress_skips_the_remote_values_schema_and_the_retired_ingress_nginx_is_absent(self):
        helm = chart_source(self.kind["nginx-ingress"])["helm"]
        self.assertIs(helm["skipSchemaValidation"], True)
        self.assertEqual(chart_source(self.kind["nginx-ingress"])["repoURL"], "https://helm.nginx.com/stable")
        text = pt.render_root().stdout
        self.assertNotIn("ingress-nginx", text)
        self.assertNotIn("kubernetes.github.io", text)

    def test_argo_cd_manages_itself_from_the_one_values_file_and_is_not_deleted_with_its_application(self):
        app = self.kind["argocd"]
        source = chart_source(app)
        self.assertEqual((source["chart"], source["targetRevision"]), ("argo-cd", "10.1.1"))
        self.assertEqual(source["helm"]["valueFiles"], ["$values/argocd/argo-cd/values.yaml"])
        self.assertEqual(source["helm"]["releaseName"], "argocd")
        self.assertNotIn("finalizers", app["metadata"])
        self.assertIn("resources-finalizer.argocd.argoproj.io", self.kind["vault"]["metadata"]["finalizers"])


class Parameters(unittest.TestCase):
    """Each run-time parameter changes exactly what it should."""

    def test_layer_switches_the_ingress_controller_from_host_ports_to_a_load_balancer(self):
        kind = chart_source(pt.applications()["nginx-ingress"])["helm"]["valuesObject"]["controller"]
        metal = chart_source(pt.applications(METAL)["nginx-ingress"])["helm"]["valuesObject"]["controller"]
        self.assertEqual(kind["kind"], "daemonset")
        self.assertIs(kind["hostPort"]["enable"], True)
        self.assertEqual(kind["nodeSelector"], {"ingress-ready": "true"})
        self.assertEqual(kind["tolerations"][0]["key"], "node-role.kubernetes.io/control-plane")
        self.assertEqual(kind["config"]["entries"]["external-status-address"], "127.0.0.1")
        self.assertEqual(metal["service"]["type"], "LoadBalancer")
        self.assertNotIn("hostPort", metal)
        for app in (pt.applications()["metallb"], pt.applications(METAL)["metallb"]):
            self.assertEqual(app["metadata"]["labels"]["app.kubernetes.io/part-of"], "sovereign-finops")

    def test_git_url_and_revision_reach_every_git_source(self):
        apps = pt.applications({"git.repoURL": "ssh://git@git.lab:2222/ops/sf.git", "git.targetRevision": "release-1"})
        count = 0
        for app in apps.values():
            for s in app["spec"]["sources"]:
                if "chart" in s:
                    continue
                self.assertEqual(s["repoURL"], "ssh://git@git.lab:2222/ops/sf.git")
                self.assertEqual(s["targetRevision"], "release-1")
                count += 1
        self.assertGreater(count, 15)
        default = chart_source(pt.applications()["git-server"])
        self.assertEqual(default["repoURL"], "git://git-server.git-server.svc.cluster.local/sovereign-finops.git")

    def test_domain_sets_every_ui_host_and_its_tls(self):
        apps = pt.applications({"ingress.domain": "lab.example.org"})
        argocd = chart_source(apps["argocd"])["helm"]["valuesObject"]
        self.assertEqual(argocd["global"]["domain"], "argocd.lab.example.org")
        self.assertEqual(argocd["server"]["ingress"]["hostname"], "argocd.lab.example.org")
        self.assertEqual(argocd["server"]["ingress"]["extraTls"][0]["hosts"], ["argocd.lab.example.org"])
        prom = chart_source(apps["prometheus"])["helm"]["valuesObject"]["server"]["ingress"]
        self.assertEqual(prom["hosts"], ["prometheus.lab.example.org"])
        self.assertEqual(prom["tls"], [{"secretName": "ingress-tls", "hosts": ["prometheus.lab.example.org"]}])
        oc = chart_source(apps["opencost"])["helm"]["valuesObject"]["opencost"]["ui"]["ingress"]
        self.assertEqual(oc["hosts"][0]["host"], "opencost.lab.example.org")
        self.assertEqual(chart_source(apps["vault-config"])["helm"]["valuesObject"]["ingress"]["host"],
                         "vault.lab.example.org")
        self.assertNotIn("localhost", pt.render_root({"ingress.domain": "lab.example.org"}).stdout)

    def test_metallb_range_reaches_the_pool_chart(self):
        apps = pt.applications({"metallb.addresses": ["10.1.2.200-10.1.2.250", "10.9.0.0/28"]})
        self.assertEqual(chart_source(apps["metallb-config"])["helm"]["valuesObject"]["addresses"],
                         ["10.1.2.200-10.1.2.250", "10.9.0.0/28"])

    def test_mirror_rewrites_every_declared_image_and_nothing_without_it(self):
        apps = pt.applications({"registry.mirror": "mirror.lab:5000/"})
        argocd = chart_source(apps["argocd"])["helm"]["valuesObject"]
        self.assertEqual(argocd["global"]["image"]["repository"], "mirror.lab:5000/argoproj/argocd")
        self.assertEqual(argocd["redis"]["image"]["repository"], "mirror.lab:5000/docker/library/redis")
        self.assertEqual(chart_source(apps["node-exporter"])["helm"]["valuesObject"]["image"]["registry"], "mirror.lab:5000")
        self.assertEqual(chart_source(apps["git-server"])["helm"]["valuesObject"]["image"]["repository"],
                         "mirror.lab:5000/argoproj/argocd")
        plain = pt.render_root().stdout
        self.assertNotIn("mirror.lab", plain)
        for name, app in pt.applications().items():
            values = chart_source(app)["helm"].get("valuesObject", {})
            self.assertNotIn("repository", str(pt.dig(values, "global.image", {})), name)

    def test_mirror_keys_name_the_images_the_values_files_pin(self):
        # Every image a mirror rewrites must be the one its values file sets: same key, and the
        # repository without its registry host. (A chart that renamed a key would escape the mirror.)
        import json
        components = pt.documents(pt.run([pt.helm(), "show", "values", str(ROOT)]).stdout)[0]["components"]
        files = {name: pt.SOURCE / (c["valuesDir"] if "valuesDir" in c else c["path"]) / "values.yaml"
                 for name, c in components.items()}
        parsed = pt.documents("\n---\n".join(f.read_text() for f in files.values()))
        self.assertEqual(len(parsed), len(files))
        for (name, values_file), values in zip(files.items(), parsed):
            c = components[name]
            for image in c.get("images", []):
                with self.subTest(component=name, key=image["key"]):
                    current = pt.dig(values, image["key"])
                    self.assertIsInstance(current, str, f"{values_file}: {image['key']} not set ({json.dumps(image)})")
                    if image.get("registry"):
                        self.assertRegex(current, r"^[a-z0-9.-]+\.[a-z]{2,}$")
                    else:
                        first, rest = current.split("/", 1)
                        # Drop the registry host (has a dot or port); Docker Hub paths stay whole.
                        path = rest if ("." in first or ":" in first) else current
                        self.assertEqual(path, image["repository"])
                    tag_key = image.get("tagKey") or image["key"].rsplit(".", 1)[0] + ".tag"
                    self.assertTrue(pt.dig(values, tag_key), f"{values_file}: {tag_key} not pinned")


if __name__ == "__main__":
    unittest.main()
