"""kind-wait --list pods against the Kubernetes API emulator: a generated workload (Deployments,
their ReplicaSets, pods of every QoS class, init containers, native sidecars, RuntimeClass
overhead, pending and failed pods) listed over several LIST pages, each pod line checked against
the objects the emulator serves; the ReplicaSet -> Deployment resolution by a LIST, and by the
name pattern when ReplicaSets may not be listed (403); --list nodes,pods; faults."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
from test_kind_wait import clean_env, run  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators", "fixtures"))
import k8s_harness as H  # noqa: E402
from workload import workload  # noqa: E402

PODS = 1203  # LIST pages of 500, 500 and 203


def cores(q):
    return int(q[:-1]) / 1000.0 if q.endswith("m") else float(q)


def mib_bytes(q):
    assert q.endswith("Mi"), q
    return int(q[:-2]) * 2**20


class ListPodsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-pods-")
        cls.pki = H.make_pki(os.path.join(cls.tmp.name, "pki"), key="ec")
        cls.objects = workload(pods=PODS, nodes=4, namespaces=3, pending=3, ended=2)
        cls.emu = H.Emulator(pki=cls.pki, fixtures=cls.objects)
        cls.emu.__enter__()
        cls.kubeconfig = cls.emu.kubeconfig(os.path.join(cls.tmp.name, "config"))
        cls.pods = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in cls.objects if o["kind"] == "Pod"}

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        cls.tmp.cleanup()

    def tearDown(self):
        self.emu.clear_faults()

    def list_pods(self, *extra):
        r = run(["--kubeconfig", self.kubeconfig, "--list", "pods", "--timeout", "20s", *extra])
        self.assertEqual(r.rc, 0, r)
        return r, r.lines()

    def test_every_pod_once_sorted_with_requests_limits_and_its_deployment(self):
        self.emu.clear_requests()
        r, lines = self.list_pods()
        self.assertEqual(len(lines), PODS)
        keys = [(l["namespace"], l["name"]) for l in lines]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(set(keys), set(self.pods))
        lists = [e for e in self.emu.requests_log(path_prefix="/api/v1/pods") if e["verb"] == "list"]
        self.assertEqual(len(lists), 3, "paged with limit=500")
        self.assertTrue(all(e["params"].get("limit") == "500" for e in lists))
        for line in lines:
            pod = self.pods[(line["namespace"], line["name"])]
            spec = pod["spec"]
            self.assertEqual(line["kind"], "pod")
            self.assertEqual(line["uid"], pod["metadata"]["uid"])
            self.assertEqual(line["node"], spec.get("nodeName"))
            self.assertEqual(line["phase"], pod["status"]["phase"])
            self.assertEqual(line["labels"], pod["metadata"]["labels"])
            # The workload generator names each ReplicaSet after its Deployment (svc-NNNN).
            self.assertEqual((line["controller_kind"], line["controller"], line["controller_from"]),
                             ("Deployment", line["labels"]["app"], "replicaset"))
            self.assertEqual(line["owner_kind"], "ReplicaSet")
            containers = {c["name"]: c for c in spec["containers"]}
            self.assertEqual([c["name"] for c in line["containers"]], list(containers))
            for c in line["containers"]:
                res = containers[c["name"]].get("resources") or {}
                req, lim = res.get("requests") or {}, res.get("limits") or {}
                self.assertAlmostEqual(c["cpu_request_cores"], cores(req["cpu"]) if "cpu" in req else 0)
                self.assertEqual(c["memory_request_bytes"], mib_bytes(req["memory"]) if "memory" in req else 0)
                self.assertEqual(c["memory_limit_bytes"], mib_bytes(lim["memory"]) if "memory" in lim else None)
                self.assertEqual(c["cpu_limit_cores"], cores(lim["cpu"]) if "cpu" in lim else None)
            inits = spec.get("initContainers") or []
            self.assertEqual([(c["name"], c["sidecar"]) for c in line["init_containers"]],
                             [(c["name"], c.get("restartPolicy") == "Always") for c in inits])
            overhead = spec.get("overhead") or {}
            self.assertAlmostEqual(line["overhead"]["cpu_cores"], cores(overhead["cpu"]) if overhead else 0)
            # What the scheduler counts, computed here independently (KEP-753's rule).
            def total(kind, conv, cs):
                return sum(conv(((c.get("resources") or {}).get("requests") or {}).get(kind, "0m" if kind == "cpu" else "0Mi"))
                           for c in cs)
            for kind, conv, field in (("cpu", cores, "cpu_cores"), ("memory", mib_bytes, "memory_bytes")):
                regular = total(kind, conv, spec["containers"]) + total(kind, conv, [c for c in inits if c.get("restartPolicy") == "Always"])
                sidecars, peak = 0.0, 0.0
                for c in inits:
                    own = total(kind, conv, [c])
                    if c.get("restartPolicy") == "Always":
                        sidecars += own
                    else:
                        peak = max(peak, sidecars + own)
                extra = conv(overhead[kind]) if kind in overhead else 0
                self.assertAlmostEqual(line["scheduling_requests"][field], max(regular, peak) + extra, places=6,
                                       msg=(line["name"], kind))
        phases = {l["phase"] for l in lines}
        self.assertEqual(phases, {"Running", "Pending", "Failed"})
        self.assertTrue(any(l["node"] is None for l in lines), "unscheduled pods have node null")
        self.assertTrue(any(l["init_containers"] for l in lines))
        self.assertTrue(any(l["overhead"]["cpu_cores"] > 0 for l in lines))

    def test_without_replicaset_access_the_deployment_comes_from_the_name(self):
        self.emu.fault("status", code=403, path_prefix="/apis/apps/v1/replicasets",
                       message='replicasets.apps is forbidden: User "viewer" cannot list resource "replicasets"')
        r, lines = self.list_pods()
        self.assertEqual(len(lines), PODS)
        self.assertIn("cannot list ReplicaSets", r.err)
        self.assertIn("pod-template-hash", r.err)
        self.assertEqual({l["controller_from"] for l in lines}, {"name-pattern"})
        self.assertTrue(all(l["controller"] == l["labels"]["app"] and l["controller_kind"] == "Deployment" for l in lines))

    def test_a_failing_api_server_is_retried_then_named(self):
        self.emu.fault("status", code=503, path_prefix="/api/v1/pods", times=2)
        r, lines = self.list_pods()
        self.assertEqual(len(lines), PODS)
        self.emu.fault("status", code=503, path_prefix="/api/v1/pods")
        r = run(["--kubeconfig", self.kubeconfig, "--list", "pods", "--timeout", "2s"])
        self.assertEqual(r.rc, 1, r)
        # the wait's one retry policy: the deadline, and that the server answered, only with errors
        self.assertIn("no pod list after 2.0s", r.err)
        self.assertIn("answered, but only with errors", r.err)
        self.assertIn("503", r.err)
        self.assertEqual(r.out, "", "nothing half-listed")

    def test_forbidden_pods_is_a_configuration_error(self):
        self.emu.fault("status", code=403, path_prefix="/api/v1/pods")
        r = run(["--kubeconfig", self.kubeconfig, "--list", "pods", "--timeout", "5s"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("RBAC", r.err)

    def test_nodes_and_pods_in_one_run_nodes_first(self):
        r = run(["--kubeconfig", self.kubeconfig, "--list", "pods,nodes"])
        self.assertEqual(r.rc, 0, r)
        kinds = [l["kind"] for l in r.lines()]
        self.assertEqual(kinds, ["node"] * 5 + ["pod"] * PODS)
        r = run(["--kubeconfig", self.kubeconfig, "--list", "deployments"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("'nodes', 'pods' or 'nodes,pods'", r.err)



class HostileNamesTests(unittest.TestCase):
    """Names the API should never hold (Kubernetes validates them), served anyway: ESC, CR LF
    and BEL in a node's and a pod's name. Every line written stays one valid UTF-8 JSON line."""

    def test_names_with_control_characters_are_escaped_or_refused_alone(self):
        with tempfile.TemporaryDirectory(prefix="sf-names-") as tmp:
            pki = H.make_pki(os.path.join(tmp, "pki"), key="ec")
            hostile_node, hostile_pod = "kind-\x1b[2J\r\nworker", "api-\x1b]0;owned\x07"
            fixtures = [H.node("kind-control-plane"), H.node(hostile_node),
                        H.pod("team-a", "ok", node_name="kind-control-plane"),
                        H.pod("team-a", hostile_pod, node_name="kind-control-plane")]
            with H.Emulator(pki=pki, fixtures=fixtures) as emu:
                kubeconfig = emu.kubeconfig(os.path.join(tmp, "config"))
                r = run(["--kubeconfig", kubeconfig, "--list", "nodes,pods", "--timeout", "20s"])
        self.assertEqual(r.rc, 3, r)  # partial: one pod refused, the rest listed
        raw = r.out.encode("utf-8", "surrogateescape")
        self.assertTrue(raw.endswith(b"\n"), r)
        for line in raw[:-1].split(b"\n"):  # only \n ends a line: no CR, ESC or BEL left raw
            self.assertFalse(set(line) & {0x07, 0x0d, 0x1b}, line)
            json.loads(line.decode("utf-8"))  # valid UTF-8, valid JSON, whole
        lines = r.lines()
        self.assertEqual(sorted(l["name"] for l in lines if l["kind"] == "node"), sorted(["kind-control-plane", hostile_node]))
        self.assertEqual([l["name"] for l in lines if l["kind"] == "pod"], ["ok"])
        self.assertIn("pod team-a/api-", r.err)
        self.assertIn('field "name"', r.err)
        self.assertIn("holds control characters; its line is left out", r.err)
        self.assertNotIn("\x1b", r.err, "never raw on the terminal")

if __name__ == "__main__":
    unittest.main()
