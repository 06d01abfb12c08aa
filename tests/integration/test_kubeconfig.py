"""kubeconfig loading, end to end through kind-wait against the API emulator: inline versus file
credentials, tokens and tokenFile, client-go's merge example (the result itself is unit-tested
in kubeconfig_test.cc), contexts, relative paths, tls-server-name,
insecure-skip-tls-verify, exec credential plugins, a kubeconfig kind is still writing, and bad
files with errors that name the file and the field."""
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_kind_wait as T  # noqa: E402  (shared helpers; its test classes are not collected here)

from apiserver_stub import kubectl_path  # noqa: E402

H = T.H

# client-go tools/clientcmd/loader_test.go: testConfigAlfa and testConfigConflictAlfa, used by
# Example_mergingSomeWithConflict with KUBECONFIG=1-first.yaml:2-second.yaml.
FIRST = """apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: {cow1}
contexts:
- name: federal-context
  context:
    cluster: cow-cluster
    namespace: hammer-ns
    user: red-user
current-context: ""
users:
- name: red-user
  user:
    token: red-token
"""
SECOND = """apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: {cow2}
    insecure-skip-tls-verify: true
    disable-compression: true
- name: donkey-cluster
  cluster:
    server: {donkey}
    insecure-skip-tls-verify: true
    disable-compression: true
contexts: []
current-context: federal-context
users:
- name: red-user
  user:
    token: a-different-red-token
- name: yellow-user
  user:
    token: yellow-token
"""
def write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def node_names(run):
    return [n["name"] for n in run.lines()]


class CredentialsTest(T.KindWaitCase):
    def setUp(self):
        self.emu = self.emulator(H.kind_cluster(workers=1), token="s3cret-token")

    def listed(self, kc, **env):
        r = T.run(["--kubeconfig", kc, "--list", "nodes"], env=T.clean_env(**env))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(node_names(r), ["kind-control-plane", "kind-worker"])
        return self.emu.requests_log(path_prefix="/api/v1/nodes")[-1]

    def test_inline_certificates(self):
        entry = self.listed(self.kubeconfig(self.emu, "inline", inline=True))
        self.assertEqual((entry["auth"], entry["client_cert"]), ("x509", "valid"))

    def test_certificate_files(self):
        entry = self.listed(self.kubeconfig(self.emu, "files", inline=False))
        self.assertEqual((entry["auth"], entry["client_cert"]), ("x509", "valid"))

    def test_inline_material_never_touches_the_disk(self):
        kc = self.kubeconfig(self.emu, "inline-only", inline=True)
        before = set(os.listdir(self.tmp.name))
        self.listed(kc, TMPDIR=self.tmp.name)
        self.assertEqual(set(os.listdir(self.tmp.name)), before)

    def test_token_and_token_file_relative_to_the_kubeconfig(self):
        entry = self.listed(self.kubeconfig(self.emu, "token", auth="token"))
        self.assertEqual((entry["auth"], entry["bearer"]), ("token", "valid"))
        d = os.path.join(self.tmp.name, "tokdir")
        write(os.path.join(d, "secrets", "token"), "s3cret-token\n")
        kc = H.write_kubeconfig(os.path.join(d, "config"), self.emu.url, ca=self.pki.ca_cert,
                                token_file="secrets/token")
        # Run from elsewhere: the path resolves against the kubeconfig's folder, not the cwd.
        r = subprocess.run([T.kind_wait(), "--kubeconfig", kc, "--list", "nodes"], capture_output=True, text=True,
                           env=T.clean_env(), cwd="/", timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.emu.requests_log(path_prefix="/api/v1/nodes")[-1]["bearer"], "valid")

    def test_relative_certificate_paths(self):
        d = os.path.join(self.tmp.name, "reldir")
        os.makedirs(os.path.join(d, "pki"), exist_ok=True)
        for name in ("ca.crt", "client.crt", "client.key"):
            shutil.copy(os.path.join(self.pki.dir, name), os.path.join(d, "pki", name))
        kc = H.write_kubeconfig(os.path.join(d, "config"), self.emu.url, ca="pki/ca.crt", inline=False,
                                client_cert="pki/client.crt", client_key="./pki/client.key")
        r = subprocess.run([T.kind_wait(), "--kubeconfig", kc, "--list", "nodes"], capture_output=True, text=True,
                           env=T.clean_env(), cwd="/", timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_tls_server_name(self):
        kc = self.kubeconfig(self.emu, "sni-ok", tls_server_name="localhost")  # a SAN of the server cert
        self.listed(kc)
        kc = self.kubeconfig(self.emu, "sni-bad", tls_server_name="wrong.example")
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cannot verify the API server", r.err)

    def test_insecure_skip_tls_verify_without_ca(self):
        kc = self.kubeconfig(self.emu, "insecure", ca=None, insecure_skip_tls_verify=True)
        self.listed(kc)

    def test_default_kubeconfig_in_home(self):
        home = os.path.join(self.tmp.name, "home")
        self.kubeconfig(self.emu, "unused")  # make sure the emulator has a kubeconfig written elsewhere too
        os.makedirs(os.path.join(home, ".kube"), exist_ok=True)
        self.emu.kubeconfig(os.path.join(home, ".kube", "config"))
        r = T.run(["--list", "nodes"], env=T.clean_env(HOME=home))
        self.assertEqual(r.rc, 0, r)


class MergeTest(T.KindWaitCase):
    def test_client_go_example_drives_kind_wait(self):
        """The same two files, with the example's servers replaced by emulators: the first file's
        cow-cluster must be the one used (its nodes are listed), through the second file's
        current-context."""
        cow_plain = H.Emulator(fixtures=[H.node("cow-node")]).start()
        self.addCleanup(cow_plain.stop)
        donkey_plain = H.Emulator(fixtures=[H.node("donkey-node")]).start()
        self.addCleanup(donkey_plain.stop)
        servers = {"cow1": cow_plain.url, "cow2": "http://127.0.0.1:%d" % H.free_port(),
                   "donkey": donkey_plain.url}
        d = os.path.join(self.tmp.name, "example-emu")
        first = write(os.path.join(d, "1-first.yaml"), FIRST.format(**servers))
        second = write(os.path.join(d, "2-second.yaml"), SECOND.format(**servers))
        r = T.run(["--list", "nodes"], env=T.clean_env(KUBECONFIG="%s:%s:%s" % (first, second, first)))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(node_names(r), ["cow-node"])
        # Plain http: the token is not sent in clear text.
        self.assertEqual(cow_plain.requests_log(path_prefix="/api/v1/nodes")[-1]["bearer"], "none")
        # Reversed order: the second file's cow-cluster (nothing listening there) wins.
        r = T.run(["--list", "nodes", "--timeout", "1s"], env=T.clean_env(KUBECONFIG="%s:%s" % (second, first)))
        self.assertEqual(r.rc, 1, r)
        self.assertIn("never answered", r.err)
        self.assertIn(servers["cow2"], r.err)

    def test_first_file_wins_a_user_as_a_whole_entry(self):
        """Over TLS: the first file's red-user has a good token only; the second file's red-user
        has a wrong token plus a valid client certificate. Only the first entry counts, so the
        request carries the token and no certificate."""
        emu = self.emulator(H.kind_cluster(workers=0), token="red-token")
        d = os.path.join(self.tmp.name, "whole")
        os.makedirs(d, exist_ok=True)
        first = H.write_kubeconfig(os.path.join(d, "first"), emu.url, ca=self.pki.ca_cert, token="red-token",
                                   name="federal", user="red-user", current_context=False)
        second = H.write_kubeconfig(os.path.join(d, "second"), "https://127.0.0.1:%d" % H.free_port(),
                                    ca=self.pki.ca_cert, token="a-different-red-token", name="federal",
                                    user="red-user", client_cert=self.pki.client_cert,
                                    client_key=self.pki.client_key)
        r = T.run(["--list", "nodes"], env=T.clean_env(KUBECONFIG=first + ":" + second))
        self.assertEqual(r.rc, 0, r)
        entry = emu.requests_log(path_prefix="/api/v1/nodes")[-1]
        self.assertEqual((entry["bearer"], entry["client_cert"]), ("valid", "none"))


class ContextsTest(T.KindWaitCase):
    def test_context_flag_and_missing_context(self):
        a = self.emulator([H.node("a-node")])
        b = self.emulator([H.node("b-node")])
        ka = self.kubeconfig(a, "ctx-a", name="kind-a")
        kb = self.kubeconfig(b, "ctx-b", name="kind-b")
        env = T.clean_env(KUBECONFIG=ka + ":" + kb)
        self.assertEqual(node_names(T.run(["--list", "nodes"], env=env)), ["a-node"])
        self.assertEqual(node_names(T.run(["--list", "nodes", "--context", "kind-b"], env=env)), ["b-node"])
        r = T.run(["--list", "nodes", "--context", "kind-c"], env=env)
        self.assertEqual(r.rc, 2, r)
        self.assertIn('context "kind-c" does not exist (contexts: "kind-a", "kind-b")', r.err)
        # No current-context anywhere and no --context.
        kn = self.kubeconfig(a, "ctx-none", name="kind-a", current_context=False)
        r = T.run(["--kubeconfig", kn, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no current-context is set; choose one with --context", r.err)


class BadFilesTest(T.KindWaitCase):
    def bad(self, text, *expected, old=True):
        path = write(os.path.join(self.tmp.name, "bad", "config-%d" % time.monotonic_ns()), text)
        if old:
            past = time.time() - 600
            os.utime(path, (past, past))
        r = T.run(["--kubeconfig", path, "--for", "nodes=1", "--timeout", "30s"])
        self.assertEqual(r.rc, 2, r)
        self.assertLess(r.seconds, 3, r)
        self.assertIn(path, r.err)
        for e in expected:
            self.assertIn(e, r.err)
        return r

    def test_invalid_yaml(self):
        self.bad("clusters:\n- name: c\n  cluster: {server: [\n", "not valid YAML")

    def test_bad_base64_names_the_field(self):
        self.bad("users:\n- name: kind-kind\n  user:\n    client-key-data: '@@not base64@@'\n",
                 'users[0] "kind-kind": user.client-key-data is not valid base64')

    def test_ca_with_insecure(self):
        emu = self.emulator([])
        kc = self.kubeconfig(emu, "ca-insecure", insecure_skip_tls_verify=True)
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("specifying a root certificates file with the insecure flag is not allowed", r.err)

    def test_certificate_without_key(self):
        emu = self.emulator([])
        kc = H.write_kubeconfig(os.path.join(self.tmp.name, "nokey"), emu.url, ca=self.pki.ca_cert,
                                client_cert=self.pki.client_cert)
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("client-key-data or client-key must be specified for kind-kind", r.err)

    def test_missing_files(self):
        r = T.run(["--kubeconfig", "/nonexistent/config", "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--kubeconfig /nonexistent/config: no such file", r.err)
        r = T.run(["--list", "nodes"], env=T.clean_env(KUBECONFIG="/nonexistent/a:/nonexistent/b"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no kubeconfig found (looked for /nonexistent/a, /nonexistent/b)", r.err)

    def test_unreadable_certificate_file(self):
        emu = self.emulator([])
        kc = H.write_kubeconfig(os.path.join(self.tmp.name, "gone"), emu.url, ca="/nonexistent/ca.crt",
                                inline=False)
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("unable to read certificate-authority /nonexistent/ca.crt for kind-kind", r.err)


class BeingWrittenTest(T.KindWaitCase):
    def test_lock_file_and_half_written_file_are_waited_for(self):
        emu = self.emulator(H.kind_cluster(workers=0))
        full = self.kubeconfig(emu, "complete")
        with open(full) as f:
            text = f.read()
        path = os.path.join(self.tmp.name, "being-written")
        lock = path + ".lock"
        write(lock, "")
        write(path, text[: len(text) // 3])  # what a reader sees mid os.WriteFile

        def kind_finishes():
            time.sleep(1.0)
            write(path, text)
            os.unlink(lock)
        t = threading.Thread(target=kind_finishes)
        t0 = time.monotonic()  # kind finishes 1 s from here, whenever kind-wait starts
        t.start()
        r = T.run(["--kubeconfig", path, "--for", "nodes=1", "--timeout", "20s"])
        t.join()
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 0.9, r)

    def test_half_written_without_lock_then_complete(self):
        emu = self.emulator(H.kind_cluster(workers=0))
        full = self.kubeconfig(emu, "complete2")
        with open(full) as f:
            text = f.read()
        path = write(os.path.join(self.tmp.name, "half"), text[:120])

        def finish():
            time.sleep(0.8)
            write(path, text)
        t = threading.Thread(target=finish)
        t.start()
        r = T.run(["--kubeconfig", path, "--for", "nodes=1", "--timeout", "20s"])
        t.join()
        self.assertEqual(r.rc, 0, r)


class ExecPluginTest(T.KindWaitCase):
    PLUGIN = """#!{python}
import json, os, sys
d = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(d, "calls.log"), "a") as f:
    f.write(json.dumps({{"args": sys.argv[1:], "info": os.environ.get("KUBERNETES_EXEC_INFO"),
                        "mode": os.environ.get("PLUGIN_MODE")}}) + "\\n")
mode = os.environ.get("PLUGIN_MODE")
status = {{"token": "s3cret-token" if mode == "token" else "wrong-token"}}
if mode == "cert":
    status = {{"clientCertificateData": open(sys.argv[1]).read(), "clientKeyData": open(sys.argv[2]).read()}}
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": status}}))
"""

    def setUp(self):
        self.emu = self.emulator(H.kind_cluster(workers=0), token="s3cret-token")
        self.dir = os.path.join(self.tmp.name, "exec-%d" % time.monotonic_ns())
        self.plugin = write(os.path.join(self.dir, "bin", "auth-plugin"),
                            self.PLUGIN.format(python=sys.executable), mode=0o755)

    def config(self, mode, args=(), command="./bin/auth-plugin"):
        base = H.write_kubeconfig(os.path.join(self.dir, "config"), self.emu.url, ca=self.pki.ca_cert)
        with open(base) as f:
            text = f.read()
        text = text.replace("  user: {}\n", "  user:\n    exec:\n"
                            "      apiVersion: client.authentication.k8s.io/v1\n"
                            "      command: %s\n"
                            "      args: %s\n"
                            "      env: [{name: PLUGIN_MODE, value: %s}]\n"
                            "      interactiveMode: Never\n"
                            "      provideClusterInfo: true\n"
                            "      installHint: 'install auth-plugin with: apt-get install auth-plugin'\n"
                            % (command, json.dumps(list(args)), mode))
        return write(os.path.join(self.dir, "config"), text)

    def calls(self):
        with open(os.path.join(self.dir, "bin", "calls.log")) as f:
            return [json.loads(line) for line in f]

    def test_token_from_plugin(self):
        r = T.run(["--kubeconfig", self.config("token"), "--for", "nodes=1", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        calls = self.calls()
        self.assertEqual(len(calls), 1, "the credential is cached for the whole run")
        info = json.loads(calls[0]["info"])
        self.assertEqual(info["kind"], "ExecCredential")
        self.assertEqual(info["apiVersion"], "client.authentication.k8s.io/v1")
        self.assertFalse(info["spec"]["interactive"])
        self.assertEqual(info["spec"]["cluster"]["server"], self.emu.url)
        self.assertIn("certificate-authority-data", info["spec"]["cluster"])
        self.assertEqual(self.emu.requests_log(path_prefix="/api/v1/nodes")[0]["bearer"], "valid")

    def test_the_cluster_extension_reaches_the_plugin_as_kubectl_reads_it(self):
        """The exec extension's YAML becomes the JSON client-go would hand the plugin: checked
        against kubectl's own reading of the same file (kubectl config view), value types
        included, so 8080 stays an integer (a plugin's Go decoder rejects 8080.0)."""
        kc = self.config("token")
        with open(kc) as f:
            text = f.read()
        server_line = next(l for l in text.splitlines() if l.strip().startswith("server:"))
        indent = server_line[: len(server_line) - len(server_line.lstrip())]
        extension = ("extensions:\n- name: client.authentication.k8s.io/exec\n  extension:\n"
                     "    port: 8080\n    ratio: 8080.0\n    big: 18446744073709551615\n    small: 1e-7\n"
                     "    flags: [yes, off, ~, '08', 08, 0x1F, 1_000]\n    y: 1\n"
                     "    html: \"<a&b>\"\n    same: 1\n    same: 2\n")
        text = text.replace(server_line, server_line + "\n" + "".join(indent + l + "\n" for l in extension.splitlines()))
        kc = write(kc, text)
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 0, r)
        info = self.calls()[-1]["info"]
        self.assertIn('"port":8080,', info)
        self.assertNotIn("8080.0", info)
        kubectl = kubectl_path()
        view = subprocess.run([kubectl, "config", "view", "--raw", "-o", "json", "--kubeconfig", kc],
                              capture_output=True, text=True, timeout=30, env=T.clean_env())
        self.assertEqual(view.returncode, 0, view.stderr)
        expected = json.loads(view.stdout)["clusters"][0]["cluster"]["extensions"][0]["extension"]
        got = json.loads(info)["spec"]["cluster"]["config"]

        def typed(v):  # JSON values with their types: 8080 and 8080.0 differ here
            if isinstance(v, dict):
                return {k: typed(x) for k, x in v.items()}
            if isinstance(v, list):
                return [typed(x) for x in v]
            return (type(v).__name__, v)
        self.assertEqual(typed(got), typed(expected))

    def test_client_certificate_from_plugin(self):
        r = T.run(["--kubeconfig", self.config("cert", args=(self.pki.client_cert, self.pki.client_key)),
                   "--list", "nodes"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.emu.requests_log(path_prefix="/api/v1/nodes")[0]["client_cert"], "valid")

    def test_rejected_token_reruns_the_plugin_once(self):
        r = T.run(["--kubeconfig", self.config("wrong"), "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("401", r.err)
        self.assertEqual(len(self.calls()), 2)

    def test_missing_plugin_names_it_and_its_install_hint(self):
        r = T.run(["--kubeconfig", self.config("token", command="no-such-auth-plugin"), "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("exec: executable no-such-auth-plugin not found", r.err)
        self.assertIn("install auth-plugin with: apt-get install auth-plugin", r.err)


if __name__ == "__main__":
    unittest.main()
