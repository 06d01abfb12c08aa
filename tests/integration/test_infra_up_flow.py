#!/usr/bin/env python3
"""The orchestration of `make infra-up` / `make infra-down` (scripts/infra-up.sh), with
`terraform` and `docker` replaced on PATH by recorders and the Kubernetes and Vault emulators
playing the cluster: nodes turning Ready, Argo CD's Applications going Progressing -> Healthy
(the emulator's controller stand-in), Vault uninitialised and sealed, reached by the real
vault-seed through the API server's service proxy; the real kind-wait, render-manifests,
preflight.sh and ingress-ca.sh (openssl). A small TLS server plays the ingress controller.

This checks the ORCHESTRATION (order, stop-on-failure, idempotence, no secret in the output),
not a real cluster: no Docker engine, no provider and no image is used.
"""

import base64
import http.client
import json
import os
import random
import re
import shutil
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))
sys.path.insert(0, HERE)

import k8s_harness as H  # noqa: E402
import sftest  # noqa: E402
from http_recorder import Recorder  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402

SCRIPT = os.path.join(sftest.SOURCE_DIR, "scripts", "infra-up.sh")
BUILD_DIR = os.path.dirname(os.path.abspath(sftest.BIN_DIR))
CLUSTER = "sf-flow"
SEED_SPEC = os.environ.get("SF_SEED_SPEC") or os.path.join(sftest.SOURCE_DIR, "vault", "seed.yaml")
MAKE_VARS = {"CLUSTER": "SF_CLUSTER", "STATE_DIR": "SF_STATE_DIR", "HTTP_PORT": "SF_HTTP_PORT",
             "HTTPS_PORT": "SF_HTTPS_PORT", "BUILD_DIR": "SF_BUILD_DIR", "TIMEOUT": "SF_TIMEOUT", "PURGE": "SF_PURGE"}
FAST = {"syncSeconds": 0.2, "reconcileDelaySeconds": 0.3, "progressingSeconds": 0.3, "refreshDelaySeconds": 0.1}
# argocd-server's initial admin password: 16 random letters and digits.
ADMIN_PASSWORD = "".join(random.SystemRandom().choice(string.ascii_letters + string.digits) for _ in range(16))
APPS = ("root", "git-server", "metallb", "nginx-ingress", "vault", "external-secrets", "prometheus", "opencost", "demo")

# The recorders. Each appends one JSON line per call to $FAKE_LOG and fails on purpose when
# $FAKE_FAIL names the call ("<stage>:<verb>" for terraform, "docker:<verb>").
FAKE_TERRAFORM = r'''#!/usr/bin/env python3
import hashlib, json, os, shutil, sys
args = sys.argv[1:]
chdir = ""
if args and args[0].startswith("-chdir="):
    chdir, args = args[0][len("-chdir="):], args[1:]
stage = os.path.basename(chdir.rstrip("/"))
verb = args[0] if args else ""
env = {k: v for k, v in os.environ.items() if k.startswith("TF_VAR_") or k in ("TF_DATA_DIR", "TF_IN_AUTOMATION")}
rec = {"tool": "terraform", "stage": stage, "verb": verb, "args": args[1:], "env": env}

def done(rc=0, **extra):
    rec.update(extra, rc=rc)
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(rec) + "\n")
    sys.exit(rc)

if verb == "version":
    print(json.dumps({"terraform_version": "1.11.4", "platform": "linux_amd64"}))
    done()
if os.environ.get("FAKE_FAIL") == stage + ":" + verb:
    sys.stderr.write("Error: injected failure of terraform %s in %s\n" % (verb, stage))
    done(1)
data = env["TF_DATA_DIR"]
if verb == "init":
    os.makedirs(data, exist_ok=True)
    backend = [a.split("path=", 1)[1] for a in args if a.startswith("-backend-config=path=")]
    with open(os.path.join(data, "backend"), "w") as f:
        f.write(backend[0])
    print("Terraform has been successfully initialized!")
    done()
with open(os.path.join(data, "backend")) as f:
    state_file = f.read()

def inputs():
    if stage == "cluster":
        paths = [env["TF_VAR_kind_config_path"]]
    else:
        paths = [os.path.join(env["TF_VAR_bootstrap_dir"], n) for n in ("namespaces.yaml", "root-application.yaml")]
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()

old = None
if os.path.exists(state_file):
    with open(state_file) as f:
        old = json.load(f)
if verb == "apply":
    digest = inputs()
    if old and old.get("inputs") == digest:
        print("No changes. Your infrastructure matches the configuration.")
        done(changes=0)
    resources = ["kind_cluster"] if stage == "cluster" else ["helm_release"]
    with open(state_file, "w") as f:
        json.dump({"resources": resources, "inputs": digest}, f)
    if stage == "cluster":
        kubeconfig = os.path.join(env["TF_VAR_state_dir"], "kubeconfig")
        shutil.copyfile(os.environ["FAKE_KUBECONFIG"], kubeconfig)
        os.chmod(kubeconfig, 0o600)
    print("Apply complete! Resources: 1 added, %d changed, 0 destroyed." % (1 if old else 0))
    done(changes=1)
if verb == "destroy":
    if stage == "cluster":
        k = os.path.join(env["TF_VAR_state_dir"], "kubeconfig")
        if os.path.exists(k):
            os.remove(k)
    with open(state_file, "w") as f:
        json.dump({"resources": []}, f)
    print("Destroy complete! Resources: 1 destroyed.")
    done()
sys.stderr.write("fake terraform: unexpected %s\n" % " ".join(sys.argv[1:]))
done(64)
'''

FAKE_DOCKER = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
verb = args[0] if args else ""
rec = {"tool": "docker", "verb": verb, "args": args[1:]}
def done(rc=0, out=""):
    rec["rc"] = rc
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(rec) + "\n")
    sys.stdout.write(out)
    sys.exit(rc)
if os.environ.get("FAKE_FAIL") == "docker:" + verb:
    sys.stderr.write("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n")
    done(1)
up = os.path.exists(os.path.join(os.environ["FAKE_STATE_DIR"], "cluster.tfstate")) and \
    '"kind_cluster"' in open(os.path.join(os.environ["FAKE_STATE_DIR"], "cluster.tfstate")).read()
if verb == "info":
    done(0, "28.2.2 17179869184\n")
if verb == "ps" and "-aq" in args:
    done(0, os.environ.get("FAKE_LEFT", "") + ("\n" if os.environ.get("FAKE_LEFT") else ""))
if verb == "ps":
    ports = "127.0.0.1:%s->80/tcp, 127.0.0.1:%s->443/tcp" % (os.environ["FAKE_HTTP_PORT"], os.environ["FAKE_HTTPS_PORT"])
    done(0, (ports + "\n") if up else "")
if args[:2] == ["network", "inspect"] and args[2:] == ["kind"]:
    done(0, json.dumps([{"Name": "kind", "IPAM": {"Config": [{"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"},
                                                               {"Subnet": "fc00:f853:ccd:e793::/64"}]},
                         "Containers": {"a1": {"Name": os.environ["FAKE_CLUSTER"] + "-control-plane",
                                               "IPv4Address": "172.18.0.3/16"}}}]) + "\n")
sys.stderr.write("fake docker: unexpected %s\n" % " ".join(args))
done(64)
'''

FAKE_CMAKE = "#!/bin/sh\necho 'CMake Error: injected build failure' >&2\nexit 1\n"


class Ingress(threading.Thread):
    """The ingress controller stand-in: TLS on 127.0.0.1:port with the certificate infra-up made
    (loaded per connection, as it appears in the state folder only during the run). It binds its
    port only once the cluster exists (the kubeconfig is there), as kind's port mapping does.
    Behind it, the UIs as the smoke check meets them:
      opencost /, prometheus /-/ready   NGINX basic auth: 401 unless the Authorization header is the
                                        user and password Vault holds (`credentials`)
      argocd                            Argo CD v3.4's API: GET /api/v1/applications 401 "no session
                                        information" without a session; POST /api/v1/session with
                                        {"username":"admin","password":...} from the cluster's Secret
                                        200 {"token"} and the argocd.token cookie, a wrong one 401
      vault /ui/                        200; /v1/... passed on to the Vault emulator, token and all
    `reject` holds UIs whose valid credentials are refused (an htpasswd out of date)."""

    def __init__(self, port, state_dir, credentials, admin_password, vault_url):
        super().__init__(daemon=True)
        self.port, self.state_dir, self.stop_flag, self.hosts = port, state_dir, threading.Event(), []
        self.credentials, self.admin_password, self.vault_url = credentials, admin_password, vault_url
        self.sessions, self.reject, self.answers = set(), set(), []

    def run(self):
        while not self.stop_flag.is_set() and not os.path.exists(os.path.join(self.state_dir, "kubeconfig")):
            time.sleep(0.05)
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(8)
        srv.settimeout(0.2)
        with srv:
            while not self.stop_flag.is_set():
                try:
                    conn, _ = srv.accept()
                except socket.timeout:
                    continue
                try:
                    self.answer(conn)
                except (OSError, ssl.SSLError):
                    pass
                finally:
                    conn.close()

    def route(self, ui, method, path, headers, body):
        """(code, extra headers, body) of one request."""
        if ui in ("opencost", "prometheus") and path == {"opencost": "/", "prometheus": "/-/ready"}[ui]:
            user, password = self.credentials(ui)
            expected = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
            if headers.get("authorization") == expected and ui not in self.reject:
                return 200, [], b"ok"
            return 401, [("WWW-Authenticate", 'Basic realm="%s"' % ui)], b"401 Authorization Required"
        if ui == "argocd" and path == "/api/v1/session" and method == "POST":
            try:
                login = json.loads(body)
            except ValueError:
                login = {}
            if login == {"username": "admin", "password": self.admin_password()} and ui not in self.reject:
                token = "session-%d" % len(self.sessions)
                self.sessions.add(token)
                return 200, [("Set-Cookie", "argocd.token=%s; path=/; SameSite=lax; httpOnly; Secure" % token),
                             ("Content-Type", "application/json")], json.dumps({"token": token}).encode()
            return 401, [("Content-Type", "application/json")], json.dumps(
                {"error": "Invalid username or password", "code": 16, "message": "Invalid username or password"}).encode()
        if ui == "argocd" and path == "/api/v1/applications":
            cookies = dict(c.strip().split("=", 1) for c in headers.get("cookie", "").split(";") if "=" in c)
            if cookies.get("argocd.token") in self.sessions:
                return 200, [("Content-Type", "application/json")], b'{"metadata":{},"items":[]}'
            return 401, [("Content-Type", "application/json")], json.dumps(
                {"error": "no session information", "code": 16, "message": "no session information"}).encode()
        if ui == "vault" and path == "/ui/":
            return 200, [("Content-Type", "text/html")], b"<html>Vault</html>"
        if ui == "vault" and path.startswith("/v1/"):
            req = urllib.request.Request(self.vault_url + path, method=method)
            if headers.get("x-vault-token"):
                req.add_header("X-Vault-Token", headers["x-vault-token"])
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return resp.status, [], resp.read()
            except urllib.error.HTTPError as e:
                return e.code, [], e.read()
        return 404, [], b"404 Not Found"

    def answer(self, conn):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(self.state_dir, "ingress.crt"), os.path.join(self.state_dir, "ingress.key"))
        conn.settimeout(5)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            while len(body) < int(headers.get("content-length") or 0):
                chunk = tls.recv(4096)
                if not chunk:
                    break
                body += chunk
            host = headers.get("host", "")
            self.hosts.append(host)
            code, extra, payload = self.route(host.split(".")[0], method, path, headers, body)
            self.answers.append((host.split(".")[0], method, path, code))
            reason = http.client.responses.get(code, "")
            out = "HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n" % (code, reason, len(payload))
            out += "".join("%s: %s\r\n" % h for h in extra) + "\r\n"
            tls.sendall(out.encode() + payload)


class FlowTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sf-flow-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state = os.path.join(self.tmp, "state", CLUSTER)
        self.log = os.path.join(self.tmp, "calls.jsonl")
        self.fakebin = os.path.join(self.tmp, "bin")
        os.makedirs(self.fakebin)
        for name, text in (("terraform", FAKE_TERRAFORM), ("docker", FAKE_DOCKER)):
            with open(os.path.join(self.fakebin, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(self.fakebin, name), 0o755)
        self.proc = os.path.join(self.tmp, "proc")
        os.makedirs(os.path.join(self.proc, "sys", "fs", "inotify"))
        for name, text in (("meminfo", "MemTotal: 32000000 kB\nMemAvailable: 16000000 kB\n"),
                           ("sys/fs/inotify/max_user_watches", "524288\n"),
                           ("sys/fs/inotify/max_user_instances", "512\n")):
            with open(os.path.join(self.proc, name), "w") as f:
                f.write(text)
        self.http_port, self.https_port = sftest.free_port(), sftest.free_port()

        pki = H.make_pki(os.path.join(self.tmp, "pki"), key="ec")
        self.vault = VaultEmulator().start()
        self.addCleanup(self.vault.stop)
        self.k8s = H.Emulator(pki=pki, argocd_controller=True, fixtures=self.cluster_objects()).start()
        self.addCleanup(self.k8s.stop)
        self.k8s.argocd(defaults=FAST)
        self.k8s.service_endpoint("vault", "vault", 8200, url=self.vault.url, pod="vault-0")
        # Stage 1 "creates" the cluster: the recorder copies this kubeconfig into the state folder.
        self.kubeconfig = self.k8s.kubeconfig(os.path.join(self.tmp, "emulator-kubeconfig"))
        self.k8s.service_endpoint("demo", "demo-db", 6379, url="drop:30", port_name="redis")
        self.ingress = Ingress(self.https_port, self.state, self.basic_auth, lambda: ADMIN_PASSWORD, self.vault.url)
        self.ingress.start()
        self.addCleanup(self.ingress.stop_flag.set)
        self.outputs = []

    def basic_auth(self, ui):
        """The user and password Vault holds for a UI's basic auth (what ESO turns into htpasswd)."""
        data = self.find_keys(self.vault.kv("secret", "platform/%s/basic-auth" % ui), "password")
        return data.get("username"), data.get("password")

    def cluster_objects(self):
        objs = H.kind_cluster(workers=2, ready=False, name=CLUSTER) + H.platform_crds()
        # What argocd-server writes at its first start.
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": "argocd-initial-admin-secret", "namespace": "argocd"},
                     "data": {"password": base64.b64encode(ADMIN_PASSWORD.encode()).decode()}})
        for ns in ("argocd", "vault", "external-secrets", "opencost", "prometheus", "demo"):
            objs.append(H.namespace(ns))
        objs += [H.deployment("argocd", "argocd-server"), H.deployment("argocd", "argocd-repo-server"),
                 H.pod("vault", "vault-0", ready=False, node_name=CLUSTER + "-worker"),
                 H.cluster_secret_store("vault"),
                 H.external_secret("opencost", "opencost-basic-auth", store="vault",
                                   data=(("password", "platform/opencost/basic-auth", "password"),))]
        for name in APPS:
            objs.append(H.application("argocd", name, sync="OutOfSync", health="Progressing", operation_phase=None,
                                      reconciled_at=time.time() - 60))
        return objs

    def children_sync_after_root(self):
        """Argo CD's automated sync of the children once the root app has synced them in: a
        thread that writes each child's `operation` when the root's sync (by kind-wait) starts."""
        def run():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not self.ingress.stop_flag.is_set():
                root = self.k8s.client().get("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root")
                op = (root.json().get("status") or {}).get("operationState") or {} if root.status == 200 else {}
                if (op.get("operation") or {}).get("initiatedBy", {}).get("username") == "kind-wait":
                    for name in APPS[1:]:
                        self.k8s.patch("applications", "argocd", name, {"operation": {
                            "initiatedBy": {"automated": True}, "sync": {"revision": "HEAD"}}})
                    return
                time.sleep(0.1)
        threading.Thread(target=run, daemon=True).start()

    def nodes_turn_ready(self, after=0.5):
        for name in (CLUSTER + "-control-plane", CLUSTER + "-worker", CLUSTER + "-worker2"):
            self.k8s.schedule(after, "apply", object=H.node(name, ready=True, cluster=CLUSTER))

    def env(self, **extra):
        env = dict(os.environ)
        env.update({
            "PATH": self.fakebin + os.pathsep + os.environ["PATH"],
            "SF_CLUSTER": CLUSTER, "SF_STATE_DIR": self.state, "SF_HTTP_PORT": str(self.http_port),
            "SF_HTTPS_PORT": str(self.https_port), "SF_BUILD_DIR": BUILD_DIR, "SF_TIMEOUT": "30s",
            "SF_STEP_TIMEOUT": "20s", "SF_PROC_DIR": self.proc, "SF_SEED_SPEC": SEED_SPEC,
            # The smoke check's retries and the NetworkPolicy probe's window, short for the test.
            "SF_SMOKE_SECONDS": "4", "SF_DENY_WINDOW": "1s",
            # Nothing may land in the real state folder, whatever a bug does with the paths.
            "XDG_STATE_HOME": os.path.join(self.tmp, "state"), "HOME": self.tmp,
            "FAKE_LOG": self.log, "FAKE_STATE_DIR": self.state, "FAKE_KUBECONFIG": self.kubeconfig,
            "FAKE_HTTP_PORT": str(self.http_port), "FAKE_HTTPS_PORT": str(self.https_port), "FAKE_CLUSTER": CLUSTER,
        })
        env.pop("KUBECONFIG", None)
        env.pop("VAULT_ADDR", None)
        env.pop("VAULT_TOKEN", None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run_flow(self, command="up", make=False, **extra):
        env = self.env(**extra)
        cmd = [SCRIPT, command]
        if make:
            # The Makefile's variables are the front door; they become the script's SF_* settings.
            cmd = ["make", "-C", sftest.SOURCE_DIR, "infra-" + command] + [
                "%s=%s" % (var, env[sf]) for var, sf in MAKE_VARS.items() if sf in env]
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
        r.elapsed = time.monotonic() - start
        self.outputs.append(r.stdout + r.stderr)
        return r

    def applications(self):
        r = self.k8s.client().get("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications")
        self.assertEqual(r.status, 200, r.body)
        return {a["metadata"]["name"]: a for a in r.json()["items"]}

    def find_keys(self, doc, key):
        """The innermost dict of a control-API answer that holds `key` (the KV data)."""
        if isinstance(doc, dict):
            if key in doc:
                return doc
            for v in doc.values():
                found = self.find_keys(v, key)
                if found:
                    return found
        if isinstance(doc, list):
            for v in reversed(doc):
                found = self.find_keys(v, key)
                if found:
                    return found
        return {}

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def steps(self, stderr):
        """[(number, name)] of the steps the run announced."""
        return [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^infra-up: \[(\d+)/\d+\] (.*)\.\.\.$", stderr, re.M)]

    def assert_no_secret_in_output(self):
        with open(os.path.join(self.state, "vault-init.json")) as f:
            init = json.load(f)
        secrets = list(init.get("unseal_keys_b64", [])) + list(init.get("unseal_keys_hex", []))
        secrets += [init.get("root_token") or ""]
        seed = init.get("vault_seed") or {}
        secrets += [v for k, v in seed.items() if "token" in k and isinstance(v, str) and len(v) > 8]
        for path in ("platform/opencost/basic-auth", "platform/prometheus/basic-auth", "apps/demo/db"):
            data = self.find_keys(self.vault.kv("secret", path), "password")
            self.assertTrue(data.get("password"), path)
            secrets += [data["password"]]
        with open(os.path.join(self.state, "ingress.key")) as f:
            key = f.read()
        secrets += [line for line in key.splitlines() if line and not line.startswith("-----")]
        secrets += [ADMIN_PASSWORD] + sorted(self.ingress.sessions)
        secrets = [s for s in secrets if s]
        self.assertGreater(len(secrets), 5, "the scan must have something to look for")
        text = "\n".join(self.outputs)
        for s in secrets:
            self.assertNotIn(s, text)

    def test_up_rerun_and_down(self):
        self.nodes_turn_ready()
        self.children_sync_after_root()
        r = self.run_flow(make=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        names = [n for _, n in self.steps(r.stderr)]
        self.assertEqual(len(names), 17, names)
        order = ["preflight", "build the tools", "state folder", "render the Kind cluster", "terraform stage 1",
                 "wait for 3 nodes Ready", "run-time facts", "local CA", "render the root Application",
                 "terraform stage 2", "wait for Argo CD", "wait for Vault's pod", "vault-seed", "refresh now",
                 "wait for every Application", "smoke check", "report"]
        for want, got in zip(order, names):
            self.assertTrue(got.startswith(want), (want, got))
        # What the recorders saw, in order: terraform stage 1, the kind network, stage 2.
        seen = [(c["tool"], c.get("stage", ""), c["verb"]) for c in self.calls() if c["verb"] != "version"]
        seen = [s for s in seen if s[2] != "info" and s[2] != "ps"]
        self.assertEqual(seen, [("terraform", "cluster", "init"), ("terraform", "cluster", "apply"),
                                ("docker", "", "network"), ("terraform", "platform", "init"),
                                ("terraform", "platform", "apply")])
        applies = [c for c in self.calls() if c["verb"] == "apply"]
        self.assertEqual(applies[0]["env"]["TF_VAR_kind_config_path"],
                         os.path.join(self.state, "bootstrap", "cluster", "kind-config.yaml"))
        self.assertEqual(applies[1]["env"]["TF_VAR_bootstrap_dir"], os.path.join(self.state, "bootstrap", "platform"))
        with open(os.path.join(self.state, "bootstrap", "platform", "root-application.yaml")) as f:
            root = f.read()
        self.assertIn("172.18.255.205-172.18.255.254", root)
        self.assertIn("172.18.0.3/32", root)
        # Files and modes.
        self.assertEqual(os.stat(self.state).st_mode & 0o777, 0o700)
        for name in ("kubeconfig", "vault-init.json", "ingress.key", "ingress-ca.key"):
            self.assertEqual(os.stat(os.path.join(self.state, name)).st_mode & 0o777, 0o600, name)
        # Vault initialised, unsealed and seeded through the proxy; the Applications healthy.
        self.assertFalse(self.vault.state()["sealed"])
        # vault/seed.yaml reads exactly the files ingress-ca.sh made: Vault holds them byte for byte.
        stored = self.find_keys(self.vault.kv("secret", "platform/ingress-tls"), "tls.key")
        for key, name in (("tls.crt", "ingress.crt"), ("tls.key", "ingress.key"), ("ca.crt", "ingress-ca.crt")):
            with open(os.path.join(self.state, name)) as f:
                self.assertEqual(stored.get(key), f.read(), key)
        self.assertEqual(sorted(stored), ["ca.crt", "tls.crt", "tls.key"])
        apps = self.applications()
        self.assertEqual(sorted(apps), sorted(APPS))
        self.assertEqual({n: (a["status"]["sync"]["status"], a["status"]["health"]["status"]) for n, a in apps.items()},
                         {n: ("Synced", "Healthy") for n in APPS})
        self.assertEqual(sorted(set(self.ingress.hosts)),
                         sorted("%s.localhost:%d" % (ui, self.https_port) for ui in ("argocd", "opencost", "prometheus", "vault")))
        self.assertIn("https://argocd.localhost:%d" % self.https_port, r.stdout)
        self.assertIn(os.path.join(self.state, "vault-init.json"), r.stdout)
        # The smoke check: each UI refused without credentials and answered with them.
        self.assertEqual(sorted(set(self.ingress.answers)), sorted({
            ("opencost", "GET", "/", 401), ("opencost", "GET", "/", 200),
            ("prometheus", "GET", "/-/ready", 401), ("prometheus", "GET", "/-/ready", 200),
            ("argocd", "GET", "/api/v1/applications", 401), ("argocd", "POST", "/api/v1/session", 200),
            ("argocd", "GET", "/api/v1/applications", 200), ("vault", "GET", "/ui/", 200),
            ("vault", "GET", "/v1/auth/token/lookup-self", 403), ("vault", "GET", "/v1/auth/token/lookup-self", 200)}))
        self.assertIn("NetworkPolicy: the API server's connection to demo/demo-db:6379 is denied", r.stderr)
        self.assertIn("no answer within 1.0 s while the API server dials the pod", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.state, "smoke")), "the smoke check's credentials were left")

        # make credentials NAME=...: the one asked for, on stdout only (kept out of the leak scan's outputs).
        def credential(name):
            env = self.env()
            return subprocess.run(["make", "-s", "-C", sftest.SOURCE_DIR, "credentials", "NAME=" + name] +
                                  ["%s=%s" % (var, env[sf]) for var, sf in MAKE_VARS.items() if sf in env],
                                  capture_output=True, text=True, timeout=60, env=env)
        got = credential("argocd")
        self.assertEqual((got.returncode, got.stdout), (0, ADMIN_PASSWORD), got.stderr)
        got = credential("opencost")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(json.loads(got.stdout), dict(zip(("username", "password"), self.basic_auth("opencost"))))
        got = credential("vault")
        with open(os.path.join(self.state, "vault-init.json")) as f:
            self.assertEqual(got.stdout, json.load(f)["vault_seed"]["seed_token"])
        got = credential("root-token")
        self.assertEqual((got.returncode, got.stdout), (2, ""))
        self.assertIn("NAME is one of argocd, opencost, prometheus, vault, demo-db", got.stderr)

        # A re-run on the running platform changes nothing: no terraform change, no Vault write.
        writes = self.vault.write_seq()
        calls_before = len(self.calls())
        again = self.run_flow()
        self.assertEqual(again.returncode, 0, again.stderr)
        rerun_applies = [c for c in self.calls()[calls_before:] if c["verb"] == "apply"]
        self.assertEqual([c["changes"] for c in rerun_applies], [0, 0])
        self.assertEqual(self.vault.write_count(since=writes), 0)
        self.assertIn("ingress.crt is current", again.stderr)
        print("\nfirst run %.1f s, re-run %.1f s (emulators, recorders)" % (r.elapsed, again.elapsed), file=sys.stderr)

        # A changed Kind setting would replace the cluster: refused at the render step.
        moved = self.run_flow(SF_HTTP_PORT=self.http_port + 1 if self.http_port < 65535 else 1024)
        self.assertEqual(moved.returncode, 1)
        self.assertIn("[4/17] render the Kind cluster's settings (bootstrap/cluster) FAILED", moved.stderr)
        self.assertIn("REPLACES the running cluster", moved.stderr)
        self.assertIn("REPLACE=1", moved.stderr)

        self.assert_no_secret_in_output()

        # infra-down: terraform destroy, the files gone, the init file and the CA kept.
        down = self.run_flow("down", make=True)
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assertEqual([c["verb"] for c in self.calls() if c["tool"] == "terraform"][-2:], ["init", "destroy"])
        self.assertEqual(sorted(os.listdir(self.state)), ["ingress-ca.crt", "ingress-ca.key", "vault-init.json"])
        self.assertIn("PURGE=1", down.stderr)
        purge = self.run_flow("down", SF_PURGE=1)
        self.assertEqual(purge.returncode, 0, purge.stderr)
        self.assertFalse(os.path.exists(self.state))
        left = self.run_flow("down", FAKE_LEFT="0123456789ab")
        self.assertEqual(left.returncode, 1)
        self.assertIn("docker rm -f 0123456789ab", left.stderr)

    def test_a_failure_at_each_step_stops_the_flow_naming_it(self):
        """Steps 1-4 fail on a fresh machine; steps 5-16 on a re-run of a running platform
        (a re-run passes every earlier step at once), each broken in its own way."""
        self.nodes_turn_ready(after=0)
        self.children_sync_after_root()
        fails = []
        # The build step's real `make build` runs in test_up_rerun_and_down and in step 2's case
        # below; the other runs record it instead, to keep this test fast on a loaded machine.
        noop_make = os.path.join(self.tmp, "make-recorder")
        with open(noop_make, "w") as f:
            f.write('#!/bin/sh\necho "make $* (recorded)" >&2\n')
        os.chmod(noop_make, 0o755)
        real_run = self.run_flow

        def run_flow(command="up", **extra):
            extra.setdefault("SF_MAKE", noop_make)
            return real_run(command, **extra)
        self.run_flow = run_flow

        def expect(step, name, run, *more):
            print("step %d failed after %.1f s" % (step, run.elapsed), file=sys.stderr)
            self.assertEqual(run.returncode, 1, (step, run.stderr))
            self.assertIn("[%d/17] %s" % (step, name), run.stderr, run.stderr[-3000:])
            self.assertIn("[%d/17] %s" % (step, name), run.stderr)
            self.assertRegex(run.stderr, r"\[%d/17\] .* FAILED \(exit \d+\): \S" % step)
            self.assertEqual(max(n for n, _ in self.steps(run.stderr)), step, run.stderr)
            for text in more:
                self.assertIn(text, run.stderr)
            fails.append(step)

        expect(1, "preflight", self.run_flow(FAKE_FAIL="docker:info"), "the Docker daemon does not answer")
        cmake = os.path.join(self.tmp, "cmake-bin")
        os.makedirs(cmake)
        with open(os.path.join(cmake, "cmake"), "w") as f:
            f.write(FAKE_CMAKE)
        os.chmod(os.path.join(cmake, "cmake"), 0o755)
        expect(2, "build the tools", self.run_flow(PATH=cmake + os.pathsep + self.fakebin + os.pathsep + os.environ["PATH"],
                                                   SF_MAKE="make"),
               "injected build failure")
        blocker = os.path.join(self.tmp, "a-file")
        open(blocker, "w").close()
        expect(3, "state folder", self.run_flow(SF_STATE_DIR=os.path.join(blocker, CLUSTER)))
        expect(4, "render the Kind cluster", self.run_flow(SF_WORKERS=9), "1 to 5")
        expect(5, "terraform stage 1", self.run_flow(FAKE_FAIL="cluster:apply"), "injected failure of terraform apply")

        # A platform that runs; every later failure is injected into a re-run of it.
        ok = self.run_flow()
        self.assertEqual(ok.returncode, 0, ok.stderr)

        self.k8s.apply(H.node(CLUSTER + "-worker2", ready=False, cluster=CLUSTER))
        expect(6, "wait for 3 nodes Ready", self.run_flow(SF_STEP_TIMEOUT="1s"), CLUSTER + "-worker2")
        self.k8s.apply(H.node(CLUSTER + "-worker2", ready=True, cluster=CLUSTER))
        expect(7, "run-time facts", self.run_flow(FAKE_FAIL="docker:network"))
        expect(8, "local CA", self.run_flow(SF_DOMAIN="Not_A_Domain"), "not a lower-case DNS name")
        # A file where the rendered folder goes (permissions would not stop root, who runs CI).
        platform_dir = os.path.join(self.state, "bootstrap", "platform")
        os.rename(platform_dir, platform_dir + ".kept")
        open(platform_dir, "w").close()
        expect(9, "render the root Application", self.run_flow(), "exists and is not a folder")
        os.remove(platform_dir)
        os.rename(platform_dir + ".kept", platform_dir)
        expect(10, "terraform stage 2", self.run_flow(FAKE_FAIL="platform:apply"))
        self.k8s.apply(H.deployment("argocd", "argocd-repo-server", progressing_reason="ProgressDeadlineExceeded",
                                    available=0, generation=2, observed=2, updated=0))
        expect(11, "wait for Argo CD", self.run_flow(SF_STEP_TIMEOUT="2s"), "argocd-repo-server")
        self.k8s.apply(H.deployment("argocd", "argocd-repo-server"))
        self.k8s.delete("pods", "vault", "vault-0")
        expect(12, "wait for Vault's pod", self.run_flow(SF_TIMEOUT="1s"), "vault-0")
        self.k8s.apply(H.pod("vault", "vault-0", node_name=CLUSTER + "-worker"))
        self.k8s.service_endpoint("vault", "vault", 8200, url=self.vault.url, pod="vault-0")
        self.vault.restart()  # sealed again, as after a Docker restart: without the init file it cannot go on
        os.rename(os.path.join(self.state, "vault-init.json"), os.path.join(self.tmp, "init.json"))
        expect(13, "vault-seed", self.run_flow(SF_TIMEOUT="5s"), "the init file is in")
        os.rename(os.path.join(self.tmp, "init.json"), os.path.join(self.state, "vault-init.json"))
        self.k8s.fault("status", code=403, method="PATCH", path_prefix="/apis/external-secrets.io/", times=50,
                       reason="Forbidden", message="external secrets: forbidden (injected)")
        expect(14, "refresh now", self.run_flow(), "forbidden")
        self.k8s.clear_faults()
        healthy = self.applications()["opencost"]["status"]["health"]
        self.k8s.patch_status("applications", "argocd", "opencost",
                              {"health": {"status": "Degraded", "message": "Deployment opencost: 0 of 1 ready"}})
        expect(15, "wait for every Application", self.run_flow(SF_TIMEOUT="10s", SF_DEGRADED_GRACE="0"),
               "0 of 1 ready")
        self.k8s.patch_status("applications", "argocd", "opencost", {"health": healthy})
        # A NetworkPolicy that does not hold (kindnetd failing open): the API server reaches the pod.
        echo = Recorder()
        self.addCleanup(echo.stop)
        self.k8s.service_endpoint("demo", "demo-db", 6379, url=echo.url, port_name="redis")
        expect(16, "smoke check", self.run_flow(), "NetworkPolicy: demo/demo-db:6379 was not denied",
               "the pod answered HTTP 200 through the API server's proxy")
        self.k8s.service_endpoint("demo", "demo-db", 6379, url="drop:30", port_name="redis")
        self.ingress.reject.add("prometheus")
        expect(16, "smoke check", self.run_flow(), "Prometheus with its basic auth", "answered '401', expected 200")
        self.ingress.reject.clear()
        self.ingress.stop_flag.set()
        self.ingress.join(5)
        expect(16, "smoke check", self.run_flow(), "expected 401")
        self.assertEqual(fails, list(range(1, 17)) + [16, 16])
        self.assert_no_secret_in_output()


if __name__ == "__main__":
    unittest.main(verbosity=2)
