"""scrape-nodes --pods against the Kubernetes API emulator's kubelets (their /metrics/resource
behind the node proxy): the pod lines passed through first, a node_usage line and pod_usage
lines per node; directly with a bearer token from --token-file (the token never on argv); what
fails one node only (a kubelet that reports resource_scrape_error, a node proxy forbidden by
RBAC); the same cAdvisor sample twice (rate unknown, not zero); and the usage errors."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
import k8s_harness as H  # noqa: E402

TOKEN = "kubelet-reader-token"


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    e["HOME"] = "/nonexistent-home"
    return e


def node_line(name, ip="10.255.0.9", cpu=4, gib=16):
    return json.dumps({"kind": "node", "name": name, "roles": [], "ready": True, "internal_ip": ip,
                       "capacity": {"cpu_cores": cpu, "memory_bytes": gib * 2 ** 30, "gpus": 0},
                       "allocatable": {"cpu_cores": cpu, "memory_bytes": gib * 2 ** 30, "gpus": 0},
                       "labels": {"pool": name}})


class ScrapePods(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-pods-")
        cls.pki = H.make_pki(os.path.join(cls.tmp.name, "pki"), key="ec")
        objs = [H.node("kind-worker", cpu="4"), H.node("kind-worker2", cpu="4"),
                H.pod("web", "api-1", node_name="kind-worker", containers=[H.container("app", cpu="500m", memory="64Mi")]),
                H.pod("web", "api-2", node_name="kind-worker2", containers=[H.container("app", cpu="250m")]),
                H.pod_usage("web", "api-1", {"app": {"cpu": 0.25, "memory": "100Mi"}}),
                H.pod_usage("web", "api-2", {"app": {"cpu": 0.5, "memory": "50Mi"}})]
        cls.emu = H.Emulator(pki=cls.pki, token=TOKEN, fixtures=objs)
        cls.emu.__enter__()
        cls.kubeconfig = cls.emu.kubeconfig(os.path.join(cls.tmp.name, "config"))
        cls.token_file = os.path.join(cls.tmp.name, "token")
        with open(cls.token_file, "w") as f:
            f.write(TOKEN + "\n")
        cls.inventory = node_line("kind-worker") + "\n" + node_line("kind-worker2") + "\n" + json.dumps(
            {"kind": "pod", "namespace": "web", "name": "api-1", "node": "kind-worker", "phase": "Running",
             "containers": [{"name": "app", "cpu_request_cores": 0.5}]}) + "\n"

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        cls.tmp.cleanup()

    def tearDown(self):
        self.emu.clear_faults()
        for n in ("kind-worker", "kind-worker2"):
            self.emu.set_node_usage(n, scrape_error=False, housekeeping_seconds=0)

    def scrape(self, *args, input=None):
        return sftest.run([sftest.binary("scrape-nodes"), "--pods", "--interval", "0.5s", "--retries", "0", *args],
                          input=self.inventory if input is None else input, env=env())

    def via_apiserver(self, *args):
        return self.scrape("--via-apiserver", "--kubeconfig", self.kubeconfig, *args)

    def test_pods_first_then_each_node_with_its_containers(self):
        self.emu.clear_requests()
        r = self.via_apiserver()
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = sftest.json_lines(r.stdout)
        self.assertEqual([l["kind"] for l in lines], ["pod", "node_usage", "pod_usage", "node_usage", "pod_usage"])
        worker = lines[1]
        self.assertEqual((worker["node"], worker["cpu_cores"], worker["labels"]), ("kind-worker", 4, {"pool": "kind-worker"}))
        self.assertTrue(worker["source"].endswith("/api/v1/nodes/kind-worker/proxy/metrics/resource"))
        api = lines[2]
        self.assertEqual((api["namespace"], api["pod"], api["container"]), ("web", "api-1", "app"))
        self.assertEqual((api["window_start"], api["window_end"]), (worker["window_start"], worker["window_end"]))
        self.assertAlmostEqual(api["cpu_usage_cores"], 0.25, delta=0.25 * 0.01)
        self.assertEqual(api["memory_working_set_bytes"], 100 * 2 ** 20)
        self.assertGreater(api["running_seconds"], 0.4)
        log = self.emu.requests_log(path_prefix="/api/v1/nodes/kind-worker/proxy/metrics/resource")
        self.assertEqual(len(log), 2, "two samples")
        self.assertEqual(log[-1]["auth"], "x509")

    def test_directly_with_a_bearer_token_from_a_file(self):
        # The emulator's API server stands in for a kubelet at 127.0.0.1: what is checked is the
        # direct path (URL from the node line, TLS against --cacert, the token as a header).
        port = self.emu.url.rsplit(":", 1)[1]
        inventory = node_line("kind-worker", ip="127.0.0.1") + "\n"
        self.emu.clear_requests()
        r = self.scrape("--port", port, "--path", "/api/v1/nodes/kind-worker/proxy/metrics/resource", "--token-file",
                        self.token_file, "--cacert", self.pki.ca_cert, input=inventory)
        self.assertEqual(r.returncode, 0, r.stderr)
        usage = [l for l in sftest.json_lines(r.stdout) if l["kind"] == "pod_usage"]
        self.assertEqual(usage[0]["pod"], "api-1")
        self.assertTrue(usage[0]["source"].startswith("https://127.0.0.1:" + port + "/"))
        entry = self.emu.requests_log(path_prefix="/api/v1/nodes/kind-worker/proxy")[-1]
        self.assertEqual((entry["auth"], entry["bearer"]), ("token", "valid"))
        self.assertNotIn(TOKEN, r.stderr + r.stdout)
        r = self.scrape("--via-apiserver", "--kubeconfig", self.kubeconfig, "--token-file", self.token_file)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--token-file goes with --pods scraping kubelets directly", r.stderr)

    def test_a_token_file_with_cr_lf_is_refused_before_any_request(self):
        port = self.emu.url.rsplit(":", 1)[1]
        bad = os.path.join(self.tmp.name, "token-crlf")
        with open(bad, "w") as f:
            f.write(TOKEN + "\r\nX-Injected: yes\n")
        self.emu.clear_requests()
        r = self.scrape("--port", port, "--path", "/api/v1/nodes/kind-worker/proxy/metrics/resource", "--token-file",
                        bad, "--cacert", self.pki.ca_cert, input=node_line("kind-worker", ip="127.0.0.1") + "\n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"--token-file {bad}: the token holds a control character", r.stderr)
        self.assertNotIn(TOKEN, r.stderr + r.stdout)
        self.assertNotIn("X-Injected", r.stderr + r.stdout)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.emu.requests_log(path_prefix="/api/v1/nodes/kind-worker/proxy"), [],
                         "no request was sent")

    def test_a_kubelet_scrape_error_spoils_its_node_only(self):
        self.emu.set_node_usage("kind-worker2", scrape_error=True)
        r = self.via_apiserver()
        self.assertEqual(r.returncode, 3, r.stderr)
        lines = sftest.json_lines(r.stdout)
        failed = [l for l in lines if l.get("node") == "kind-worker2" and l["kind"] != "pod"]
        self.assertEqual(sorted(l["kind"] for l in failed), ["node_usage", "pod_usage"])
        self.assertTrue(all("resource_scrape_error 1" in l["error"] for l in failed))
        self.assertTrue(any(l["kind"] == "pod_usage" and l.get("pod") == "api-1" for l in lines))

    def test_forbidden_node_proxy_names_rbac(self):
        self.emu.fault("status", code=403, path_prefix="/api/v1/nodes/kind-worker/proxy",
                       message='nodes "kind-worker" is forbidden: User "viewer" cannot get resource "nodes/proxy"')
        r = self.via_apiserver()
        self.assertEqual(r.returncode, 3, r.stderr)
        error = [l for l in sftest.json_lines(r.stdout) if l["kind"] == "node_usage" and "error" in l][0]
        self.assertIn("nodes/proxy", error["error"])
        self.assertIn("RBAC", error["error"])

    def test_the_same_cadvisor_sample_twice_leaves_the_rate_unknown(self):
        for n in ("kind-worker", "kind-worker2"):
            self.emu.set_node_usage(n, housekeeping_seconds=30)  # both scrapes inside one sample
        r = self.via_apiserver()
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = sftest.json_lines(r.stdout)
        usage = [l for l in lines if l["kind"] == "pod_usage"]
        self.assertTrue(all(l["cpu_usage_cores"] is None for l in usage), usage)
        self.assertTrue(all(l["cpu_busy_cores"] is None for l in lines if l["kind"] == "node_usage"))
        p = subprocess.run([sftest.binary("price-calc"), "--pricing", os.path.join(sftest.SOURCE_DIR, "opencost",
                            "pricing.json"), "--by", "namespace", "-f", "summary"], input=r.stdout,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["cpu_unknown"], 2)
        self.assertIn("CPU rate unknown", p.stderr)

    def test_usage_errors(self):
        r = self.scrape("kind-worker", input="")
        self.assertEqual(r.returncode, 2)
        self.assertIn("node lines", r.stderr)
        r = self.via_apiserver("--scheme", "ftp")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
