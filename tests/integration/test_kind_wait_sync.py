#!/usr/bin/env python3
"""kind-wait --sync, --retry-now, --no-wait, --force-sync-secrets and the Degraded rule, run as
built against the Kubernetes API emulator with its Argo CD controller stand-in (an `operation`
goes Running -> Succeeded/Failed, retries with backoff, refresh annotation, terminate-op, 409 on a
stale resourceVersion). What Argo CD itself does with an operation is the emulator's model of
argo-cd v3.4.4 (tests/emulators/README.md, "Argo CD controller"); a real Argo CD is not run here.

Run: python3 tests/integration/test_kind_wait_sync.py
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))
sys.path.insert(0, HERE)

import k8s_harness as H  # noqa: E402
import sftest  # noqa: E402

KW = sftest.binary("kind-wait")
APPS = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"
TMP = PKI = None
FAST = {"syncSeconds": 0.3, "reconcileDelaySeconds": 1, "progressingSeconds": 0.5, "refreshDelaySeconds": 0.1}


def setUpModule():
    global TMP, PKI
    TMP = tempfile.TemporaryDirectory(prefix="kw-sync-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")


def tearDownModule():
    TMP.cleanup()


def root_app(name="root", **kw):
    """An app of apps as Terraform installs it: automated with prune, unlimited retries."""
    kw.setdefault("sync", "OutOfSync")
    kw.setdefault("health", "Progressing")
    kw.setdefault("reconciled_at", time.time() - 60)
    kw.setdefault("operation_phase", None)
    app = H.application("argocd", name, **kw)
    app["spec"]["syncPolicy"] = {"automated": {"prune": True, "selfHeal": True},
                                 "syncOptions": ["ApplyOutOfSyncOnly=true"],
                                 "retry": {"limit": -1, "backoff": {"duration": "30s", "factor": 2,
                                                                    "maxDuration": "3m"}}}
    return app


class Case(unittest.TestCase):
    fixtures = ()

    def setUp(self):
        self.emu = H.Emulator(pki=PKI, fixtures=[H.crd(), H.namespace("argocd")] + list(self.fixtures),
                              argocd_controller=True).start()
        self.addCleanup(self.emu.stop)
        self.emu.argocd(defaults=FAST)
        self.kubeconfig = self.emu.kubeconfig(os.path.join(TMP.name, "kc-%s" % self.id().split(".")[-1]))

    def kw(self, *args, timeout=60):
        start = time.monotonic()
        r = subprocess.run([KW, "--kubeconfig", self.kubeconfig, *args], capture_output=True, text=True,
                           timeout=timeout)
        r.elapsed = time.monotonic() - start
        return r

    def app(self, name="root"):
        r = self.emu.client().get(APPS + "/" + name)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def writes(self, name="root"):
        return [(e["method"], e["status"]) for e in self.emu.requests_log(path_prefix=APPS + "/" + name)
                if e["method"] in ("PUT", "PATCH")]


class SyncTests(Case):
    fixtures = [root_app()]

    def test_sync_writes_refresh_then_operation_and_waits_until_synced_and_healthy(self):
        r = self.kw("--sync", "application/argocd/root", "--timeout", "30s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("asked Argo CD to sync application argocd/root to HEAD", r.stderr)
        self.assertIn("ready after", r.stderr)
        # RefreshApp's merge patch, then SetAppOperation's Update (a PUT with the resourceVersion).
        self.assertEqual(self.writes()[:2], [("PATCH", 200), ("PUT", 200)])
        app = self.app()
        self.assertNotIn("operation", app)
        state = app["status"]["operationState"]
        self.assertEqual(state["phase"], "Succeeded")
        op = state["operation"]
        self.assertEqual(op["initiatedBy"], {"username": "kind-wait"})
        self.assertEqual(op["sync"]["revision"], "HEAD")
        self.assertIs(op["sync"]["prune"], True)  # the app's automated policy prunes
        self.assertEqual(op["sync"]["syncOptions"], ["ApplyOutOfSyncOnly=true"])
        self.assertEqual(op["retry"]["limit"], -1)
        self.assertRegex(op["info"][0]["value"], r"^kind-wait --sync \d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f]{8}$")
        self.assertEqual(app["status"]["sync"]["status"], "Synced")
        self.assertEqual(app["status"]["health"]["status"], "Healthy")
        # The refresh annotation was consumed by the controller.
        self.assertNotIn("argocd.argoproj.io/refresh", (app["metadata"].get("annotations") or {}))

    def test_a_conflict_is_read_again_and_retried(self):
        self.emu.fault("status", code=409, method="PUT", path_prefix=APPS + "/root", times=2, reason="Conflict",
                       message='Operation cannot be fulfilled on applications.argoproj.io "root": the object has '
                               'been modified; please apply your changes to the latest version and try again')
        r = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        puts = [w for w in self.writes() if w[0] == "PUT"]
        # The two injected conflicts, and possibly a real one (the controller stand-in consuming
        # the refresh annotation between the re-read and the write, seen under load): every one
        # re-read and counted, then exactly one landed write.
        self.assertGreaterEqual(len(puts), 3, puts)
        self.assertEqual(puts, [("PUT", 409)] * (len(puts) - 1) + [("PUT", 200)])
        self.assertIn("(%d conflicts re-read)" % (len(puts) - 1), r.stderr)

    def test_a_lost_answer_is_not_written_twice_nor_refused(self):
        # The connection closes after the request: nothing was stored; the next read says so.
        self.emu.fault("close", method="PUT", path_prefix=APPS + "/root", times=1)
        r = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("another operation", r.stderr)
        puts = [w for w in self.writes() if w[0] == "PUT"]
        # The lost write, then one that lands. Between them a 409 may come (seen under load): the
        # controller stand-in consumes the refresh annotation between kind-wait's re-read and its
        # write, which is a real conflict, re-read and retried; it is never a second landed write.
        self.assertEqual(puts[0], ("PUT", None))
        self.assertEqual(puts[-1], ("PUT", 200))
        self.assertEqual(set(puts[1:-1]) - {("PUT", 409)}, set(), puts)
        self.assertEqual(puts.count(("PUT", 200)), 1, puts)

    def test_no_wait_returns_once_the_controller_started_the_sync(self):
        self.emu.argocd("argocd", "root", syncSeconds=5)
        r = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(r.elapsed, 4.5)
        self.assertIn("controller has started the sync", r.stderr)
        self.assertEqual(self.app()["status"]["operationState"]["phase"], "Running")

    def test_refused_while_another_operation_is_in_progress(self):
        self.emu.argocd("argocd", "root", syncSeconds=20)
        first = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(first.returncode, 0, first.stderr)
        # The first run's PUTs: one, or a 409 and a retry when the controller stand-in consumed
        # the refresh annotation between its read and its write (seen under load).
        puts_of_first = [w for w in self.writes() if w[0] == "PUT"]
        self.assertEqual(puts_of_first.count(("PUT", 200)), 1, puts_of_first)
        r = self.kw("--sync", "application/argocd/root", "--timeout", "10s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("application argocd/root: another operation is already in progress (phase Running", r.stderr)
        self.assertLess(r.elapsed, 5, "refused at once, as Argo CD does")
        self.assertEqual([w for w in self.writes() if w[0] == "PUT"], puts_of_first, "the second run wrote nothing")


class RetryNowTests(Case):
    fixtures = [root_app()]

    def test_retry_now_ends_a_failed_attempt_waiting_for_its_backoff_and_syncs_at_once(self):
        # The first attempts fail (Vault not seeded yet); the retry backoff is 30 s.
        self.emu.argocd("argocd", "root", result="Failed", failAttempts=1)
        first = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(first.returncode, 0, first.stderr)
        self.emu.wait_for(lambda: (self.app()["status"].get("operationState") or {}).get("retryCount") == 1,
                          timeout=10, what="the first attempt to fail and wait for its retry")
        self.emu.argocd("argocd", "root", result="Succeeded")  # vault-seed has fixed the cause meanwhile
        # Without --retry-now: refused, as `argocd app sync` would be.
        refused = self.kw("--sync", "application/argocd/root", "--timeout", "10s")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("another operation is already in progress", refused.stderr)
        self.assertIn("Retrying attempt #1", refused.stderr)
        r = self.kw("--sync", "application/argocd/root", "--retry-now", "--timeout", "25s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ended the failed sync that was waiting for its retry", r.stderr)
        self.assertLess(r.elapsed, 15, "well before the 30 s backoff")
        op = self.app()["status"]["operationState"]
        self.assertEqual(op["phase"], "Succeeded")
        self.assertEqual(op["operation"]["initiatedBy"], {"username": "kind-wait"})
        puts = [w for w in self.writes() if w[0] == "PUT"]
        self.assertEqual(len(puts), 3, "first sync, terminate, new sync: %s" % puts)

    def test_retry_now_waits_for_a_running_attempt_and_never_terminates_it(self):
        self.emu.argocd("argocd", "root", syncSeconds=2)
        first = self.kw("--sync", "application/argocd/root", "--no-wait", "--timeout", "20s")
        self.assertEqual(first.returncode, 0, first.stderr)
        first_marker = self.app()["status"]["operationState"]["operation"]["info"][0]["value"]
        r = self.kw("--sync", "application/argocd/root", "--retry-now", "--timeout", "30s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("waiting for the operation in progress to end", r.stderr)
        self.assertNotIn("ended the failed sync", r.stderr)
        # When kind-wait returns, the second sync has ended well (its own marker, Succeeded).
        state = self.app()["status"]["operationState"]
        self.assertEqual(state["phase"], "Succeeded")
        self.assertNotEqual(state["operation"]["info"][0]["value"], first_marker)
        # Its history entry comes with the reconcile after it; under load the first sync's late
        # reconcile can fall in the same whole second as the second's finishedAt, which Argo CD's
        # CLI (and so kind-wait) counts as reconciled: wait for the entry instead of racing it.
        self.emu.wait_for(lambda: len(self.app()["status"].get("history") or []) == 2, timeout=10,
                          what="both syncs in the history")


class DegradedTests(Case):
    fixtures = [root_app("vault", sync="Synced", health="Healthy", operation_phase="Succeeded"),
                root_app("opencost", sync="Synced", health="Healthy", operation_phase="Succeeded")]

    def test_an_application_degraded_longer_than_the_grace_fails_the_wait_with_its_message(self):
        self.emu.argocd("argocd", "vault", health="Degraded",
                        healthMessage='StatefulSet "vault" has 0 of 1 ready replicas')
        r = self.kw("--sync", "application/argocd/vault", "--for", "applications/argocd", "--degraded-grace", "2s",
                    "--timeout", "40s", "-o", "jsonl")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertLess(r.elapsed, 20, "long before the 40 s timeout")
        self.assertIn("a condition failed and will not hold without intervention", r.stderr)
        self.assertRegex(r.stderr, r"vault: Degraded for [\d.]+s, longer than the 2\.0s --degraded-grace")
        self.assertIn('StatefulSet \\"vault\\" has 0 of 1 ready replicas', r.stdout)
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([l["state"] for l in lines if l["kind"] == "wait_condition"], ["failed", "failed"])
        self.assertIs(lines[-1]["timed_out"], False)

    def test_without_the_rule_it_waits_to_the_timeout(self):
        self.emu.argocd("argocd", "vault", health="Degraded", healthMessage="broken")
        r = self.kw("--sync", "application/argocd/vault", "--degraded-grace", "none", "--timeout", "6s")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("timed out after 6.0s", r.stderr)
        self.assertGreater(r.elapsed, 5.5)


class ForceSyncSecretsTests(Case):
    fixtures = (H.platform_crds() + [
        H.namespace("opencost"), H.namespace("demo"),
        H.cluster_secret_store("vault", ready=False),
        H.external_secret("opencost", "opencost-basic-auth", store="vault", ready=False),
        H.external_secret("demo", "demo-db", store="vault", ready=False,
                          annotations={"external-secrets.io/force-sync": "1", "team": "a"}),
    ])

    def annotations(self, path):
        return self.emu.client().get(path).json()["metadata"].get("annotations") or {}

    def test_every_external_secret_and_store_is_annotated_and_a_rerun_changes_it_again(self):
        r = self.kw("--force-sync-secrets", "--timeout", "20s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("asked External Secrets to refresh now: 2 ExternalSecrets and 1 secret store", r.stderr)
        paths = ["/apis/external-secrets.io/v1/namespaces/opencost/externalsecrets/opencost-basic-auth",
                 "/apis/external-secrets.io/v1/namespaces/demo/externalsecrets/demo-db",
                 "/apis/external-secrets.io/v1/clustersecretstores/vault"]
        first = {p: self.annotations(p)["external-secrets.io/force-sync"] for p in paths}
        for value in first.values():
            self.assertRegex(value, r"^\d{10,}$")
            self.assertLess(abs(int(value) - time.time()), 60)
        self.assertEqual(self.annotations(paths[1])["team"], "a", "other annotations kept (merge patch)")
        again = self.kw("--force-sync-secrets", "--timeout", "20s")
        self.assertEqual(again.returncode, 0, again.stderr)
        for p in paths:
            self.assertNotEqual(self.annotations(p)["external-secrets.io/force-sync"], first[p],
                                "a re-run within the same second must still change the hash ESO compares")
        patches = [e for e in self.emu.requests_log(path_prefix="/apis/external-secrets.io") if e["method"] == "PATCH"]
        self.assertEqual(len(patches), 6)


class ForceSyncWithoutEsoTests(Case):
    def test_without_external_secrets_installed_it_says_so_and_goes_on(self):
        r = self.kw("--force-sync-secrets", "--timeout", "10s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("External Secrets is not installed", r.stderr)


class UsageTests(unittest.TestCase):
    def run_kw(self, *args):
        return subprocess.run([KW, "--kubeconfig", "/dev/null", *args], capture_output=True, text=True, timeout=10)

    def test_usage_errors(self):
        for args, text in ((["--sync", "deployment/argocd/x"], "write it as application/NAMESPACE/NAME"),
                           (["--retry-now", "--for", "nodes=1"], "--retry-now and --no-wait go with --sync"),
                           (["--sync", "application/argocd/root", "--no-wait", "--for", "nodes=1"],
                            "does not take --for"),
                           (["--list", "nodes", "--force-sync-secrets"], "do not go together"),
                           (["--for", "nodes=1", "--degraded-grace", "soon"], "--degraded-grace")):
            with self.subTest(args=args):
                r = self.run_kw(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(text, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
