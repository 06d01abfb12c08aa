#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests of the platform's custom resources in the Kubernetes API emulator: the CRDs of
Argo CD, External Secrets (external-secrets.io/v1, status subresource) and MetalLB
(metallb.io/v1beta1) from platform_crds(), their objects served at the right scope, the status
subresource split on writes, ESO's force-sync annotation written as infra-up will write it, and
kubectl listing them as a real client.

Run: python3 tests/integration/test_k8s_emulator_platform.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

import k8s_harness as H  # noqa: E402

ES = "/apis/external-secrets.io/v1/namespaces/vault/externalsecrets"
MERGE = {"Content-Type": "application/merge-patch+json"}


class TestPlatformResources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="k8s-emu-platform-")
        cls.pki = H.make_pki(os.path.join(cls.tmp.name, "pki"), key="ec")
        cls.emu = H.Emulator(pki=cls.pki, fixtures=H.platform_crds() + [
            H.namespace("vault"), H.namespace("metallb-system"), H.cluster_secret_store(),
            H.external_secret("vault", "vault-unseal"), H.external_secret("vault", "pending", ready=None),
            H.ip_address_pool(), H.l2_advertisement()]).start()
        cls.api = cls.emu.client()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.tmp.cleanup()

    def test_served_at_their_versions_and_scopes(self):
        g = self.api.get("/apis/external-secrets.io").json()
        self.assertEqual(g["preferredVersion"], {"groupVersion": "external-secrets.io/v1", "version": "v1"})
        r = self.api.get(ES).json()
        self.assertEqual(r["kind"], "ExternalSecretList")
        self.assertEqual([i["metadata"]["name"] for i in r["items"]], ["pending", "vault-unseal"])
        self.assertEqual(r["items"][1]["status"]["conditions"][0]["reason"], "SecretSynced")
        css = self.api.get("/apis/external-secrets.io/v1/clustersecretstores/vault-backend")
        self.assertEqual((css.status, css.json()["status"]["conditions"][0]["message"]), (200, "store validated"))
        self.assertEqual(self.api.get("/apis/external-secrets.io/v1/namespaces/vault/clustersecretstores").status,
                         404)
        pool = self.api.get("/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools/kind-pool").json()
        self.assertEqual(pool["spec"]["addresses"], ["172.18.255.200-172.18.255.250"])
        self.assertEqual(self.api.get("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications").status, 200)

    def test_status_subresource_and_force_sync(self):
        rv = self.api.get(ES).json()["metadata"]["resourceVersion"]
        w = self.api.watch(ES + "?watch=1&resourceVersion=%s&timeoutSeconds=5" % rv)
        stamp = str(int(time.time()))
        r = self.api.request("PATCH", ES + "/vault-unseal", headers=MERGE, body={
            "metadata": {"annotations": {"force-sync": stamp}}, "status": {"refreshTime": None}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["metadata"]["annotations"], {"force-sync": stamp})
        self.assertIn("refreshTime", r.json()["status"])          # the main resource keeps status
        self.assertEqual(r.json()["metadata"]["generation"], 1)     # metadata only: no new generation
        ev = next(w.events(limit=1, deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["annotations"]["force-sync"]), ("MODIFIED", stamp))
        r = self.api.request("PATCH", ES + "/pending/status", headers=MERGE, body={
            "spec": {"refreshInterval": "5m"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        self.assertEqual((r.json()["spec"]["refreshInterval"], r.json()["status"]["conditions"][0]["status"]),
                         ("1h", "True"))

    def test_kubectl_lists_them(self):
        home = tempfile.mkdtemp(dir=self.tmp.name)
        kc = self.emu.kubeconfig(os.path.join(home, "config"))
        r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=10s", "get", "externalsecrets", "-A",
                            "-o", "json"], capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(i["metadata"]["name"] for i in json.loads(r.stdout)["items"]), ["pending", "vault-unseal"])
        r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=10s", "get", "css", "-o", "name"],
                           capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))
        self.assertEqual((r.returncode, r.stdout), (0, "clustersecretstore.external-secrets.io/vault-backend\n"),
                         r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
