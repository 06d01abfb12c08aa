"""kind-wait against kubectl, the reference client-go implementation, on a few hundred generated
kubeconfig scenarios (seeded, so a failure reproduces): one to three files, KUBECONFIG lists
with missing, duplicate and empty entries, --kubeconfig, --context, ~/.kube/config, every
credential kind (token, tokenFile, both, client certificates inline and in files, basic auth,
exec plugins, impersonation) and the files client-go refuses (wrong value types, apiVersion v2,
kind Pod, invalid YAML, a CA with insecure-skip-tls-verify...).

Both programs run on the same files against the same local stub API servers, which record
what arrives (which server, the path, the Authorization and Impersonate headers, the client
certificate's CN). For every scenario the outcome must agree: the same server and path and the
same credential, or the same failure class (the kubeconfig refused, the server's TLS certificate
untrusted, the connection refused, or "no usable context", where kubectl falls back to its
built-in default server, here a recording sentinel, and kind-wait stops with a usage error).
A difference fails the test with the scenario's files, so the next one is caught here, not by a
user. kubectl comes from the test dependencies (scripts/install-k8s-tools.sh); a missing
kubectl fails the test.

Deliberate differences, not generated: a username or password holding a control character
(kind-wait refuses it; Go sends it base64-encoded)."""
import base64
import concurrent.futures
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
from apiserver_stub import Pki, StubApiServer, kubectl_path  # noqa: E402

SEED = int(os.environ.get("SF_DIFF_SEED", "7"))
SCENARIOS = int(os.environ.get("SF_DIFF_SCENARIOS", "300"))
WORKERS = 3
POOL_CLUSTERS = ["c1", "c2", "c3"]
POOL_USERS = ["u1", "u2", "u3"]
POOL_CONTEXTS = ["ctx-a", "ctx-b", "ctx-c"]
YAML_GOTCHAS = ["y", "on", "no"]  # YAML 1.1 booleans: as names they are refused

PLUGIN = """#!{python}
import json, os
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": os.environ.get("PLUGIN_TOKEN", "none")}}}}))
"""


def b64file(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


class World:
    """The servers one worker uses: A and B (HTTPS, the good CA, client certificates checked when
    sent), P (plain HTTP), U (HTTPS with a certificate from a CA nobody trusts), H (the cluster of
    ~/.kube/config) and D (kubectl's default server, KUBERNETES_MASTER)."""

    def __init__(self, pki, other_pki):
        self.pki = pki
        self.servers = {
            "A": StubApiServer("A", pki=pki, client_ca=pki.ca_cert),
            "B": StubApiServer("B", pki=pki, client_ca=pki.ca_cert),
            "P": StubApiServer("P"),
            "U": StubApiServer("U", pki=other_pki),
            "H": StubApiServer("H", pki=pki, client_ca=pki.ca_cert),
            "D": StubApiServer("D"),
        }
        # A port nothing listens on.
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.closed_port = s.getsockname()[1]

    def take_logs(self):
        out = []
        for s in self.servers.values():
            out.extend(s.take_log())
        return sorted(out, key=lambda r: r["time"])

    def close(self):
        for s in self.servers.values():
            s.close()


class Scenario:
    def __init__(self, index):
        self.index = index
        self.files = {}        # relative name -> text
        self.extra_files = {}  # token files etc.
        self.kubeconfig_env = None  # None: unset
        self.explicit = None
        self.context = None
        self.home = False
        self.notes = []

    def describe(self, root):
        parts = [f"scenario {self.index} (SF_DIFF_SEED={SEED}): {'; '.join(self.notes)}"]
        if self.explicit:
            parts.append(f"--kubeconfig {self.explicit}")
        if self.kubeconfig_env is not None:
            parts.append(f"KUBECONFIG={self.kubeconfig_env!r}")
        if self.context:
            parts.append(f"--context {self.context}")
        for name, text in self.files.items():
            parts.append(f"--- {name}\n{text}")
        text = "\n".join(parts).replace(root, "$DIR")
        return re.sub(r"(-data: )[A-Za-z0-9+/=]{40,}", r"\1<base64>", text)


class Generator:
    def __init__(self, rng, world, pki, root):
        self.r = rng
        self.w = world
        self.pki = pki
        self.root = root

    def pick(self, weighted):
        total = sum(w for _, w in weighted)
        x = self.r.uniform(0, total)
        for value, w in weighted:
            x -= w
            if x <= 0:
                return value
        return weighted[-1][0]

    def server(self, s):
        kind = self.pick([("A", 30), ("B", 20), ("P", 16), ("U", 5), ("refused", 2), ("prefix", 4)])
        if kind == "refused":
            return f"https://127.0.0.1:{self.w.closed_port}"
        if kind == "prefix":
            return f"https://127.0.0.1:{self.w.servers['A'].port}/prefix/"
        port = self.w.servers[kind].port
        if kind == "P":
            return self.pick([(f"http://127.0.0.1:{port}", 4), (f"127.0.0.1:{port}", 2), (f"HTTP://localhost:{port}", 1)])
        return self.pick([(f"https://127.0.0.1:{port}", 6), (f"HTTPS://127.0.0.1:{port}", 2),
                          (f"https://localhost:{port}/", 2)])

    def cluster(self, s):
        lines = ["server: " + json.dumps(self.server(s))]
        ca = self.pick([("data", 55), ("file", 10), ("relfile", 8), ("none", 8), ("insecure", 8), ("wrong", 4),
                        ("data+file", 2), ("insecure+data", 2), ("quoted-insecure", 2)])
        if ca in ("data", "data+file", "insecure+data"):
            lines.append("certificate-authority-data: " + b64file(self.pki.ca_cert))
        if ca in ("file", "data+file"):
            lines.append("certificate-authority: " + self.pki.ca_cert)
        if ca == "relfile":
            with open(self.pki.ca_cert) as f:
                s.extra_files["pki/ca.crt"] = f.read()
            lines.append("certificate-authority: pki/ca.crt")
        if ca in ("insecure", "insecure+data"):
            lines.append("insecure-skip-tls-verify: true")
        if ca == "quoted-insecure":
            lines.append('insecure-skip-tls-verify: "true"')
        if ca == "wrong":
            lines.append("certificate-authority-data: " + b64file(self.other_ca))
        if self.r.random() < 0.05:
            lines.append("tls-server-name: " + self.r.choice(["localhost", "wrong.example"]))
        s.notes.append(f"ca={ca}")
        return lines

    def token(self):
        return "".join(self.r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(self.r.randint(6, 14)))

    def user(self, s, name):
        kind = self.pick([("token", 22), ("tokenFile", 9), ("token+tokenFile", 6), ("certdata", 14), ("certfile", 7),
                          ("mismatch", 3), ("basic", 6), ("none", 9), ("exec", 4), ("token+basic", 2),
                          ("numeric-token", 2), ("crlf-token", 1), ("spaces-token", 4), ("dup-token", 3),
                          ("missing-tokenfile", 2)])
        s.notes.append(f"{name}={kind}")
        lines = []
        tok = self.token()
        if kind in ("token", "token+tokenFile", "token+basic"):
            lines.append(f"token: {tok}")
        if kind in ("tokenFile", "token+tokenFile"):
            fname = f"tokens/{name}-{self.r.randint(0, 999)}"
            s.extra_files[fname] = self.token() + self.r.choice(["", "\n", "  \n"])
            lines.append("tokenFile: " + (fname if self.r.random() < 0.5 else os.path.join(self.root, fname)))
        if kind == "missing-tokenfile":
            lines.append("tokenFile: " + os.path.join(self.root, "no-such-token"))
        if kind in ("certdata", "certfile", "mismatch"):
            crt, key = self.client_certs[name]
            if kind == "mismatch":
                key = self.client_certs[self.r.choice([u for u in POOL_USERS if u != name])][1]
            if kind == "certfile":
                lines += ["client-certificate: " + crt, "client-key: " + key]
            else:
                lines += ["client-certificate-data: " + b64file(crt), "client-key-data: " + b64file(key)]
        if kind in ("basic", "token+basic"):
            lines += [f"username: admin-{name}", f"password: {self.token()}"]
        if kind == "numeric-token":
            lines.append(f"token: {self.r.randint(10000, 99999)}")
        if kind == "crlf-token":
            lines.append('token: "' + tok + '\\r\\nX-Injected: yes"')
        if kind == "spaces-token":
            lines.append('token: "' + self.r.choice(["", "  "]) + tok + self.r.choice(["   ", "\\t ", ""]) + '"')
        if kind == "dup-token":
            lines += [f"token: first-{tok}", f"token: last-{tok}"]
        if kind == "exec":
            lines += ["exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: " + self.plugin,
                      "  interactiveMode: Never", f"  env: [{{name: PLUGIN_TOKEN, value: exec-{name}-{tok}}}]"]
        if self.r.random() < 0.08:
            lines += [f"as: someone-{name}", "as-groups: [ops, dev]"]
        return lines

    def file_text(self, s):
        out = []
        head = self.pick([("normal", 90), ("v2", 2), ("pod", 2), ("none", 6)])
        if head == "normal":
            out += ["apiVersion: v1", "kind: Config"]
        elif head == "v2":
            out += ["apiVersion: v2", "kind: Config"]
        elif head == "pod":
            out += ["apiVersion: v1", "kind: Pod"]
        if head != "normal":
            s.notes.append(f"head={head}")
        clusters = self.r.sample(POOL_CLUSTERS, self.r.randint(1, 2) if self.r.random() < 0.9 else 0)
        users = self.r.sample(POOL_USERS, self.r.randint(1, 2) if self.r.random() < 0.9 else 0)
        contexts = self.r.sample(POOL_CONTEXTS, self.r.randint(1, 2) if self.r.random() < 0.9 else 0)
        if contexts and self.r.random() < 0.02:
            contexts[0] = self.r.choice(YAML_GOTCHAS)
            s.notes.append(f"context named {contexts[0]}")
        if clusters:
            out.append("clusters:")
            for c in clusters:
                out += [f"- name: {c}", "  cluster:"] + ["    " + l for l in self.cluster(s)]
        if users:
            out.append("users:")
            for u in users:
                body = self.user(s, u)
                out += [f"- name: {u}", "  user:" + ("" if body else " {}")] + ["    " + l for l in body]
        if contexts:
            out.append("contexts:")
            for x in contexts:
                # Mostly entries of this file; sometimes another file's, or none at all.
                cl = self.r.choice(clusters) if clusters and self.r.random() < 0.7 else self.r.choice(POOL_CLUSTERS)
                us = self.r.choice(users) if users and self.r.random() < 0.7 else self.r.choice(POOL_USERS)
                if self.r.random() < 0.04:
                    cl, us = self.r.choice([("c-missing", us), (cl, "u-missing")])
                out += [f"- name: {x}", "  context:", f"    cluster: {cl}", f"    user: {us}"]
        current = self.pick([("here", 66), ("pool", 8), ("empty", 4), ("absent", 18), ("twice", 4)])
        if current == "here" and contexts:
            out.append("current-context: " + self.r.choice(contexts))
        elif current in ("pool", "here"):
            out.append("current-context: " + self.r.choice(POOL_CONTEXTS))
        elif current == "empty":
            out.append('current-context: ""')
        elif current == "twice":
            out += ["current-context: " + self.r.choice(POOL_CONTEXTS), "current-context: " + self.r.choice(POOL_CONTEXTS)]
        text = "\n".join(out) + "\n"
        damage = self.pick([("none", 95), ("empty", 3), ("yaml", 2)])
        if damage == "empty":
            text = ""
        elif damage == "yaml":
            text += "clusters: [\n"
        if damage != "none":
            s.notes.append(f"damage={damage}")
        return text

    def scenario(self, index):
        s = Scenario(index)
        names = [f"f{i}.yaml" for i in range(self.r.randint(1, 3))]
        for n in names:
            s.files[n] = self.file_text(s)
        how = self.pick([("env", 70), ("explicit", 15), ("colon", 3), ("unset", 6), ("env-missing", 6)])
        paths = [os.path.join(self.root, n) for n in names]
        if how == "explicit":
            s.explicit = paths[0] if self.r.random() < 0.95 else os.path.join(self.root, "missing.yaml")
        elif how == "colon":
            s.kubeconfig_env = self.r.choice([":", "::", ""])  # "" counts as unset
        elif how == "env":
            order = paths[:]
            self.r.shuffle(order)
            if self.r.random() < 0.2:
                order.insert(self.r.randint(0, len(order)), os.path.join(self.root, "missing.yaml"))
            if self.r.random() < 0.1:
                order.append(order[0])
            env = ":".join(order)
            if self.r.random() < 0.05:
                env = ":" + env + ":"
            s.kubeconfig_env = env
        elif how == "env-missing":
            s.kubeconfig_env = os.path.join(self.root, "missing.yaml")
        s.home = self.r.random() < 0.3
        if self.r.random() < 0.15:
            s.context = self.r.choice(POOL_CONTEXTS + ["nope"])
        s.notes.insert(0, f"files={len(names)} via={how} home={s.home}")
        return s


# ---- outcomes

DEFAULT_SERVER_PROBLEMS = ("no current-context is set", "was not found for context", "cluster was not specified",
                           "no configuration has been provided", "no kubeconfig found", "names no file")
KUBECTL_CONFIG_ERRORS = ("error loading config file", "invalid configuration", "json: cannot unmarshal",
                         "no kind", "couldn't get version/kind", "does not exist", "context was not found",
                         "unable to read", "private key does not match public key", "failed to find any PEM data",
                         "unable to load root certificates", "unsupported protocol scheme",
                         "invalid header field value", "more than one authentication method",
                         "specifying a root certificates file with the insecure flag is not allowed",
                         "read empty token", "failed to read token file", "no such file or directory",
                         "yaml: line", "mapping values are not allowed", "are both specified")


def kind_wait_class(rc, err):
    if "cannot verify the API server" in err:
        return "tls-untrusted"
    if rc == 1 and "never answered" in err and "cannot connect" in err:
        return "connect"
    if rc == 2:
        lines = [l for l in err.splitlines() if l.strip()]
        problems = [l for l in lines[1:] if l.startswith("  ")] or lines
        if all(any(p in line for p in DEFAULT_SERVER_PROBLEMS) and "does not exist" not in line for line in problems):
            return "default-server"
        return "config-refused"
    return f"unexpected rc={rc}: {err.strip()[:300]}"


def kubectl_class(rc, err):
    if "x509:" in err or "tls: failed to verify" in err or "certificate signed by unknown authority" in err:
        return "tls-untrusted"
    if "connection refused" in err or " was refused" in err:
        return "connect"
    if rc != 0 and any(p in err for p in KUBECTL_CONFIG_ERRORS):
        return "config-refused"
    return f"unexpected rc={rc}: {err.strip()[:300]}"


PROBE_USER = "sf-probe"
PROBE_AUTHORIZATION = "Basic " + base64.b64encode(f"{PROBE_USER}:".encode()).decode()


def outcome(rc, err, logs, classify):
    logs = [r for r in logs if not r["path"].split("?")[0].endswith("/version")]  # kubectl asks first
    if logs:
        first = logs[0]
        if first["server"] == "D":
            return ("default-server",)
        # kubectl's --raw path is absolute (it drops the server URL's path prefix); client-go's
        # requests, like kind-wait's, keep it. Compared without it.
        path = first["path"].split("?")[0]
        if path.startswith("/prefix/"):
            path = path[len("/prefix"):]
        authorization = first["authorization"]
        if authorization == PROBE_AUTHORIZATION:
            authorization = None  # see run_one: the username kubectl was given instead of prompting
        return ("reached" if rc == 0 else f"reached, then rc={rc}", first["server"], path,
                authorization, first["client_cn"], tuple(first["impersonate"]))
    return (classify(rc, err),)


class DifferentialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kubectl = kubectl_path()
        cls.kind_wait = sftest.binary("kind-wait")
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-kubeconfig-diff-")
        cls.pki = Pki(os.path.join(cls.tmp.name, "pki"))
        cls.other = Pki(os.path.join(cls.tmp.name, "other-pki"), name="other")
        cls.client_certs = {u: cls.pki.client(f"user-{u}") for u in POOL_USERS}
        cls.plugin = os.path.join(cls.tmp.name, "auth-plugin")
        with open(cls.plugin, "w") as f:
            f.write(PLUGIN.format(python=sys.executable))
        os.chmod(cls.plugin, 0o755)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_one(self, world, scenario, root):
        os.makedirs(root, exist_ok=True)
        past = time.time() - 600  # old files: kind-wait's "being written" retry does not apply
        for name, text in list(scenario.files.items()) + list(scenario.extra_files.items()):
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            os.utime(path, (past, past))
        home = os.path.join(root, "home")
        os.makedirs(os.path.join(home, ".kube"), exist_ok=True)
        if scenario.home:
            with open(os.path.join(home, ".kube", "config"), "w") as f:
                f.write("apiVersion: v1\nkind: Config\ncurrent-context: home\ncontexts:\n"
                        "- {name: home, context: {cluster: home, user: home}}\nclusters:\n- name: home\n  cluster:\n"
                        f"    server: {world.servers['H'].url}\n    certificate-authority-data: {b64file(self.pki.ca_cert)}\n"
                        "users:\n- {name: home, user: {token: home-token}}\n")
            os.utime(os.path.join(home, ".kube", "config"), (past, past))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
               "KUBERNETES_MASTER": world.servers["D"].url, "NO_COLOR": "1"}
        if scenario.kubeconfig_env is not None:
            env["KUBECONFIG"] = scenario.kubeconfig_env
        flags = []
        if scenario.explicit:
            flags += ["--kubeconfig", scenario.explicit]
        if scenario.context:
            flags += ["--context", scenario.context]
        results = {}
        for tool, args, classify in (
                ("kubectl", [self.kubectl, "get", "--raw", "/api/v1/nodes", "--request-timeout=5s"], kubectl_class),
                ("kind-wait", [self.kind_wait, "--list", "nodes", "--timeout", "1s", "-q"], kind_wait_class)):
            world.take_logs()
            p = subprocess.run(args + flags, env=env, cwd="/", capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
            if tool == "kubectl" and "Please enter Username" in p.stdout:
                # No credential for an https server: kubectl asks for a username on stdin (its
                # --password flag makes the loader interactive), kind-wait goes on without one. Ask
                # again with a username given, so the rest (server, TLS, certificate) is compared.
                world.take_logs()
                p = subprocess.run(args + flags + ["--username", PROBE_USER], env=env, cwd="/", capture_output=True,
                                   text=True, timeout=60, stdin=subprocess.DEVNULL)
            results[tool] = (outcome(p.returncode, p.stderr, world.take_logs(), classify), p.stderr.strip())
        return results

    def test_kind_wait_reads_kubeconfigs_as_kubectl_does(self):
        rng = random.Random(SEED)
        worlds = [World(self.pki, self.other) for _ in range(WORKERS)]
        try:
            jobs = []
            for i in range(SCENARIOS):
                root = os.path.join(self.tmp.name, f"s{i}")
                gen = Generator(rng, worlds[i % WORKERS], self.pki, root)
                gen.client_certs = self.client_certs
                gen.other_ca = self.other.ca_cert
                gen.plugin = self.plugin
                jobs.append((worlds[i % WORKERS], gen.scenario(i), root))

            def work(w):
                return [(s, root, self.run_one(world, s, root)) for world, s, root in jobs if world is w]

            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                done = [r for chunk in pool.map(work, worlds) for r in chunk]
        finally:
            for w in worlds:
                w.close()
        mismatches = []
        classes = {}
        for s, root, results in done:
            k, kw = results["kubectl"][0], results["kind-wait"][0]
            classes[k[0]] = classes.get(k[0], 0) + 1
            if k != kw:
                mismatches.append(f"{s.describe(root)}\n  kubectl:   {k}\n    {results['kubectl'][1][:400]}\n"
                                  f"  kind-wait: {kw}\n    {results['kind-wait'][1][:400]}")
        print(f"{len(done)} scenarios; kubectl outcomes: {classes}", file=sys.stderr)
        # Every outcome class is exercised, so a generator change cannot quietly stop testing one.
        for expected in ("reached", "default-server", "config-refused", "tls-untrusted"):
            self.assertGreater(classes.get(expected, 0), 0, f"no scenario ended '{expected}': {classes}")
        self.assertEqual(mismatches, [], f"{len(mismatches)} of {len(done)} scenarios differ from kubectl:\n\n" +
                         "\n\n".join(mismatches[:8]))


if __name__ == "__main__":
    unittest.main()
