# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Secret scan of the whole tree (every file Git tracks or would track).

Everywhere: private-key PEM blocks, cloud and Git-host tokens, Vault tokens, JWTs, password
hashes (bcrypt, apr1, SHA-crypt) and kubeconfig key data. In the GitOps tree (argocd/, k8s/,
vault/, opencost/, terraform/) also any literal value of a credential-like key: credentials reach
the cluster through Vault and External Secrets only, never from Git. The detectors are tested on
samples assembled at run time, so no secret-looking literal sits in this file either."""
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

import platformtest as pt

DASHES = "-" * 5
PEM_PRIVATE = re.compile(DASHES + r"BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY" + DASHES)
EVERYWHERE = {
    "private key": PEM_PRIVATE,
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Vault token": re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "password hash": re.compile(r"\$(2[aby]\$\d\d\$[./A-Za-z0-9]{53}|apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|[56]\$[^$\s]{1,16}\$[./A-Za-z0-9]{43,86})"),
    # A real client key is 300+ base64 characters (an EC P-256 PEM block); shorter ones are stubs.
    "kubeconfig key data": re.compile(r"client-key-data:\s*[A-Za-z0-9+/=]{200,}"),
}
CREDENTIAL_KEY = r"(password|passwd|passphrase|token|secret|api[-_]?key|access[-_]?key|private[-_]?key|client[-_]?secret|root[-_]?token|unseal[-_]?key|htpasswd|tls\.key)"
# A YAML/JSON key with a scalar value on the same line (not a template, reference or empty value).
YAML_LITERAL = re.compile(r"""^\s*["']?(?P<key>[A-Za-z0-9_.-]*""" + CREDENTIAL_KEY +
                          r""")["']?\s*:\s*(?P<value>[^\s#{}\[\]|>&*!][^#]*?)\s*,?\s*$""", re.IGNORECASE)
HCL_LITERAL = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_]*""" + CREDENTIAL_KEY + r""")\s*=\s*"(?P<value>[^"$]+)\"""", re.IGNORECASE)
GITOPS = ("argocd/", "k8s/", "vault/", "opencost/", "terraform/")
# Values of credential-like keys that are names, not credentials.
NOT_A_VALUE = re.compile(r"""^["']?(|true|false|null|~|username|password|database|tls\.crt|tls\.key|ca\.crt|htpasswd|[A-Z_]+_KEY|"""
                         r"""[a-z0-9-]+-(basic-auth|tls|secret|token)|ingress-tls|demo-db)["']?$""")
SKIP_DIRS = {".git", "node_modules", ".cache"}


def tree_files(root):
    """The files Git tracks or would track (not ignored), or every file when there is no Git."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                          capture_output=True, timeout=60)
    if proc.returncode == 0:
        return sorted({Path(root, p.decode()) for p in proc.stdout.split(b"\0") if p})
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build")]
        out += [Path(dirpath, f) for f in filenames]
    return sorted(out)


def scan(root, files):
    findings = []
    for path in files:
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary: fuzz corpora, images
        gitops = rel.startswith(GITOPS)
        for n, line in enumerate(text.splitlines(), 1):
            for what, pattern in EVERYWHERE.items():
                if pattern.search(line):
                    findings.append(f"{rel}:{n}: {what}")
            if not gitops:
                continue
            m = None
            if rel.endswith((".yaml", ".yml", ".json", ".tpl")):
                m = YAML_LITERAL.match(line)
            elif rel.endswith((".tf", ".tfvars", ".hcl")):
                m = HCL_LITERAL.match(line)
            value = m.group("value").strip() if m else ""
            if m and "{{" not in value and not value.startswith("${") and not NOT_A_VALUE.match(value):
                findings.append(f"{rel}:{n}: literal value for credential-like key {m.group('key')}")
    return findings


class SecretScan(unittest.TestCase):
    def test_the_tree_holds_no_secret(self):
        files = tree_files(pt.SOURCE)
        self.assertGreater(len(files), 100)
        self.assertTrue(any(f.name == "values.yaml" for f in files))
        self.assertEqual(scan(pt.SOURCE, files), [])

    def test_the_detectors_find_what_they_should(self):
        import base64
        import secrets as rnd
        samples = {
            "a.txt": DASHES + "BEGIN " + "OPENSSH PRIVATE KEY" + DASHES + "\nAAAA\n",
            "b.txt": "aws_access_key_id = " + "AKIA" + "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567") for _ in range(16)),
            "c.txt": "token: " + "ghp_" + rnd.token_hex(20),
            "d.txt": "VAULT_TOKEN=" + "hvs." + rnd.token_urlsafe(30),
            "e.txt": ".".join(base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
                              for s in ('{"alg":"HS256","typ":"JWT"}', '{"sub":"someone-long-enough"}', rnd.token_hex(16))),
            "f.txt": "admin:$2a$10$" + "".join(rnd.choice("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(53)),
            "g.txt": "    client-key-data: " + base64.b64encode(rnd.token_bytes(240)).decode(),
            "k8s/x/values.yaml": "auth:\n  rootToken: " + rnd.token_hex(8) + "\n  password: \"" + rnd.token_hex(6) + "\"\n",
            "terraform/main.tf": 'resource "x" "y" {\n  admin_password = "' + rnd.token_hex(6) + '"\n}\n',
        }
        clean = {
            "k8s/ok/values.yaml": ("existingSecret: demo-db\npassword: \"\"\nkey: password\nsecretKeyRef: {name: demo-db, key: password}\n"
                                   "htpasswd: '{{ htpasswd .username .password \"bcrypt\" }}'\nsecret:\n  secretName: demo-db\n"
                                   "password: {{ .Values.x }}\n"),
            "terraform/ok.tf": 'variable "db_password" {\n  sensitive = true\n}\npassword = var.db_password\n',
            "tests/fixture.yaml": "token: red-token\n",
        }
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            for name, text in {**samples, **clean}.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text)
            findings = scan(root, [root / n for n in {**samples, **clean}])
        flagged = {f.split(":", 1)[0] for f in findings}
        self.assertEqual(flagged, set(samples), "\n".join(findings))
        self.assertEqual(sum("k8s/x/values.yaml" in f for f in findings), 2)


if __name__ == "__main__":
    unittest.main()
