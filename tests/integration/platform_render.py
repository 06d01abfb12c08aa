"""Render a platform tree the way Argo CD would, with the real Helm (3.17, the major Argo CD 3.4
renders with), to find every object it makes from this repository:

- every app of apps under argocd/ (a chart there), once per values layer (`<chart>/layers/*.yaml`
  as the `layer` parameter), with the root parameters of CONTRACT-platform.md;
- every child Application whose source is a chart of this tree (`path`): rendered with its
  release name, destination namespace and helm.valuesObject (and valueFiles inside the chart),
  recursively (an Application may make more Applications); upstream charts (`chart:` from a
  Helm repository) are not in the tree and make no ExternalSecret of ours;
- every plain manifest under k8s/, argocd/ and vault/ that is not part of a chart.

Applications are read back as JSON by Helm itself (a throwaway chart whose template runs
fromYaml/toJson over the rendered text), so their YAML means what it means to Argo CD
(sigs.k8s.io/yaml); Python's standard library has no YAML reader."""
import json
import os
import shutil
import subprocess
import tempfile

# The root Application's parameters (CONTRACT-platform.md "Root application parameters", and
# the network.* addresses the platform tree added to it), with what a Kind cluster gets. A chart
# with ci/*-values.yaml files (chart-testing's convention) is rendered with each of those instead.
ROOT_PARAMETERS = [
    "--set", "git.repoURL=git://git-server.git-server.svc.cluster.local/sovereign-finops.git",
    "--set", "git.targetRevision=HEAD",
    "--set-json", 'metallb.addresses=["172.18.255.200-172.18.255.250"]',
    "--set", "registry.mirror=",
    "--set", "ingress.domain=localhost",
    "--set-json", 'network.controlPlaneCIDRs=["172.18.0.2/32"]',
    "--set-json", 'network.nodeCIDRs=["172.18.0.0/16"]',
]
TOP_FOLDERS = ("k8s", "argocd", "vault")
MAX_DEPTH = 4


class RenderError(AssertionError):
    pass


def _helm(helm, args, cwd=None):
    r = subprocess.run([helm, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HELM_CACHE_HOME="/nonexistent", HELM_CONFIG_HOME="/nonexistent",
                                HELM_DATA_HOME="/nonexistent"))
    if r.returncode != 0:
        raise RenderError("helm %s failed:\n%s" % (" ".join(args), r.stderr))
    return r.stdout


def _chart_folders(tree, top):
    out = []
    for root, dirs, files in os.walk(os.path.join(tree, top)):
        if "Chart.yaml" in files:
            out.append(root)
            dirs[:] = []  # a chart's templates are not charts of their own
    return sorted(out)


def _in_chart(path, charts):
    return any(path == c or path.startswith(c + os.sep) for c in charts)


class Renderer:
    def __init__(self, tree, helm):
        self.tree = os.path.abspath(tree)
        self.helm = helm
        self.work = tempfile.mkdtemp(prefix="platform-render-")
        self.inputs = []        # (name, rendered YAML text)
        self.applications = []  # (from, Application as JSON)
        self._seen = set()
        self._n = 0

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def objects(self, text):
        """The objects of rendered YAML, as JSON, through Helm's own fromYaml."""
        self._n += 1
        chart = os.path.join(self.work, "tojson-%d" % self._n)
        os.makedirs(os.path.join(chart, "templates"))
        with open(os.path.join(chart, "Chart.yaml"), "w") as f:
            f.write("apiVersion: v2\nname: tojson\nversion: 0.1.0\n")
        with open(os.path.join(chart, "rendered.yaml"), "w") as f:
            f.write(text)
        with open(os.path.join(chart, "templates", "json.yaml"), "w") as f:
            f.write('{{- range $doc := regexSplit "(?m)^---[ \\t]*$" (.Files.Get "rendered.yaml") -1 }}\n'
                    '{{- $obj := fromYaml $doc }}\n'
                    '{{- if hasKey $obj "Error" }}{{ fail (printf "not YAML: %s" $obj.Error) }}{{ end }}\n'
                    '{{- if hasKey $obj "kind" }}\n---\n{{ toJson $obj }}\n{{- end }}\n'
                    '{{- end }}\n')
        out = _helm(self.helm, ["template", "tojson", chart])
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    def add(self, name, text, origin, depth):
        self.inputs.append((name, text))
        if depth >= MAX_DEPTH:
            return
        for obj in self.objects(text):
            if obj.get("kind") == "Application" and obj.get("apiVersion", "").startswith("argoproj.io/"):
                self.applications.append((origin, obj))
                self.render_application(obj, origin, depth + 1)

    def render_application(self, app, origin, depth):
        spec = app.get("spec") or {}
        name = (app.get("metadata") or {}).get("name", "?")
        namespace = (spec.get("destination") or {}).get("namespace") or "default"
        sources = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
        for source in sources:
            path = source.get("path")
            if not path or source.get("chart"):
                continue  # an upstream chart, or a values-only source (ref)
            chart = os.path.join(self.tree, path)
            if not os.path.isfile(os.path.join(chart, "Chart.yaml")):
                raise RenderError("Application %s (%s) has path %s, which is not a chart in %s"
                                  % (name, origin, path, self.tree))
            helm = source.get("helm") or {}
            release = helm.get("releaseName") or name
            values = helm.get("valuesObject")
            if values is None and helm.get("values"):
                raise RenderError("Application %s: helm.values (a string) is not read here; use valuesObject" % name)
            key = (path, namespace, release, json.dumps(values, sort_keys=True))
            if key in self._seen:
                continue
            self._seen.add(key)
            args = ["template", release, chart, "--namespace", namespace]
            for vf in helm.get("valueFiles") or []:
                if not vf.startswith("$"):
                    args += ["--values", os.path.join(chart, vf)]
            if values is not None:
                self._n += 1
                values_file = os.path.join(self.work, "values-%d.json" % self._n)
                with open(values_file, "w") as f:
                    json.dump(values, f)
                args += ["--values", values_file]
            if helm.get("skipSchemaValidation"):
                args.append("--skip-schema-validation")
            text = _helm(self.helm, args)
            self.add("%s (Application %s from %s)" % (path, name, origin), text, "Application " + name, depth)

    def render(self):
        charts = [c for top in TOP_FOLDERS for c in _chart_folders(self.tree, top)]
        for root in _chart_folders(self.tree, "argocd"):
            layers_dir = os.path.join(root, "layers")
            layers = sorted(f[:-5] for f in os.listdir(layers_dir) if f.endswith(".yaml")) \
                if os.path.isdir(layers_dir) else [None]
            rel = os.path.relpath(root, self.tree)
            ci = os.path.join(root, "ci")
            parameter_sets = [("", ROOT_PARAMETERS)]
            if os.path.isdir(ci):
                parameter_sets = [(" " + f, ["--values", os.path.join(ci, f)])
                                  for f in sorted(os.listdir(ci)) if f.endswith("-values.yaml")]
            for label, parameters in parameter_sets:
                for layer in layers:
                    args = ["template", "root", root, "--namespace", "argocd", *parameters]
                    if layer:
                        args += ["--set", "layer=" + layer]
                    origin = "%s%s%s" % (rel, label, " (layer %s)" % layer if layer else "")
                    self.add(origin, _helm(self.helm, args), origin, 0)
        for top in TOP_FOLDERS:
            for root, _dirs, files in os.walk(os.path.join(self.tree, top)):
                if _in_chart(root, charts):
                    continue
                for f in sorted(files):
                    if not f.endswith((".yaml", ".yml")):
                        continue
                    path = os.path.join(root, f)
                    with open(path) as fh:
                        text = fh.read()
                    if "\nkind:" in "\n" + text and "apiVersion:" in text:
                        self.inputs.append((os.path.relpath(path, self.tree), text))
        return self.inputs


def render(tree, helm):
    """[(name, YAML text)] of everything the tree makes; see the module's docstring."""
    r = Renderer(tree, helm)
    try:
        return r.render(), r.applications
    finally:
        r.close()
