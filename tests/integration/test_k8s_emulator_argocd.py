#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests of the Kubernetes API emulator's writes (PUT and PATCH with optimistic concurrency,
the real 409 Conflict) and of its Argo CD application-controller stand-in: an `operation`
written as Argo CD's SetAppOperation writes it starts a sync that a client sees go Running ->
Succeeded (or Failed, with retries), `operation` cleared, Synced, reconciledAt after finishedAt,
health Progressing -> Healthy or Degraded; the refresh annotation is consumed. kubectl patches
and replaces Applications as a real client.

Run: python3 tests/integration/test_k8s_emulator_argocd.py
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

import k8s_harness as H  # noqa: E402

TMP = PKI = None
APPS = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CONFLICT = ('Operation cannot be fulfilled on applications.argoproj.io "%s": the object has been modified; please '
            'apply your changes to the latest version and try again')
SYNC_OP = {"sync": {"revision": "HEAD", "syncStrategy": {"hook": {}}}, "initiatedBy": {"username": "admin"},
           "retry": {}}


def setUpModule():
    global TMP, PKI
    TMP = tempfile.TemporaryDirectory(prefix="k8s-emu-argocd-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")


def tearDownModule():
    TMP.cleanup()


def app_fixture(name, **kw):
    kw.setdefault("sync", "OutOfSync")
    kw.setdefault("health", "Healthy")
    kw.setdefault("reconciled_at", time.time() - 60)
    return H.application("argocd", name, **kw)


class ArgoCase(unittest.TestCase):
    controller = True

    @classmethod
    def setUpClass(cls):
        apps = [app_fixture(n) for n in ("root", "vault", "flaky", "broken", "second", "refresh", "kubectl")]
        cls.emu = H.Emulator(pki=PKI, fixtures=[H.crd(), H.namespace("argocd")] + apps,
                             argocd_controller=cls.controller).start()
        cls.api = cls.emu.client()
        cls.emu.argocd(defaults={"syncSeconds": 0.5, "reconcileDelaySeconds": 1, "progressingSeconds": 1,
                                 "refreshDelaySeconds": 0.1})

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def get(self, name):
        r = self.api.get(APPS + "/" + name)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def set_app_operation(self, name, op):
        """What argo-cd util/argo SetAppOperation does: refuse while `operation` is set (Argo CD's
        own check: the Kubernetes API has none), else write it with the object's resourceVersion
        and no operationState, retrying on 409."""
        for _ in range(10):
            app = self.get(name)
            if app.get("operation"):
                return "another operation is already in progress"
            app["operation"] = op
            app.get("status", {}).pop("operationState", None)
            r = self.api.request("PUT", APPS + "/" + name, body=app)
            if r.status == 200:
                return r.json()
            self.assertEqual(r.status, 409, r.body)
        self.fail("conflict after 10 tries")

    def wait(self, name, pred, timeout=15, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app = self.get(name)
            if pred(app):
                return app
            time.sleep(0.05)
        self.fail("timed out waiting for %s on %s: %s" % (what, name, json.dumps(app.get("status"))))


class TestWrites(ArgoCase):
    controller = False

    def test_put_conflict_and_unconditional_update(self):
        app = self.get("root")
        rv = app["metadata"]["resourceVersion"]
        app["spec"]["source"]["targetRevision"] = "main"
        r = self.api.request("PUT", APPS + "/root", body=app)
        self.assertEqual(r.status, 200, r.body)
        self.assertNotEqual(r.json()["metadata"]["resourceVersion"], rv)
        self.assertEqual(r.json()["metadata"]["generation"], app["metadata"]["generation"] + 1)
        r = self.api.request("PUT", APPS + "/root", body=app)       # the same, now stale, resourceVersion
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json(), {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": CONFLICT % "root", "reason": "Conflict",
                                    "details": {"name": "root", "group": "argoproj.io", "kind": "applications"},
                                    "code": 409})
        del app["metadata"]["resourceVersion"]
        r = self.api.request("PUT", APPS + "/root", body=app)
        self.assertEqual((r.status, r.json()["message"]),
                         (422, 'Application.argoproj.io "root" is invalid: metadata.resourceVersion: Invalid value: '
                               '0x0: must be specified for an update'))
        app["metadata"]["name"] = "other"
        r = self.api.request("PUT", APPS + "/root", body=app)
        self.assertEqual((r.status, r.json()["message"]),
                         (400, "the name of the object (other) does not match the name on the URL (root)"))

    def test_patches(self):
        rv = self.get("vault")["metadata"]["resourceVersion"]
        list_rv = self.api.get(APPS).json()["metadata"]["resourceVersion"]
        merge = {"Content-Type": "application/merge-patch+json"}
        w = self.api.watch(APPS + "?watch=1&resourceVersion=%s&timeoutSeconds=5" % list_rv)
        r = self.api.request("PATCH", APPS + "/vault", body={"metadata": {"annotations": {"a": "1"}}}, headers=merge)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["metadata"]["annotations"], {"a": "1"})
        ev = next(w.events(limit=1, deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["annotations"]), ("MODIFIED", {"a": "1"}))
        r = self.api.request("PATCH", APPS + "/vault", headers=merge,
                             body={"metadata": {"resourceVersion": rv}, "spec": {"project": "x"}})
        self.assertEqual((r.status, r.json()["message"]), (409, CONFLICT % "vault"))
        jp = {"Content-Type": "application/json-patch+json"}
        r = self.api.request("PATCH", APPS + "/vault", headers=jp, body=[
            {"op": "test", "path": "/metadata/annotations/a", "value": "1"},
            {"op": "remove", "path": "/metadata/annotations/a"},
            {"op": "add", "path": "/operation", "value": None}])
        self.assertEqual(r.status, 200, r.body)
        self.assertNotIn("a", r.json()["metadata"].get("annotations", {}))
        self.assertNotIn("operation", r.json())            # null is dropped, as Argo CD relies on
        r = self.api.request("PATCH", APPS + "/vault", headers=jp,
                             body=[{"op": "test", "path": "/spec/project", "value": "nope"}])
        self.assertEqual((r.status, r.json()["reason"]), (422, "Invalid"))
        self.assertEqual(r.json()["details"]["causes"][0]["message"], "testing value /spec/project failed: test failed")
        r = self.api.request("PATCH", APPS + "/vault", body={}, headers={"Content-Type":
                                                                       "application/strategic-merge-patch+json"})
        self.assertEqual((r.status, r.json()["message"]),
                         (415, "the body of the request was in an unknown format - accepted media types include: "
                               "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"))
        r = self.api.request("PATCH", APPS + "/ghost", body={}, headers=merge)
        self.assertEqual((r.status, r.json()["message"]), (404, 'applications.argoproj.io "ghost" not found'))

    def test_status_subresource_of_built_ins(self):
        path = "/apis/apps/v1/namespaces/default/deployments/web"
        self.emu.apply(H.deployment("default", "web", replicas=2))
        merge = {"Content-Type": "application/strategic-merge-patch+json"}
        r = self.api.request("PATCH", path, headers=merge, body={"spec": {"replicas": 3}, "status": {"replicas": 9}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json()["spec"]["replicas"], r.json()["status"]["replicas"], r.json()["metadata"]["generation"]),
                         (3, 2, 2))
        r = self.api.request("PATCH", path + "/status", headers=merge, body={"spec": {"replicas": 1},
                                                                           "status": {"observedGeneration": 2}})
        self.assertEqual((r.json()["spec"]["replicas"], r.json()["status"]["observedGeneration"]), (3, 2))

    def test_no_controller_no_change(self):
        self.set_app_operation("second", SYNC_OP)
        time.sleep(1.5)
        app = self.get("second")
        self.assertIn("operation", app)
        self.assertNotIn("operationState", app["status"])

    def test_kubectl_patch_and_a_conflicting_replace(self):
        home = tempfile.mkdtemp(dir=TMP.name)
        kc = self.emu.kubeconfig(os.path.join(home, "config"))

        def kubectl(*args):
            r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=10s", "-n", "argocd"] + list(args),
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))
            return r.returncode, r.stdout, r.stderr
        rc, out, err = kubectl("patch", "application", "kubectl", "--type", "merge",
                               "-p", '{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"hard"}}}')
        self.assertEqual(rc, 0, err)
        self.assertIn("application.argoproj.io/kubectl patched", out)
        rc, out, err = kubectl("patch", "application", "kubectl", "-p", '{"spec":{"project":"x"}}')
        self.assertNotEqual(rc, 0)         # kubectl's default strategic merge patch: not for custom resources
        self.assertEqual(err, "error: application/strategic-merge-patch+json is not supported by argoproj.io/v1alpha1, "
                              "Kind=Application: the body of the request was in an unknown format - accepted media "
                              "types include: application/json-patch+json, application/merge-patch+json, "
                              "application/apply-patch+yaml\n")
        rc, out, err = kubectl("get", "application", "kubectl", "-o", "json")
        self.assertEqual(rc, 0, err)
        stale = os.path.join(home, "stale.json")
        with open(stale, "w") as f:
            f.write(out)
        self.api.request("PATCH", APPS + "/kubectl", body={"spec": {"project": "y"}},
                         headers={"Content-Type": "application/merge-patch+json"})
        rc, out, err = kubectl("replace", "--validate=false", "-f", stale)
        self.assertNotEqual(rc, 0)
        self.assertIn("Error from server (Conflict)", err)
        self.assertIn(CONFLICT % "kubectl", err)


class TestController(ArgoCase):
    def test_sync_runs_succeeds_and_settles(self):
        before = self.get("root")
        self.set_app_operation("root", SYNC_OP)
        running = self.wait("root", lambda a: (a["status"].get("operationState") or {}).get("phase") == "Running",
                            what="Running")
        st = running["status"]["operationState"]
        self.assertEqual((st["operation"], st["message"]), (SYNC_OP, "one or more tasks are running"))
        self.assertRegex(st["startedAt"], RFC3339)
        self.assertEqual(running["operation"], SYNC_OP)
        done = self.wait("root", lambda a: "operation" not in a, what="operation cleared")
        st = done["status"]["operationState"]
        self.assertEqual((st["phase"], st["message"]), ("Succeeded", "successfully synced (all tasks run)"))
        self.assertRegex(st["finishedAt"], RFC3339)
        self.assertGreaterEqual(st["finishedAt"], st["startedAt"])
        self.assertEqual(st["syncResult"], {"revision": "4f2a9c1d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3",
                                            "source": before["spec"]["source"]})
        synced = self.wait("root", lambda a: a["status"]["sync"]["status"] == "Synced", what="Synced")
        self.assertGreater(synced["status"]["reconciledAt"], st["finishedAt"])      # whole seconds, 1 s later
        self.assertEqual(synced["status"]["sync"]["comparedTo"],
                         {"source": before["spec"]["source"], "destination": before["spec"]["destination"]})
        self.assertEqual(synced["status"]["history"][-1]["revision"], st["syncResult"]["revision"])
        healthy = self.wait("root", lambda a: a["status"]["health"]["status"] == "Healthy", what="Healthy")
        # argocd app wait's rule (checkResourceStatus + the reconciledAt check): ready now
        self.assertTrue(healthy["status"]["reconciledAt"] >= healthy["status"]["operationState"]["finishedAt"])
        self.assertRegex(healthy["status"]["health"]["lastTransitionTime"], RFC3339)

    def test_degraded_health_script(self):
        self.emu.argocd("argocd", "vault", health="Degraded",
                        healthMessage='Deployment "vault" exceeded its progress deadline')
        self.set_app_operation("vault", SYNC_OP)
        self.wait("vault", lambda a: a["status"]["health"]["status"] == "Progressing", what="Progressing")
        app = self.wait("vault", lambda a: a["status"]["health"]["status"] == "Degraded", what="Degraded")
        self.assertEqual(app["status"]["health"]["message"], 'Deployment "vault" exceeded its progress deadline')
        self.assertEqual(app["status"]["sync"]["status"], "Synced")

    def test_failure_with_retries(self):
        self.emu.argocd("argocd", "flaky", result="Failed", failAttempts=1)
        op = dict(SYNC_OP, retry={"limit": 2, "backoff": {"duration": "300ms", "factor": 2}})
        self.set_app_operation("flaky", op)
        retrying = self.wait("flaky", lambda a: (a["status"].get("operationState") or {}).get("retryCount") == 1,
                             what="a retry")
        st = retrying["status"]["operationState"]
        self.assertEqual(st["phase"], "Running")
        self.assertIn("finishedAt", st)      # Running with finishedAt: the controller's retry marker
        self.assertRegex(st["message"], r"^one or more synchronization tasks completed unsuccessfully\. Retrying "
                                        r"attempt #1 at \d{1,2}:\d\d[AP]M\.$")
        done = self.wait("flaky", lambda a: "operation" not in a, what="done")
        self.assertEqual(done["status"]["operationState"]["phase"], "Succeeded")
        self.emu.argocd("argocd", "broken", result="Failed")
        self.set_app_operation("broken", dict(SYNC_OP, retry={"limit": 1, "backoff": {"duration": "300ms"}}))
        done = self.wait("broken", lambda a: "operation" not in a, what="done")
        st = done["status"]["operationState"]
        self.assertEqual((st["phase"], st["message"]),
                         ("Failed", "one or more synchronization tasks completed unsuccessfully (retried 1 times)."))
        self.assertEqual(done["status"]["sync"]["status"], "OutOfSync")

    def test_second_operation_while_running(self):
        self.emu.argocd("argocd", "second", syncSeconds=2)
        first = dict(SYNC_OP, sync={"revision": "1" * 40})
        self.set_app_operation("second", first)
        self.wait("second", lambda a: (a["status"].get("operationState") or {}).get("phase") == "Running")
        # Argo CD's SetAppOperation refuses (its own check, FailedPrecondition) ...
        self.assertEqual(self.set_app_operation("second", SYNC_OP), "another operation is already in progress")
        # ... the Kubernetes API does not: the write succeeds, and the running sync ignores it and
        # clears `operation` when it completes, as processRequestedAppOperation does.
        app = self.get("second")
        app["operation"] = dict(SYNC_OP, sync={"revision": "2" * 40})
        self.assertEqual(self.api.request("PUT", APPS + "/second", body=app).status, 200)
        done = self.wait("second", lambda a: "operation" not in a, what="done")
        self.assertEqual(done["status"]["operationState"]["syncResult"]["revision"], "1" * 40)

    def test_refresh_annotation_is_consumed(self):
        before = self.get("refresh")["status"]["reconciledAt"]
        r = self.api.request("PATCH", APPS + "/refresh", headers={"Content-Type": "application/merge-patch+json"},
                             body={"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}})
        self.assertEqual(r.status, 200)
        app = self.wait("refresh", lambda a: "argocd.argoproj.io/refresh" not in (a["metadata"].get("annotations") or {}),
                        what="the annotation consumed")
        self.assertGreater(app["status"]["reconciledAt"], before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
