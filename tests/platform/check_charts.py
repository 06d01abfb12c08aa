#!/usr/bin/env python3
"""make check-charts: render every component's upstream chart at its pinned version with the
values of its Application, as Argo CD would, and check what comes out.

For each layer (kind, metal) and each child Application of argocd/root that uses an upstream
chart: `helm template` the chart (from CHARTS_DIR, or `helm pull` from its repository when online)
with the Application's value file(s) from this repository plus its valuesObject, then
  - validate every document against the Kubernetes and CRD schemas (validate.mjs),
  - every image pinned (tag other than latest, or digest), requests and limits on every container,
    the Pod Security level of the namespace (platformtest.pod_security_violations),
  - component rules: Vault not in dev mode and on Raft storage with a volume; OpenCost reading
    our pricing file at CONFIG_PATH; MetalLB without FRR; no ingress-nginx anywhere.
Then prints per chart the documents rendered, the images and the problems, and the resource
totals of the Kind layer. Exit 0 when nothing is wrong, 1 otherwise, 2 on usage errors.

CHARTS_DIR holds <chart>/ folders (with their sub-charts in charts/) or <chart>-<version>.tgz
files, like an air-gap bundle; docs/platform.md says how to make one from the charts' sources.
"""
import argparse
import json
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import platformtest as pt  # noqa: E402

LAYERS = {"kind": {}, "metal": {"layer": "metal", "git.repoURL": "https://git.example.org/ops/sovereign-finops.git"}}
KUBE_VERSION = "1.34.0"
# The Kind cluster of the bootstrap: one control plane (tainted, labelled ingress-ready) + 2 workers.
KIND_NODES = [
    {"labels": {"kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "", "ingress-ready": "true"},
     "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
    {"labels": {"kubernetes.io/os": "linux"}, "taints": []},
    {"labels": {"kubernetes.io/os": "linux"}, "taints": []},
]


def find_chart(charts_dir, name, version, work):
    """A chart folder for name@version: CHARTS_DIR/<name>/ or CHARTS_DIR/<name>-<version>.tgz, or
    helm pull from the repository. Fails when the found chart is another version."""
    if charts_dir:
        folder = Path(charts_dir) / name
        tgz = Path(charts_dir) / f"{name}-{version}.tgz"
        if tgz.is_file():
            with tarfile.open(tgz) as t:
                t.extractall(work, filter="data")
            folder = Path(work) / name
        if not (folder / "Chart.yaml").is_file():
            raise SystemExit(f"check-charts: {name} {version}: neither {folder}/Chart.yaml nor {tgz} in CHARTS_DIR")
        return folder
    return None


def pull(repo, name, version, work):
    dest = Path(work) / "pulled"
    proc = pt.run([pt.helm(), "pull", name, "--repo", repo, "--version", version, "--untar", "--untardir", str(dest)],
                  check=False, timeout=300)
    if proc.returncode != 0:
        raise SystemExit(f"check-charts: helm pull {name} {version} from {repo} failed (offline? give CHARTS_DIR):\n{proc.stderr}")
    return dest / name


def chart_version(folder):
    meta = pt.documents((folder / "Chart.yaml").read_text())[0]
    return meta["name"], str(meta["version"])


def render_upstream(app, source, folder, work):
    helm_spec = source.get("helm") or {}
    values = []
    for vf in helm_spec.get("valueFiles", []):
        if not vf.startswith("$values/"):
            raise SystemExit(f"check-charts: {app['metadata']['name']}: value file {vf} is not from this repository")
        values.append(pt.SOURCE / vf[len("$values/"):])
    obj = Path(work) / f"{app['metadata']['name']}-values.json"
    obj.write_text(json.dumps(helm_spec.get("valuesObject") or {}))
    values.append(obj)
    # Argo CD does not run Helm test hooks (helm.sh/hook: test): leave them out like it does.
    extra = ["--kube-version", KUBE_VERSION, "--skip-tests"]
    extra += ["--skip-schema-validation"] if helm_spec.get("skipSchemaValidation") else []
    extra += [] if helm_spec.get("skipCrds") else ["--include-crds"]
    return pt.helm_template(folder, helm_spec.get("releaseName") or app["metadata"]["name"],
                            app["spec"]["destination"]["namespace"], values_files=values, extra=extra).stdout


def component_problems(name, docs):
    out = []
    text = json.dumps(docs)
    if "ingress-nginx" in text or "registry.k8s.io/ingress-nginx" in text:
        out.append("mentions the retired ingress-nginx")
    if name == "vault":
        sts = [d for d in docs if d["kind"] == "StatefulSet"]
        if len(sts) != 1:
            out.append(f"expected one Vault StatefulSet, found {len(sts)}")
        for s in sts:
            c = s["spec"]["template"]["spec"]["containers"][0]
            flat = json.dumps(c)
            if "-dev" in " ".join(c.get("args", []) + c.get("command", [])) or "VAULT_DEV_ROOT_TOKEN_ID" in flat:
                out.append("Vault runs in dev mode")
            if not s["spec"].get("volumeClaimTemplates"):
                out.append("Vault has no data volume (volumeClaimTemplates)")
            probe = pt.dig(c, "readinessProbe.httpGet.path", "")
            if "sealedcode=204" not in probe or "uninitcode=204" not in probe:
                out.append(f"Vault readiness probe {probe!r} keeps a sealed Vault unready")
        configs = [v for d in docs if d["kind"] == "ConfigMap" for v in (d.get("data") or {}).values()]
        if not any('storage "raft"' in c and "/vault/data" in c for c in configs):
            out.append("Vault storage is not integrated Raft on /vault/data")
        if any(d["kind"] == "PodDisruptionBudget" for d in docs):
            out.append("a PodDisruptionBudget for a single Vault replica")
        if any("injector" in d["metadata"]["name"] for d in docs):
            out.append("the Vault agent injector is deployed")
    if name == "opencost":
        dep = next((d for d in docs if d["kind"] == "Deployment"), None)
        spec = dep["spec"]["template"]["spec"] if dep else {}
        exporter = next((c for c in spec.get("containers", []) if c["name"] == "opencost"), {})
        env = {e["name"]: e.get("value") for e in exporter.get("env", [])}
        mounts = {m["name"]: m["mountPath"] for m in exporter.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        if env.get("CONFIG_PATH", "").rstrip("/") != mounts.get("pricing") or \
                pt.dig(volumes.get("pricing", {}), "configMap.name") != "opencost-pricing":
            out.append("OpenCost does not read opencost-pricing at CONFIG_PATH")
        if "PRICING_CONFIGMAP_NAME" in env:
            out.append("OpenCost watches a pricing ConfigMap (the ÷730 path)")
        if any(d["kind"] == "ConfigMap" and d["metadata"]["name"] == "pricing-configs" for d in docs):
            out.append("a ConfigMap named pricing-configs")
    if name == "metallb" and "frrouting" in text:
        out.append("MetalLB pulls FRR images (frrk8s or speaker.frr enabled)")
    if name == "node-exporter":
        ds = next((d for d in docs if d["kind"] == "DaemonSet"), None)
        if not ds or not any(v.get("hostPath", {}).get("path") == "/" for v in ds["spec"]["template"]["spec"].get("volumes", [])):
            out.append("node-exporter does not mount the host's /")
    return out


def selector_problems(layer_docs):
    """Every pod selector of our NetworkPolicies must select a workload that the charts really
    render (a label the chart does not set would silently block or open nothing)."""
    pods = {}
    for d in layer_docs:
        spec = pt.pod_spec(d)
        if spec is not None:
            template = d if d["kind"] == "Pod" else pt.dig(d, "spec.template") or pt.dig(d, "spec.jobTemplate.spec.template")
            pods.setdefault(d["metadata"]["namespace"], []).append(pt.dig(template, "metadata.labels") or {})

    def selects(ns, labels):
        return any(all(p.get(k) == v for k, v in labels.items()) for p in pods.get(ns, []))
    out = []
    for d in layer_docs:
        if d["kind"] != "NetworkPolicy":
            continue
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        own = pt.dig(d, "spec.podSelector.matchLabels") or {}
        if own and not selects(ns, own):
            out.append(f"NetworkPolicy {ns}/{name}: podSelector {own} selects no pod of {ns}")
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in d["spec"].get(direction) or []:
                for peer in rule.get(key) or []:
                    target = (pt.dig(peer, "namespaceSelector.matchLabels") or {}).get("kubernetes.io/metadata.name")
                    labels = pt.dig(peer, "podSelector.matchLabels") or {}
                    if target and target in pods and labels and not selects(target, labels):
                        out.append(f"NetworkPolicy {ns}/{name}: peer {labels} selects no pod of {target}")
    return out


def schedulable_nodes(spec):
    selector = spec.get("nodeSelector") or {}
    tolerations = spec.get("tolerations") or []

    def tolerated(taint):
        return any((t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint["key"])) or
                   (t.get("key") == taint["key"]) for t in tolerations if not t.get("effect") or t["effect"] == taint["effect"])
    return sum(1 for n in KIND_NODES
               if all(n["labels"].get(k) == v for k, v in selector.items()) and all(tolerated(t) for t in n["taints"]))


def pod_totals(spec):
    """Effective requests/limits of one pod: max(largest init container, sum of containers)."""
    total = {}
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            main = sum(pt.quantity(pt.dig(c, f"resources.{kind}.{res}", 0) or 0, res) for c in spec.get("containers") or [])
            init = max([pt.quantity(pt.dig(c, f"resources.{kind}.{res}", 0) or 0, res) for c in spec.get("initContainers") or []] or [0])
            total[(kind, res)] = max(main, init)
    return total


def workload_totals(docs):
    rows = []
    for d in docs:
        spec = pt.pod_spec(d)
        if spec is None or d["kind"] in ("Job", "CronJob", "Pod"):
            continue
        count = schedulable_nodes(spec) if d["kind"] == "DaemonSet" else int(d["spec"].get("replicas", 1))
        rows.append((d["kind"], pt.dig(d, "metadata.namespace") or "?", d["metadata"]["name"], count, pod_totals(spec)))
    return rows


def main():
    ap = argparse.ArgumentParser(description="Render and check the upstream charts at their pinned versions.")
    ap.add_argument("--charts-dir", help="folder with <chart>/ or <chart>-<version>.tgz (air-gap bundle); default: helm pull")
    ap.add_argument("--layer", choices=sorted(LAYERS), action="append", help="only this layer (repeatable)")
    args = ap.parse_args()
    problems_total = 0
    kind_rows = []
    for layer in args.layer or sorted(LAYERS):
        apps = pt.applications(LAYERS[layer])
        level = pt.level_of(apps)
        layer_docs = []
        print(f"== layer {layer}")
        for name, app in sorted(apps.items()):
            with tempfile.TemporaryDirectory() as work:
                texts = [text for _, text in pt.render_local_sources(app)]
                label = "charts of ours"
                for source in app["spec"]["sources"]:
                    if "chart" not in source:
                        continue
                    version = source["targetRevision"]
                    folder = find_chart(args.charts_dir, source["chart"], version, work) or \
                        pull(source["repoURL"], source["chart"], version, work)
                    found = chart_version(folder)
                    if found != (source["chart"], version):
                        raise SystemExit(f"check-charts: {name}: found chart {found[0]} {found[1]}, pinned {source['chart']} {version}")
                    texts.insert(0, render_upstream(app, source, folder, work))
                    label = f"{source['chart']} {version}"
                stream = "\n---\n".join(texts)
                rc, report = pt.schema_errors(stream)
                docs = pt.documents(stream)
                for d in docs:  # helm template leaves it out where the chart does; Argo CD uses the destination
                    if pt.pod_spec(d) is not None or d["kind"] == "NetworkPolicy":
                        d.setdefault("metadata", {}).setdefault("namespace", app["spec"]["destination"]["namespace"])
                layer_docs += docs
                problems = [] if rc == 0 else [line for line in report.splitlines() if not line.startswith("validate:")]
                problems += pt.workload_problems(docs, level)
                problems += component_problems(name, docs)
                images = pt.images(docs)
                status = "ok" if not problems else f"{len(problems)} problem(s)"
                print(f"  {name:17} {label:34} {len(docs):4} documents, {len(images)} images: {status}")
                for image in images:
                    print(f"      image {image}")
                for p in problems:
                    print(f"      PROBLEM {p}")
                problems_total += len(problems)
                if layer == "kind":
                    kind_rows += workload_totals(docs)
        network = selector_problems(layer_docs)
        print(f"  {'network':17} {'NetworkPolicy selectors':34} {sum(d['kind'] == 'NetworkPolicy' for d in layer_docs):4} policies: "
              f"{'ok' if not network else f'{len(network)} problem(s)'}")
        for p in network:
            print(f"      PROBLEM {p}")
        problems_total += len(network)
    if kind_rows:
        print("== resources on the Kind layer (3 nodes; DaemonSets counted per node they run on)")
        sums = {}
        for kind, ns, wl, count, totals in sorted(kind_rows, key=lambda r: (r[1], r[2])):
            for key, v in totals.items():
                sums[key] = sums.get(key, 0) + v * count
            print(f"  {ns:17} {kind:11} {wl:45} x{count}  requests {totals[('requests', 'cpu')] * 1000:5.0f}m "
                  f"{totals[('requests', 'memory')] / 2**20:5.0f}Mi  limits {totals[('limits', 'cpu')] * 1000:5.0f}m "
                  f"{totals[('limits', 'memory')] / 2**20:5.0f}Mi")
        print(f"  TOTAL requests {sums[('requests', 'cpu')]:.2f} CPU, {sums[('requests', 'memory')] / 2**30:.2f} GiB; "
              f"limits {sums[('limits', 'cpu')]:.2f} CPU, {sums[('limits', 'memory')] / 2**30:.2f} GiB")
    print(f"check-charts: {problems_total} problem(s)")
    return 1 if problems_total else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except pt.ToolMissing as e:
        print(f"check-charts: {e}", file=sys.stderr)
        sys.exit(2)
