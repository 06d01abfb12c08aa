"""kind-wait against the Kubernetes API emulator: scripted state changes over time (nodes turning
Ready, Applications going Progressing -> Healthy, objects and CRDs appearing late), exit codes,
timing, messages, --output jsonl, --list nodes and the TTY progress line.

The helpers at the top are shared by test_kind_wait_faults.py and test_kubeconfig_*.py."""
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
import k8s_harness as H  # noqa: E402


def kind_wait():
    return sftest.binary("kind-wait")


def clean_env(**extra):
    """The environment for kind-wait: no stray KUBECONFIG, HOME pointing nowhere useful."""
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    env["HOME"] = extra.pop("HOME", "/nonexistent-home")
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


class Run:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds
        self.finished = time.monotonic()  # for "not before the scripted change" checks

    def lines(self):
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    def __repr__(self):
        return "rc=%s after %.2fs\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.seconds, self.out, self.err)


def run(args, env=None, timeout=60):
    start = time.monotonic()
    p = subprocess.run([kind_wait()] + list(args), capture_output=True, text=True, timeout=timeout,
                       env=env or clean_env(), stdin=subprocess.DEVNULL)
    return Run(p.returncode, p.stdout, p.stderr, time.monotonic() - start)


def start(args, env=None):
    """kind-wait in the background; finish() collects it."""
    p = subprocess.Popen([kind_wait()] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env or clean_env(), stdin=subprocess.DEVNULL)
    p.started = time.monotonic()
    return p


def finish(p, timeout=60):
    out, err = p.communicate(timeout=timeout)
    return Run(p.returncode, out, err, time.monotonic() - p.started)


class KindWaitCase(unittest.TestCase):
    """One PKI per class (openssl keys take a moment); an emulator per test."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kind-wait-test-")
        cls.pki = H.make_pki(os.path.join(cls.tmp.name, "pki"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def emulator(self, fixtures=None, **kw):
        kw.setdefault("bookmark_interval", 0.5)
        emu = H.Emulator(pki=self.pki, fixtures=fixtures, **kw).start()
        self.addCleanup(emu.stop)
        return emu

    def kubeconfig(self, emu, file="config", **kw):
        return emu.kubeconfig(os.path.join(self.tmp.name, "%s-%d" % (file, emu.port)), **kw)

    def watches(self, emu, path):
        return [e for e in emu.requests_log(path_prefix=path) if e["watch"]]

    def lists(self, emu, path):
        return [e for e in emu.requests_log(path_prefix=path) if not e["watch"] and e["path"] == path]


def argocd_crd():
    return H.crd("applications.argoproj.io", established=True)


class NodesTest(KindWaitCase):
    def test_nodes_turn_ready_after_two_seconds(self):
        emu = self.emulator(H.kind_cluster(workers=2, ready=False))
        kc = self.kubeconfig(emu)
        t0 = time.monotonic()  # the script runs from here, whenever kind-wait starts
        emu.schedule(2, "apply", objects=[H.node("kind-control-plane"), H.node("kind-worker"),
                                          H.node("kind-worker2")])
        r = run(["--kubeconfig", kc, "--for", "nodes=3", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 1.7, r)
        self.assertLess(r.seconds, 6, r)
        self.assertEqual(r.out, "", "stdout is for data only")
        self.assertIn("ready after", r.err)
        # Through a watch, not by polling: one LIST, then a watch that saw the changes.
        self.assertEqual(len(self.lists(emu, "/api/v1/nodes")), 1, emu.requests_log())
        watches = self.watches(emu, "/api/v1/nodes")
        self.assertEqual(len(watches), 1)
        self.assertEqual(watches[0]["params"].get("allowWatchBookmarks"), "true")
        self.assertGreaterEqual(watches[0]["events"], 3)

    def test_timeout_names_the_not_ready_node_and_its_condition_message(self):
        fixtures = H.kind_cluster(workers=2, ready=True)
        fixtures = [o for o in fixtures if o.get("metadata", {}).get("name") != "kind-worker2"]
        fixtures.append(H.node("kind-worker2", ready=False))
        emu = self.emulator(fixtures)
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "2s"])
        self.assertEqual(r.rc, 1, r)
        self.assertGreaterEqual(r.seconds, 1.95, r)
        self.assertLess(r.seconds, 3.5, r)
        self.assertIn("timed out after 2.0s", r.err)
        self.assertIn("nodes=3: 2 of 3 nodes Ready", r.err)
        self.assertIn("kind-worker2: NotReady: KubeletNotReady: container runtime network not ready", r.err)
        self.assertIn("cni plugin not initialized", r.err)

    def test_more_nodes_than_registered_and_unknown_and_cordoned(self):
        fixtures = [H.node("kind-control-plane"), H.node("kind-worker", ready="Unknown"),
                    H.node("kind-worker2", unschedulable=True)]
        emu = self.emulator(fixtures)
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=4", "--timeout", "1.5s", "-o", "jsonl"])
        self.assertEqual(r.rc, 1, r)
        lines = r.lines()
        cond = lines[0]
        self.assertEqual(cond["kind"], "wait_condition")
        self.assertEqual(cond["for"], "nodes=4")
        self.assertFalse(cond["ready"])
        self.assertIn("(3 of 4 registered)", cond["message"])
        by_name = {o["name"]: o for o in cond["objects"]}
        self.assertTrue(by_name["kind-control-plane"]["ready"])
        self.assertIn("Ready=Unknown", by_name["kind-worker"]["message"])
        self.assertIn("cordoned", by_name["kind-worker2"]["message"])
        self.assertEqual(lines[-1]["kind"], "wait_result")
        self.assertTrue(lines[-1]["timed_out"])
        self.assertTrue(lines[-1]["answered"])


class WorkloadsTest(KindWaitCase):
    def test_application_progressing_then_healthy(self):
        now = time.time()
        emu = self.emulator([argocd_crd(), H.namespace("argocd"),
                             H.application("argocd", "root", sync="OutOfSync", health="Progressing",
                                           operation_phase="Running")])
        # 1 s: synced and healthy but the controller has not reconciled since the sync: not yet.
        t0 = time.monotonic()  # the script runs from here, whenever kind-wait starts
        emu.schedule(1, "apply", object=H.application("argocd", "root", reconciled_at=H.rfc3339(now - 10),
                                                      finished_at=H.rfc3339(now)))
        # 2 s: reconciled after the sync finished: ready.
        emu.schedule(2, "apply", object=H.application("argocd", "root", reconciled_at=H.rfc3339(now + 5),
                                                      finished_at=H.rfc3339(now)))
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "application/argocd/root", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 1.8, r)
        self.assertLess(r.seconds, 6, r)

    def test_application_degraded_times_out_with_health_message(self):
        emu = self.emulator([argocd_crd(), H.application(
            "argocd", "vault", sync="OutOfSync", health="Degraded",
            health_message='Deployment "vault" exceeded its progress deadline',
            conditions=[("SyncError", "one or more objects failed to apply")])])
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "application/argocd/vault", "--timeout", "1s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn('application/argocd/vault: OutOfSync/Degraded: Deployment "vault" exceeded its progress '
                      'deadline; SyncError: one or more objects failed to apply', r.err)

    def test_crd_and_objects_that_do_not_exist_yet_are_waited_for(self):
        emu = self.emulator(H.kind_cluster(workers=0))
        t0 = time.monotonic()  # the script runs from here, whenever kind-wait starts
        emu.schedule(1, "apply", object=argocd_crd())
        emu.schedule(1.5, "apply", objects=[H.namespace("argocd"), H.application("argocd", "root")])
        emu.schedule(2, "apply", object=H.deployment("argocd", "argocd-server", replicas=1))
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "crd/applications.argoproj.io",
                 "--for", "application/argocd/root", "--for", "deployment/argocd/argocd-server",
                 "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 1.8, r)
        self.assertLess(r.seconds, 8, r)
        # The Applications collection answered 404 until the CRD existed: waited for, not an error.
        app_lists = self.lists(emu, "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications")
        self.assertEqual(app_lists[0]["status"], 404)
        self.assertEqual(app_lists[-1]["status"], 200)

    def test_all_conditions_must_hold_at_the_same_moment(self):
        emu = self.emulator([H.node("kind-control-plane", single_node=True),
                             H.deployment("apps", "web", replicas=2, updated=1, available=1)])
        # kind-wait first, watching both; only then the script, so a slow start cannot skip it.
        p = start(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=1", "--for", "deployment/apps/web",
                   "--timeout", "30s"])
        emu.wait_for_watchers(2, timeout=20)
        scripted = time.monotonic()
        # 0.8 s: the node goes NotReady; 1.2 s: the deployment completes. (Separate moments: the
        # two arrive on separate watch streams, which carry no ordering between them.)
        emu.schedule(0.8, "apply", object=H.node("kind-control-plane", single_node=True, ready=False))
        emu.schedule(1.2, "apply", object=H.deployment("apps", "web", replicas=2))
        # 2.5 s: the node is back.
        emu.schedule(2.5, "apply", object=H.node("kind-control-plane", single_node=True))
        r = finish(p)
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(time.monotonic() - scripted, 2.3, r)

    def test_deployment_mid_rollout_is_not_ready_even_if_available(self):
        # Available=True with an old replica still terminating (replicas > updated).
        emu = self.emulator([H.deployment("argocd", "repo", replicas=1, updated=1, available=1, total=2)])
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "deployment/argocd/repo", "--timeout", "1s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("1 old replicas are pending termination", r.err)

    def test_progress_deadline_exceeded_fails_at_once(self):
        emu = self.emulator([H.deployment("argocd", "repo", replicas=1, updated=1, available=0,
                                          progressing_reason="ProgressDeadlineExceeded")])
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "deployment/argocd/repo", "--timeout", "30s"])
        self.assertEqual(r.rc, 1, r)
        self.assertLess(r.seconds, 5, r)
        self.assertIn('deployment "repo" exceeded its progress deadline', r.err)

    def test_pod_running_versus_ready(self):
        emu = self.emulator([H.pod("vault", "vault-0", phase="Running", ready=False)])
        kc = self.kubeconfig(emu)
        self.assertEqual(run(["--kubeconfig", kc, "--for", "pod/vault/vault-0=Running", "--timeout", "5s"]).rc, 0)
        r = run(["--kubeconfig", kc, "--for", "pod/vault/vault-0=Ready", "--timeout", "1s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("phase Running, not Ready", r.err)
        emu.schedule(1, "apply", object=H.pod("vault", "vault-0"))
        self.assertEqual(run(["--kubeconfig", kc, "--for", "pod/vault/vault-0", "--timeout", "10s"]).rc, 0)

    def test_every_application_of_a_namespace_and_expected_names(self):
        emu = self.emulator([argocd_crd(), H.application("argocd", "root")])
        t0 = time.monotonic()  # the script runs from here, whenever kind-wait starts
        emu.schedule(1, "apply", object=H.application("argocd", "vault", health="Progressing"))
        emu.schedule(2, "apply", object=H.application("argocd", "vault"))
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "applications/argocd=root,vault",
                 "--timeout", "20s", "-o", "jsonl"])
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 1.8, r)
        cond = r.lines()[0]
        self.assertTrue(cond["ready"])
        self.assertEqual(sorted(o["name"] for o in cond["objects"]), ["root", "vault"])
        # A named Application that never appears keeps it waiting, and is named.
        r = run(["--kubeconfig", self.kubeconfig(emu), "--for", "applications/argocd=root,opencost",
                 "--timeout", "1s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("opencost: does not exist yet", r.err)


class OutputTest(KindWaitCase):
    def test_list_nodes_prints_the_node_contract(self):
        worker = H.node("kind-worker", cpu="7500m", memory="16384Ki", internal_ip="172.18.0.3")
        worker["status"]["capacity"]["nvidia.com/gpu"] = "2"
        worker["status"]["allocatable"]["nvidia.com/gpu"] = "1"
        cp = H.node("kind-control-plane", cpu="2", internal_ip="172.18.0.2")
        cp["status"]["capacity"]["memory"] = "1.5G"   # decimal suffix, as some providers report
        emu = self.emulator([worker, cp, H.node("kind-worker2", ready=False)])
        r = run(["--kubeconfig", self.kubeconfig(emu), "--list", "nodes"])
        self.assertEqual(r.rc, 0, r)
        lines = r.lines()
        self.assertEqual([n["name"] for n in lines], ["kind-control-plane", "kind-worker", "kind-worker2"])
        cp, w, w2 = lines
        for n in lines:
            self.assertEqual(n["kind"], "node")
            self.assertEqual(set(n), {"kind", "name", "roles", "ready", "internal_ip", "capacity", "allocatable",
                                      "labels"})
        self.assertEqual(cp["roles"], ["control-plane"])
        self.assertEqual(cp["internal_ip"], "172.18.0.2")
        self.assertEqual(cp["capacity"]["memory_bytes"], 1_500_000_000)
        self.assertEqual(w["roles"], [])
        self.assertEqual(w["capacity"], {"cpu_cores": 7.5, "memory_bytes": 16384 * 1024, "gpus": 2})
        self.assertEqual(w["allocatable"]["gpus"], 1)
        self.assertTrue(w["ready"])
        self.assertFalse(w2["ready"])
        self.assertEqual(w["labels"]["kubernetes.io/hostname"], "kind-worker")

    def test_list_output_into_a_closed_pipe_or_onto_a_full_disk_is_an_error(self):
        emu = self.emulator(H.kind_cluster(workers=2) + [H.pod("default", "web-1"), H.pod("default", "web-2")])
        kc = self.kubeconfig(emu)
        ok = run(["--kubeconfig", kc, "--list", "nodes,pods"])
        self.assertEqual(ok.rc, 0, ok)
        self.assertEqual({l["kind"] for l in ok.lines()}, {"node", "pod"}, "every kind has lines to write")
        for kinds in ("nodes", "pods", "nodes,pods"):
            with self.subTest(kinds=kinds):
                argv = [kind_wait(), "--kubeconfig", kc, "--list", kinds, "--timeout", "20s"]
                with open("/dev/full", "w") as full:
                    p = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True, env=clean_env(),
                                       timeout=60)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("stdout: write failed: No space left on device", p.stderr)
                read_end, write_end = os.pipe()
                os.close(read_end)  # the reader is gone before the inventory is written
                try:
                    p = subprocess.run(argv, stdout=write_end, stderr=subprocess.PIPE, text=True, env=clean_env(),
                                       timeout=60)
                finally:
                    os.close(write_end)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("stdout: the reader closed the pipe", p.stderr)

    def test_progress_line_only_on_a_terminal(self):
        emu = self.emulator(H.kind_cluster(workers=1, ready=False))
        kc = self.kubeconfig(emu)
        emu.schedule(2, "apply", objects=[H.node("kind-control-plane"), H.node("kind-worker")])
        master, slave = pty.openpty()
        p = subprocess.Popen([kind_wait(), "--kubeconfig", kc, "--for", "nodes=2", "--timeout", "20s"],
                             stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL,
                             env=clean_env(TERM="xterm"))
        os.close(slave)
        seen = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif p.poll() is not None:
                break
        p.wait(timeout=10)
        os.close(master)
        text = seen.decode(errors="replace")
        self.assertEqual(p.returncode, 0, text)
        self.assertIn("\r\x1b[K", text)                 # the self-overwriting line
        self.assertIn("0/1 ready", text)
        self.assertIn("waiting: nodes=2", text)
        self.assertIn("ready after", text)

    def test_usage_errors_exit_2(self):
        for args, expected in ((["--for", "nodes=x"], "'x' is not a node count"),
                               ([], "nothing to wait for"),
                               (["--for", "service/a/b"], "unknown kind 'service'"),
                               (["--for", "nodes=1", "--timeout", "soon"], "--timeout"),
                               (["--for", "nodes=1", "--list", "nodes"], "do not go together"),
                               (["--for", "nodes=1", "-o", "yaml"], "use text or jsonl"),
                               (["--bogus"], "see kind-wait --help")):
            r = run(args)
            self.assertEqual(r.rc, 2, (args, r))
            self.assertIn(expected, r.err)

    def test_help_and_version(self):
        r = run(["--help"])
        self.assertEqual(r.rc, 0)
        self.assertIn("applications/NS", r.out)
        self.assertIn("Examples:", r.out)
        self.assertEqual(run(["--version"]).rc, 0)


if __name__ == "__main__":
    unittest.main()
