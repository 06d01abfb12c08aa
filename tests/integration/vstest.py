"""Helpers for vault-seed's integration tests: a workspace per test (its own HOME, state folder
with an ingress CA and certificate made by openssl, a copy of vault/seed.yaml and its policies),
runs of the built binary that are all recorded, and the leak scan every test ends with: no
generated value, unseal share or token in any run's stdout or stderr, in the argv or
environment of a child process (the kubeconfig exec plugin records its own), or in any file
but the init file (and the old init files moved aside), each of mode 0600.

Python 3 standard library only; every wait is bounded."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
from vault_harness import VaultEmulator  # noqa: E402,F401

SPEC_SOURCE = os.path.join(sftest.SOURCE_DIR, "vault")
# Keys of vault/seed.yaml whose values come from files (not generated here).
FILE_KEYS = {("platform/ingress-tls", "tls.crt"), ("platform/ingress-tls", "tls.key"),
             ("platform/ingress-tls", "ca.crt")}


def openssl(*args, cwd=None):
    exe = sftest.require_program("openssl", "openssl")
    r = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), r.stderr))


def make_ingress_files(folder, domain="localhost"):
    """What infra-up makes at bootstrap: a CA and a *.DOMAIN certificate, keys 0600."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=sovereign-finops test CA", "-keyout", "ingress-ca.key", "-out", "ingress-ca.crt", cwd=folder)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=*." + domain,
            "-keyout", "ingress.key", "-out", "ingress.csr", cwd=folder)
    with open(os.path.join(folder, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:*.%s,DNS:%s\n" % (domain, domain))
    openssl("x509", "-req", "-in", "ingress.csr", "-CA", "ingress-ca.crt", "-CAkey", "ingress-ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "ingress.crt", cwd=folder)
    for name in ("ingress-ca.key", "ingress.key"):
        os.chmod(os.path.join(folder, name), 0o600)
    for name in ("ingress.csr", "san.ext", "ingress-ca.srl"):
        try:
            os.unlink(os.path.join(folder, name))
        except FileNotFoundError:
            pass


class Run:
    def __init__(self, argv, env, proc):
        self.argv = argv
        self.env = env
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def items(self):
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def item(self, step, path):
        found = [i for i in self.items if i["step"] == step and i["path"] == path]
        if len(found) != 1:
            raise AssertionError("expected one %s item for %s, got %r\nstdout:\n%s\nstderr:\n%s"
                                 % (step, path, found, self.stdout, self.stderr))
        return found[0]

    def actions(self, step=None):
        return {i["path"]: i["action"] for i in self.items if step is None or i["step"] == step}

    def __repr__(self):
        return "Run(rc=%s)\nstdout:\n%s\nstderr:\n%s" % (self.returncode, self.stdout, self.stderr)


class Workspace:
    """One test's vault-seed world. Use as a context manager; `scan_leaks(vault)` before exit."""

    def __init__(self, cluster="test", spec_text=None, ingress=True):
        self.tmp = tempfile.mkdtemp(prefix="vault-seed-it-")
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home, 0o700)
        self.state = os.path.join(self.tmp, "state", "sovereign-finops", cluster)
        os.makedirs(self.state, 0o700)
        os.chmod(os.path.join(self.tmp, "state"), 0o700)
        self.repo = os.path.join(self.tmp, "repo")
        shutil.copytree(SPEC_SOURCE, os.path.join(self.repo, "vault"))
        self.spec = os.path.join(self.repo, "vault", "seed.yaml")
        if spec_text is not None:
            self.write_spec(spec_text)
        if ingress:
            make_ingress_files(self.state)
        self.runs = []
        self.child_records = os.path.join(self.tmp, "child-records")
        os.mkdir(self.child_records, 0o700)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_spec(self, text):
        with open(self.spec, "w") as f:
            f.write(text)

    def spec_text(self):
        with open(self.spec) as f:
            return f.read()

    @property
    def init_file(self):
        return os.path.join(self.state, "vault-init.json")

    def init_material(self):
        with open(self.init_file) as f:
            return json.load(f)

    def base_env(self, vault=None, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "LANG": "C.UTF-8"}
        if vault is not None:
            env["VAULT_ADDR"] = vault.url
        env.update({k: v for k, v in extra.items() if v is not None})
        return env

    def argv(self, *args, timeout="30s"):
        return [sftest.binary("vault-seed"), "--spec", self.spec, "--state-dir", self.state, "--timeout", timeout,
                "-o", "jsonl", *args]

    def run(self, *args, vault=None, env=None, input=None, timeout="30s", wall=90, raw_argv=None):
        argv = raw_argv or self.argv(*args, timeout=timeout)
        e = env if env is not None else self.base_env(vault)
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=wall, env=e, cwd=self.tmp)
        run = Run(argv, e, proc)
        self.runs.append(run)
        return run

    def start(self, *args, vault=None, env=None, timeout="30s"):
        """A run in the background (concurrency tests); finish it with finish(proc)."""
        argv = self.argv(*args, timeout=timeout)
        e = env if env is not None else self.base_env(vault)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e, cwd=self.tmp)
        proc.sf_argv, proc.sf_env = argv, e
        return proc

    def finish(self, proc, wall=90):
        out, err = proc.communicate(timeout=wall)
        proc.stdout_text, proc.stderr_text = out, err

        class P:
            pass
        p = P()
        p.returncode, p.stdout, p.stderr = proc.returncode, out, err
        run = Run(proc.sf_argv, proc.sf_env, p)
        self.runs.append(run)
        return run

    # -- the leak scan --

    def exec_plugin(self, token):
        """An exec credential plugin for a kubeconfig that records its argv and environment
        (vault-seed's only child process), then prints the token."""
        path = os.path.join(self.tmp, "exec-plugin.py")
        with open(path, "w") as f:
            f.write("#!%s\nimport json, os, sys, time\n" % sys.executable)
            f.write("rec = os.path.join(%r, 'exec-%%d-%%d.json' %% (os.getpid(), time.time_ns()))\n" % self.child_records)
            f.write("json.dump({'argv': sys.argv, 'env': dict(os.environ)}, open(rec, 'w'))\n")
            f.write("print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential',"
                    " 'status': {'token': %r}}))\n" % token)
        os.chmod(path, 0o700)
        return path

    def secrets_in(self, vault):
        """Every value vault-seed generated, every unseal share and every token it knows of."""
        values = set()
        for path, entry in vault.kv("secret").items():
            for version in entry["versions"].values():
                for key, value in (version.get("data") or {}).items():
                    if (path, key) not in FILE_KEYS and isinstance(value, str) and len(value) >= 8:
                        values.add(value)
        try:
            m = vault.init_material()
            values.update(m.get("keys") or [])
            values.update(m.get("keys_base64") or [])
            if m.get("root_token"):
                values.add(m["root_token"])
        except Exception:  # noqa: BLE001 - an emulator started initialised by the test has none of ours
            pass
        for name in os.listdir(self.state):
            if name.startswith("vault-init.json") and not name.endswith(".lock"):
                with open(os.path.join(self.state, name)) as f:
                    try:
                        doc = json.load(f)
                    except ValueError:
                        continue
                values.update(doc.get("unseal_keys_b64", []) + doc.get("unseal_keys_hex", []))
                for k in ("root_token",):
                    if doc.get(k):
                        values.add(doc[k])
                seed = (doc.get("vault_seed") or {}).get("seed_token")
                if seed:
                    values.add(seed)
        return {v for v in values if v}

    def scan_leaks(self, test, vault, extra_secrets=()):
        secrets = self.secrets_in(vault) | set(extra_secrets)
        test.assertTrue(secrets, "the leak scan found no secrets to look for: it would prove nothing")
        for run in self.runs:
            for s in secrets:
                test.assertNotIn(s, run.stdout, "a secret on stdout of %s" % run.argv)
                test.assertNotIn(s, run.stderr, "a secret on stderr of %s" % run.argv)
                test.assertFalse(any(s in a for a in run.argv), "a secret on the argv of %s" % run.argv)
        for name in os.listdir(self.child_records):
            with open(os.path.join(self.child_records, name)) as f:
                text = f.read()
            for s in secrets:
                test.assertNotIn(s, text, "a secret in the argv or environment of a child process (%s)" % name)
        for root, _dirs, files in os.walk(self.tmp):
            for name in files:
                path = os.path.join(root, name)
                if root == self.state and name.startswith("vault-init.json") and not name.endswith(".lock"):
                    mode = stat.S_IMODE(os.stat(path).st_mode)
                    test.assertEqual(mode, 0o600, "%s has mode %o" % (path, mode))
                    continue
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue  # sockets (gpg-agent), links
                with open(path, "rb") as f:
                    data = f.read()
                for s in secrets:
                    test.assertNotIn(s.encode(), data, "a secret in %s" % path)
