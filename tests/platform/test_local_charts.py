# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""The charts of ours (k8s/baseline, git-server, metallb-config, vault/config, opencost/pricing,
demo): helm lint, and helm template with the values each child Application gives them, then the
schemas of the result and the workload rules (pinned images, requests and limits, Pod Security
of the namespace's level)."""
import unittest

import platformtest as pt

CHARTS = ["k8s/baseline", "k8s/system/git-server", "k8s/system/metallb-config", "vault/config",
          "opencost/pricing", "k8s/apps/demo"]
LINT_VALUES = {
    "k8s/baseline": {"network": {"apiServer": True, "controlPlaneCIDRs": ["10.0.0.1/32"],
                                 "nodeCIDRs": ["10.0.0.0/24"], "kubernetesServiceCIDRs": ["10.96.0.1/32"]}},
    "k8s/system/metallb-config": {"addresses": ["10.0.0.200-10.0.0.250"]},
}
METAL = {"layer": "metal", "git.repoURL": "https://git.example.org/ops/sovereign-finops.git"}


class OurCharts(unittest.TestCase):
    def test_helm_lint_strict(self):
        import json, tempfile
        for chart in CHARTS:
            with self.subTest(chart=chart), tempfile.NamedTemporaryFile("w", suffix=".json") as f:
                json.dump(LINT_VALUES.get(chart, {}), f)
                f.flush()
                proc = pt.run([pt.helm(), "lint", "--strict", str(pt.SOURCE / chart), "-f", f.name], check=False)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_every_rendered_document_is_valid_and_every_workload_pinned_sized_and_pod_security_clean(self):
        for params, expected in (({}, 15), (METAL, 13)):
            apps = pt.applications(params)
            texts = [text for app in apps.values() for _, text in pt.render_local_sources(app)]
            self.assertEqual(len(texts), expected)
            stream = "\n---\n".join(texts)
            rc, report = pt.schema_errors(stream)
            self.assertEqual(rc, 0, report)
            docs = pt.documents(stream)
            self.assertGreater(len(docs), 60)
            self.assertEqual(pt.workload_problems(docs, pt.level_of(apps)), [])

    def test_workload_rules_catch_what_they_should(self):
        bad = {"kind": "Deployment", "metadata": {"name": "x", "namespace": "demo"},
               "spec": {"template": {"spec": {"hostNetwork": True, "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
                        "containers": [{"name": "c", "image": "redis", "ports": [{"containerPort": 80, "hostPort": 80}],
                                        "resources": {"requests": {"cpu": "1m"}}}]}}}}
        problems = "\n".join(pt.workload_problems([bad], lambda ns: "restricted"))
        for expected in ("no tag", "no limits.memory", "no requests.memory", "hostNetwork", "hostPath",
                         "hostPort 80", "allowPrivilegeEscalation", "runAsNonRoot", "capabilities.drop lacks ALL",
                         "seccompProfile"):
            self.assertIn(expected, problems)
        self.assertEqual(pt.pod_security_violations(bad["spec"]["template"]["spec"], "privileged"), [])
        self.assertEqual(pt.image_problem("quay.io/x/y:latest"), "quay.io/x/y:latest: tag latest")
        self.assertIsNone(pt.image_problem("ghcr.io/o/i:1.2@sha256:" + "a" * 64))
        self.assertIsNotNone(pt.image_problem("localhost:5000/img"))


if __name__ == "__main__":
    unittest.main()
