"""Shared helpers of the platform tests (tests/platform/test_*.py) and `make check-charts`.

They run the real Helm 3 (scripts/install-k8s-tools.sh) and Node with the schema packages of
tests/platform/package.json (installed by scripts/install-deps.sh with `npm ci`). A missing tool
is a failure that says how to install it, never a skip.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

SOURCE = Path(os.environ.get("SF_SOURCE_DIR") or Path(__file__).resolve().parents[2])
HERE = SOURCE / "tests" / "platform"
TOOLS_BIN = Path(os.environ.get("SF_TOOLS_DIR") or SOURCE / ".cache" / "k8s-tools") / "bin"

# Parameters every rendering of the root chart in tests uses unless a test changes one.
ROOT_PARAMS = {
    "network.controlPlaneCIDRs": ["172.18.0.2/32"],
    "network.nodeCIDRs": ["172.18.0.0/16"],
    "metallb.addresses": ["172.18.255.200-172.18.255.250"],
}


class ToolMissing(AssertionError):
    pass


def helm():
    path = TOOLS_BIN / "helm"
    if not os.access(path, os.X_OK):
        raise ToolMissing(f"Helm 3.17 is not installed at {path}: run scripts/install-k8s-tools.sh helm "
                          "(or scripts/install-deps.sh)")
    return str(path)


def node():
    path = shutil.which("node")
    if not path:
        raise ToolMissing("node is missing: install Node.js 20 and run scripts/install-deps.sh")
    if not (HERE / "node_modules" / "kubernetes-models").is_dir():
        raise ToolMissing(f"{HERE}/node_modules is missing: run scripts/install-deps.sh (npm ci in tests/platform)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what, timeout=10):
    """Wait until a peer started by a test accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"{what} exited with {proc.returncode} before listening on {port}")
            time.sleep(0.05)
    raise AssertionError(f"{what} does not listen on {port} after {timeout} s")


def run(cmd, *, input=None, check=True, env=None, cwd=None, timeout=120):
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    return proc


def set_args(params):
    """Helm --set-json arguments for a dict of dotted keys (lists and strings alike)."""
    out = []
    for key, value in params.items():
        out += ["--set-json", f"{key}={json.dumps(value)}"]
    return out


def helm_template(chart, release="test", namespace="default", params=None, values_files=(), values=None,
                  check=True, extra=()):
    cmd = [helm(), "template", release, str(chart), "--namespace", namespace]
    for f in values_files:
        cmd += ["-f", str(f)]
    if values is not None:
        cmd += ["-f", "-"]
    cmd += set_args(params or {})
    cmd += list(extra)
    return run(cmd, input=json.dumps(values) if values is not None else None, check=check)


def documents(yaml_text):
    """The documents of a YAML stream as Python objects (parsed by Node's yaml, which Python lacks)."""
    proc = run([node(), str(HERE / "validate.mjs"), "--json", "-"], input=yaml_text)
    return [d["doc"] for d in json.loads(proc.stdout)]


def schema_errors(yaml_text):
    """(returncode, report) of validating a YAML stream against the Kubernetes and CRD schemas."""
    proc = run([node(), str(HERE / "validate.mjs"), "-"], input=yaml_text, check=False)
    return proc.returncode, proc.stdout + proc.stderr


_root_renders = {}


def render_root(params=None, check=True):
    """helm template of argocd/root with ROOT_PARAMS updated by params (memoised: tests render
    the same parameters many times)."""
    merged = dict(ROOT_PARAMS)
    merged.update(params or {})
    key = (json.dumps(merged, sort_keys=True), check)
    if key not in _root_renders:
        _root_renders[key] = helm_template(SOURCE / "argocd" / "root", "root", "argocd", params=merged, check=check)
    return _root_renders[key]


_applications = {}


def applications(params=None):
    """The rendered child Applications by name (a fresh copy each call)."""
    key = json.dumps(params or {}, sort_keys=True)
    if key not in _applications:
        _applications[key] = json.dumps({d["metadata"]["name"]: d for d in documents(render_root(params).stdout)})
    return json.loads(_applications[key])


def dig(obj, dotted, default=None):
    for key in dotted.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


# ---------------------------------------------------------------------------------------------
# Workloads: pod specs, containers, images, resources, Pod Security
# ---------------------------------------------------------------------------------------------
def pod_spec(doc):
    kind = doc.get("kind")
    if kind == "Pod":
        return doc.get("spec")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return dig(doc, "spec.template.spec")
    if kind == "CronJob":
        return dig(doc, "spec.jobTemplate.spec.template.spec")
    return None


def containers(spec):
    return [("initContainers", c) for c in spec.get("initContainers") or []] + \
           [("containers", c) for c in spec.get("containers") or []]


def image_problem(image):
    """Why an image reference is not pinned, or None. A digest pins; else a tag other than latest."""
    if not image or not isinstance(image, str):
        return "no image"
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"{image}: no tag (would pull latest)"
    if last.split(":", 1)[1] in ("", "latest"):
        return f"{image}: tag latest"
    return None


def resource_problems(container):
    out = []
    res = container.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if not dig(res, f"{kind}.{r}"):
                out.append(f"no {kind}.{r}")
    return out


RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                         "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}


def pod_security_violations(spec, level):
    """The Pod Security Standards checks (kubernetes.io/docs/concepts/security/pod-security-standards)
    a pod spec fails at `level` (baseline or restricted; privileged allows everything)."""
    if level == "privileged":
        return []
    out = []
    psc = spec.get("securityContext") or {}
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host):
            out.append(host)
    for vol in spec.get("volumes") or []:
        kinds = set(vol) - {"name"}
        if "hostPath" in kinds:
            out.append(f"volume {vol['name']}: hostPath")
        if level == "restricted" and not kinds <= RESTRICTED_VOLUMES:
            out.append(f"volume {vol['name']}: type {sorted(kinds)} not allowed")
    if dig(psc, "seccompProfile.type") == "Unconfined":
        out.append("pod seccompProfile Unconfined")
    for where, c in containers(spec):
        name = f"{where} {c.get('name')}"
        sc = c.get("securityContext") or {}
        if sc.get("privileged"):
            out.append(f"{name}: privileged")
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                out.append(f"{name}: hostPort {p['hostPort']}")
        add = set(dig(sc, "capabilities.add", []) or [])
        allowed = {"NET_BIND_SERVICE"} if level == "restricted" else BASELINE_CAPABILITIES
        if add - allowed:
            out.append(f"{name}: adds capabilities {sorted(add - allowed)}")
        seccomp = dig(sc, "seccompProfile.type") or dig(psc, "seccompProfile.type")
        if seccomp == "Unconfined":
            out.append(f"{name}: seccompProfile Unconfined")
        if level != "restricted":
            continue
        if "ALL" not in (dig(sc, "capabilities.drop", []) or []):
            out.append(f"{name}: capabilities.drop lacks ALL")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{name}: allowPrivilegeEscalation is not false")
        run_as_non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if run_as_non_root is not True:
            out.append(f"{name}: runAsNonRoot is not true")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            out.append(f"{name}: runAsUser 0")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{name}: no seccompProfile RuntimeDefault")
    return out


def workload_problems(docs, level_of_namespace):
    """Unpinned images, missing requests/limits and Pod Security violations of the workloads in docs.
    level_of_namespace(ns) gives the namespace's enforced level."""
    out = []
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        where = f"{doc['kind']} {dig(doc, 'metadata.namespace', '?')}/{dig(doc, 'metadata.name', '?')}"
        for section, c in containers(spec):
            problem = image_problem(c.get("image"))
            if problem:
                out.append(f"{where} {section} {c.get('name')}: {problem}")
            for p in resource_problems(c):
                out.append(f"{where} {section} {c.get('name')}: {p}")
        for v in pod_security_violations(spec, level_of_namespace(dig(doc, "metadata.namespace"))):
            out.append(f"{where}: Pod Security: {v}")
    return out


def images(docs):
    return sorted({c.get("image") for d in docs if pod_spec(d) for _, c in containers(pod_spec(d))})


QUANTITY = re.compile(r"^([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?$")


def quantity(value, unit):
    """A Kubernetes quantity as a float in cores (unit 'cpu') or bytes (unit 'memory')."""
    m = QUANTITY.match(str(value))
    if not m:
        raise ValueError(f"quantity {value!r}")
    number, suffix = float(m.group(1)), m.group(2) or ""
    factor = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3}[suffix]
    return number * factor


# ---------------------------------------------------------------------------------------------
# What Argo CD renders for a child Application
# ---------------------------------------------------------------------------------------------
def level_of(apps):
    """namespace -> enforced Pod Security level, from the rendered child Applications."""
    levels = {}
    for app in apps.values():
        labels = dig(app, "spec.syncPolicy.managedNamespaceMetadata.labels") or {}
        if "pod-security.kubernetes.io/enforce" in labels:
            levels[app["spec"]["destination"]["namespace"]] = labels["pod-security.kubernetes.io/enforce"]
    return lambda ns: levels.get(ns, "restricted")


def render_local_sources(app):
    """[(source, yaml)] for every source of an Application that is a chart of ours in this
    repository, rendered like Argo CD does: release name, destination namespace, valuesObject."""
    out = []
    namespace = app["spec"]["destination"]["namespace"]
    for source in app["spec"]["sources"]:
        if "path" not in source:
            continue
        helm_spec = source.get("helm") or {}
        release = helm_spec.get("releaseName") or app["metadata"]["name"]
        proc = helm_template(SOURCE / source["path"], release, namespace, values=helm_spec.get("valuesObject") or {})
        out.append((source, proc.stdout))
    return out
