"""render-manifests images and charts: `helm template` output of a local test chart (rendered by
the real Helm when one is installed: SF_HELM, scripts/install-k8s-tools.sh's
${SF_TOOLS_DIR:-.cache/k8s-tools}/bin/helm, or helm on PATH; always also from the recorded output
of Helm v3.17.3 in tests/render-manifests/rendered/), a tree of Argo CD Applications and values
files, the mirror mapping and the plain lists of an air-gap bundle. Python 3 stdlib only."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
FIXTURES = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests")
CHART = os.path.join(FIXTURES, "chart", "sample-platform")
RENDERED = os.path.join(FIXTURES, "rendered", "sample-platform.yaml")
DIGEST = "sha256:0d8c6b8e6a5f6e4f0a3b1b7c9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a1b3c5d7e"
EXPECTED = {
    "docker.io/envoyproxy/envoy:v1.36.2": ("sample-platform/templates/deployment.yaml", True),
    "docker.io/library/busybox:latest": ("sample-platform/templates/pod.yaml", False),
    "docker.io/library/redis": ("sample-platform/templates/statefulset.yaml", False),
    "docker.io/prom/node-exporter:v1.12.1": ("sample-platform/templates/daemonset.yaml", True),
    "ecr-public.aws.com/docker/library/busybox:1.37.0": ("sample-platform/templates/cronjob.yaml", True),
    "ghcr.io/example/worker:1.8.0": ("sample-platform/templates/cronjob.yaml", True),
    "localhost:5001/legacy/app:0.9": ("sample-platform/templates/list.yaml", True),
    f"quay.io/example/api:2.4.1@{DIGEST}": ("sample-platform/templates/deployment.yaml", True),
    "registry.k8s.io/kubectl:v1.34.3": ("sample-platform/templates/job.yaml", True),
}


def find_helm():
    tools = os.environ.get("SF_TOOLS_DIR") or os.path.join(sftest.SOURCE_DIR, ".cache", "k8s-tools")
    installed = os.path.join(tools, "bin", "helm")
    return os.environ.get("SF_HELM") or (installed if os.access(installed, os.X_OK) else None) or shutil.which("helm")


class ImagesFromRenderedYaml(unittest.TestCase):
    def check_inventory(self, text):
        r = sftest.run([RM, "images", "-"], input=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {row["image"]: row for row in sftest.json_lines(r.stdout)}
        self.assertEqual(set(rows), set(EXPECTED))
        lines = text.splitlines()
        for image, (source, pinned) in EXPECTED.items():
            row = rows[image]
            self.assertEqual(row["pinned"], pinned, image)
            self.assertIn(source, row["helm_sources"], image)
            for where in row["where"]:  # every stdin:LINE is the line of that image: field
                file, line = where.rsplit(":", 1)
                self.assertEqual(file, "stdin")
                self.assertIn("image:", lines[int(line) - 1], (image, where))
        self.assertIn("2 images are not pinned", r.stderr)
        return rows

    def test_recorded_helm_output(self):
        with open(RENDERED) as f:
            self.check_inventory(f.read())

    def test_helm_template_of_the_test_chart(self):
        # With a real Helm (SF_HELM, or helm on PATH) the chart is rendered now, and the recorded
        # output must still match it; without one, the recorded output stands in for it.
        with open(RENDERED) as f:
            recorded = f.read()
        helm = find_helm()
        if helm is None:
            sys.stderr.write("helm not installed: using the recorded Helm v3.17.3 output\n")
            self.check_inventory(recorded)
            return
        r = sftest.run([helm, "template", "demo", CHART])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_inventory(r.stdout)
        self.assertTrue(recorded.endswith(r.stdout), "tests/render-manifests/rendered/ is stale: re-record it")

    def test_mirror_list(self):
        r = sftest.run([RM, "images", "--format", "list", "--mirror", "registry.local:5000", RENDERED])
        self.assertEqual(r.returncode, 0, r.stderr)
        pairs = dict(line.split(" ") for line in r.stdout.splitlines())
        self.assertEqual(set(pairs), set(EXPECTED))
        # The registry host dropped, as the root chart rewrites images (docs/platform.md).
        self.assertEqual(pairs["docker.io/library/redis"], "registry.local:5000/library/redis")
        self.assertEqual(pairs["localhost:5001/legacy/app:0.9"], "registry.local:5000/legacy/app:0.9")
        self.assertEqual(pairs[f"quay.io/example/api:2.4.1@{DIGEST}"],
                         f"registry.local:5000/example/api:2.4.1@{DIGEST}")
        bad = sftest.run([RM, "images", "--mirror", "https://registry.local", RENDERED])
        self.assertEqual(bad.returncode, 2)
        self.assertIn("HOST[:PORT]", bad.stderr)


class InventoryOfATree(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rm-tree-")
        self.write("argocd/apps/metallb.yaml", """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: metallb
              namespace: argocd
            spec:
              project: default
              source:
                repoURL: https://metallb.github.io/metallb
                chart: metallb
                targetRevision: 0.16.1
                helm:
                  valuesObject:
                    controller:
                      image: {repository: quay.io/metallb/controller, tag: v0.16.1}
              destination: {server: https://kubernetes.default.svc, namespace: metallb-system}
            """)
        self.write("argocd/apps/ingress.yaml", """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: nginx-ingress, namespace: argocd}
            spec:
              project: default
              source:
                repoURL: ghcr.io/nginx/charts
                chart: nginx-ingress
                targetRevision: 2.6.4
                helm:
                  skipSchemaValidation: true
                  values: |
                    controller:
                      image:
                        repository: nginx/nginx-ingress
                        tag: "5.5.4"
              destination: {server: https://kubernetes.default.svc, namespace: nginx-ingress}
            """)
        self.write("argocd/root/Chart.yaml", "apiVersion: v2\nname: root\nversion: 0.1.0\n")
        self.write("argocd/root/templates/apps.yaml", "{{- range .Values.apps }}\nnot: [yaml\n{{- end }}\n")
        self.write("vault/values.yaml", "server:\n  image:\n    repository: hashicorp/vault\n    tag: 2.0.4\n")
        self.write("k8s/broken.yaml", "a: 1\n---\nb: [\n---\nreport:\n  image: Bad/Name\n")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))

    def run_here(self, *args):
        return subprocess.run([RM, *args], cwd=self.dir, capture_output=True, text=True, timeout=60)

    def test_images_of_the_default_folders(self):
        r = self.run_here("images")
        self.assertEqual(r.returncode, 3, r.stderr)  # one broken document, one invalid reference
        rows = sftest.json_lines(r.stdout)
        good = {row["image"]: row["where"] for row in rows if "image" in row}
        self.assertEqual(good, {
            "docker.io/hashicorp/vault:2.0.4": ["vault/values.yaml:2"],
            "docker.io/nginx/nginx-ingress:5.5.4": ["argocd/apps/ingress.yaml:14"],
            "quay.io/metallb/controller:v0.16.1": ["argocd/apps/metallb.yaml:15"],
        })
        [bad] = [row for row in rows if "error" in row]
        self.assertEqual(bad["raw"], "Bad/Name")
        self.assertEqual(bad["where"], ["k8s/broken.yaml:6"])
        self.assertIn("k8s/broken.yaml:3: not valid YAML", r.stderr)
        self.assertNotIn("templates/apps.yaml", r.stderr)  # Helm templates are not read as YAML

    def test_charts_and_their_mirror(self):
        r = self.run_here("charts", "--mirror", "registry.local:5000", "argocd")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {row["chart"]: row for row in sftest.json_lines(r.stdout)}
        self.assertEqual(set(rows), {"metallb", "nginx-ingress"})
        self.assertEqual(rows["metallb"]["type"], "http")
        self.assertEqual(rows["metallb"]["mirror_repo_url"], "oci://registry.local:5000/metallb.github.io/metallb")
        self.assertEqual(rows["metallb"]["where"], ["argocd/apps/metallb.yaml:10"])
        self.assertEqual(rows["nginx-ingress"]["type"], "oci")
        self.assertEqual(rows["nginx-ingress"]["mirror_ref"], "registry.local:5000/ghcr.io/nginx/charts/nginx-ingress:2.6.4")
        listed = self.run_here("charts", "--format", "list", "argocd")
        self.assertEqual(listed.stdout.splitlines(), ["ghcr.io/nginx/charts nginx-ingress 2.6.4",
                                                      "https://metallb.github.io/metallb metallb 0.16.1"])

    def test_a_repo_url_with_credentials_is_never_shown(self):
        self.write("argocd/apps/private.yaml", """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: private, namespace: argocd}
            spec:
              project: default
              source:
                repoURL: https://deploy:s3cr3t-Pa55@charts.example.org/private
                chart: private
                targetRevision: 1.0.0
              destination: {server: https://kubernetes.default.svc, namespace: private}
            """)
        for args in (("charts", "argocd"), ("charts", "--format", "list", "argocd"),
                     ("charts", "--mirror", "registry.local:5000", "argocd")):
            with self.subTest(args=args):
                r = self.run_here(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertNotIn("s3cr3t-Pa55", r.stdout + r.stderr)
                self.assertNotIn("deploy:", r.stdout + r.stderr)
                self.assertIn("charts.example.org/private", r.stdout)

    def test_nothing_to_read(self):
        empty = tempfile.mkdtemp(prefix="rm-empty-")
        try:
            r = subprocess.run([RM, "images"], cwd=empty, capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn("holds YAML here", r.stderr)
        finally:
            shutil.rmtree(empty)


if __name__ == "__main__":
    unittest.main()
