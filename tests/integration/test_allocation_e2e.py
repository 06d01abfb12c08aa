"""The allocation pipe end to end against the Kubernetes API emulator, as `make cost-report`
runs it on a cluster: kind-wait --list nodes,pods | scrape-nodes --pods --via-apiserver |
price-calc --by ..., over a generated workload (Deployments of every QoS class, init containers,
native sidecars, RuntimeClass overhead, pending and failed pods) whose kubelets report usage
that changes between the two samples. The namespace totals are computed here, independently,
from the objects and the usage the test gave the emulator, the prices and the windows the
node_usage lines report: max(request, usage) per container at its node's prices, idle = node
cost - allocated, shared idle by cost per resource."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators", "fixtures"))
import k8s_harness as H  # noqa: E402
from workload import workload  # noqa: E402

GIB = 1024 ** 3
CPU_PRICE, RAM_PRICE = 0.031611, 0.004237   # opencost/pricing.json
INTERVAL = 3.0
PRICING = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    e["HOME"] = "/nonexistent-home"
    return e


def quantity(q, cpu):
    if q is None:
        return 0.0
    if cpu:
        return int(q[:-1]) / 1000.0 if q.endswith("m") else float(q)
    return int(q[:-2]) * 2 ** 20


def seconds_between(start, end):
    """Exact for millisecond times (float epoch seconds would round them)."""
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


class AllocationPipe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="sf-alloc-")
        cls.objects = workload(pods=90, nodes=3, namespaces=3, pending=2, ended=2, seed="e2e")
        pki = H.make_pki(os.path.join(cls.tmp.name, "pki"), key="ec")
        cls.emu = H.Emulator(pki=pki, fixtures=cls.objects)
        cls.emu.__enter__()
        cls.kubeconfig = cls.emu.kubeconfig(os.path.join(cls.tmp.name, "config"))
        inventory = subprocess.run([sftest.binary("kind-wait"), "--kubeconfig", cls.kubeconfig, "--list", "nodes,pods"],
                                   capture_output=True, text=True, env=env(), timeout=60)
        assert inventory.returncode == 0, inventory.stderr
        cls.inventory = inventory.stdout
        cls.usage = {(o["metadata"]["namespace"], o["metadata"]["name"]): o["containers"]
                     for o in cls.objects if o["kind"] == "PodUsage"}
        cls.pods = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in cls.objects if o["kind"] == "Pod"}
        cls.changed = {}
        cls.pipe = cls.scrape_with_changes()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        cls.tmp.cleanup()

    @classmethod
    def scrape_with_changes(cls):
        """Runs scrape-nodes; between its two samples, changes the usage of every fifth running
        pod: memory up by half, CPU halved (most stay under their request: their charge is the
        request either way), and one pod's CPU to twice its request (timing-dependent)."""
        cls.emu.clear_requests()
        proc = subprocess.Popen([sftest.binary("scrape-nodes"), "--pods", "--via-apiserver", "--kubeconfig",
                                 cls.kubeconfig, "--interval", "%gs" % INTERVAL], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        output = {}
        readers = [threading.Thread(target=lambda n=n, f=f: output.__setitem__(n, f.read()))
                   for n, f in (("out", proc.stdout), ("err", proc.stderr))]
        for t in readers:
            t.start()
        proc.stdin.write(cls.inventory)
        proc.stdin.close()
        prefix = "/api/v1/nodes/"
        H_wait = time.monotonic() + 20
        while time.monotonic() < H_wait:  # the first sample of each of the four kubelets
            done = [e for e in cls.emu.requests_log(path_prefix=prefix) if e["status"] == 200]
            if len(done) >= 4:
                break
            time.sleep(0.02)
        cls.change_before = time.time()
        running = sorted(k for k in cls.usage)
        for i, key in enumerate(running[::5]):
            old = cls.usage[key]
            new = {c: {"cpu": v["cpu"] / 2, "memory": int(v["memory"] * 1.5)} for c, v in old.items()}
            if i == 0:  # above its request after the change
                spec = {c["name"]: c for c in cls.pods[key]["spec"]["containers"]}
                c0 = next(iter(new))
                req = quantity(((spec[c0].get("resources") or {}).get("requests") or {}).get("cpu"), True) or 0.1
                new[c0]["cpu"] = 2 * req
            cls.emu.set_pod_usage(key[0], key[1], new)
            cls.changed[key] = new
        cls.change_after = time.time()
        proc.wait(timeout=60)
        for t in readers:
            t.join()
        proc.stdout.close()
        proc.stderr.close()
        out, err = output["out"], output["err"]
        assert proc.returncode == 0, err
        cls.samples = {}  # node -> [(start, end) of the request of each sample]
        for e in cls.emu.requests_log(path_prefix=prefix):
            node = e["path"][len(prefix):].split("/")[0]
            cls.samples.setdefault(node, []).append((e["start"], e["end"]))
        return out

    def price_calc(self, *args):
        r = subprocess.run([sftest.binary("price-calc"), "--pricing", PRICING, *args], input=self.pipe,
                           capture_output=True, text=True, timeout=60)
        return r

    def expected(self):
        """Namespace -> [cpu cost low, cpu cost high, ram cost], idle [cpu low, cpu high, ram], the
        node total: computed here. CPU is a range: a changed rate counts from the moment of the
        change, which lies between change_before and change_after, and the kubelet's sample times
        lie within its requests; memory is the mean of the two samples, exactly."""
        lines = sftest.json_lines(self.pipe)
        nodes = {l["node"]: l for l in lines if l["kind"] == "node_usage"}
        hours = {n: seconds_between(l["window_start"], l["window_end"]) / 3600 for n, l in nodes.items()}
        per_ns, charged = {}, {n: [0.0, 0.0, 0.0] for n in nodes}
        for key, pod in self.pods.items():
            if pod["status"]["phase"] != "Running" or key not in self.usage:
                continue
            node = pod["spec"]["nodeName"]
            specs = list(pod["spec"]["containers"]) + [c for c in pod["spec"].get("initContainers") or []
                                                        if c.get("restartPolicy") == "Always"]
            sidecars = {c["name"] for c in pod["spec"].get("initContainers") or []}
            (s1, e1), (s2, e2) = self.samples[node][0], self.samples[node][-1]
            for c in specs:
                req = (c.get("resources") or {}).get("requests") or {}
                # OpenCost counts the containers' requests only: a sidecar is charged its usage.
                cpu_req = 0.0 if c["name"] in sidecars else quantity(req.get("cpu"), True)
                mem_req = 0.0 if c["name"] in sidecars else quantity(req.get("memory"), False)
                u1 = self.usage[key][c["name"]]
                u2 = self.changed.get(key, {}).get(c["name"], u1)
                cpus = [(u1["cpu"] * (tc - t1) + u2["cpu"] * (t2 - tc)) / (t2 - t1)
                        for tc in (self.change_before, self.change_after) for t1 in (s1, e1) for t2 in (s2, e2)]
                mem = (u1["memory"] + u2["memory"]) / 2
                h = hours[node]
                cost = [max(cpu_req, min(cpus)) * h * CPU_PRICE, max(cpu_req, max(cpus)) * h * CPU_PRICE,
                        max(mem_req, mem) / GIB * h * RAM_PRICE]
                ns = per_ns.setdefault(key[0], [0.0, 0.0, 0.0])
                for i in (0, 1, 2):
                    ns[i] += cost[i]
                    charged[node][i] += cost[i]
        node_cost = {n: (l["cpu_cores"] * hours[n] * CPU_PRICE, l["memory_bytes"] / GIB * hours[n] * RAM_PRICE)
                     for n, l in nodes.items()}
        idle = [sum(node_cost[n][0] - charged[n][1] for n in nodes), sum(node_cost[n][0] - charged[n][0] for n in nodes),
                sum(node_cost[n][1] - charged[n][2] for n in nodes)]
        total = sum(sum(c) for c in node_cost.values())
        return per_ns, idle, total

    def assertWithin(self, value, low, high, what):
        slack = 2e-4 * abs(high)  # the kubelet's millisecond timestamps
        self.assertTrue(low - slack <= value <= high + slack, "%s: %r not in [%r, %r]" % (what, value, low, high))

    def rows(self, result):
        self.assertIn(result.returncode, (0,), result.stderr)
        return {r["name"]: r for r in sftest.json_lines(result.stdout)}

    def test_the_pipe_carries_pods_then_node_and_container_lines(self):
        kinds = [l["kind"] for l in sftest.json_lines(self.pipe)]
        self.assertEqual(kinds[:kinds.index("node_usage")], ["pod"] * len(self.pods))
        self.assertEqual(kinds.count("node_usage"), 4)
        running = sum(len(v) for v in self.usage.values())
        self.assertEqual(kinds.count("pod_usage"), running)

    def test_namespace_totals_match_an_independent_computation(self):
        rows = self.rows(self.price_calc("--by", "namespace", "-f", "json"))
        per_ns, idle, total = self.expected()
        self.assertEqual(set(rows), set(per_ns) | {"__idle__"})
        for ns, (cpu_low, cpu_high, ram) in per_ns.items():
            self.assertWithin(rows[ns]["cpu_cost"], cpu_low, cpu_high, ns)
            self.assertAlmostEqual(rows[ns]["ram_cost"] / ram, 1, delta=1e-9, msg=ns)
        self.assertWithin(rows["__idle__"]["cpu_cost"], idle[0], idle[1], "idle")
        self.assertAlmostEqual(rows["__idle__"]["ram_cost"] / idle[2], 1, delta=1e-9)
        # The rows add up to the hardware's cost, exactly (idle is never clamped).
        self.assertAlmostEqual(sum(r["total_cost"] for r in rows.values()) / total, 1, delta=1e-9)

    def test_shared_idle_goes_by_cost_per_resource(self):
        rows = self.rows(self.price_calc("--by", "namespace", "--share-idle", "-f", "json"))
        per_ns, idle, total = self.expected()
        self.assertNotIn("__idle__", rows)
        ram_all = sum(r for _, _, r in per_ns.values())
        for ns, (cpu_low, cpu_high, ram) in per_ns.items():
            self.assertAlmostEqual(rows[ns]["ram_cost"] / (ram + idle[2] * ram / ram_all), 1, delta=1e-9, msg=ns)
            # Shared idle has the sign of the cluster's idle: negative when it is overcommitted.
            self.assertEqual(rows[ns]["cpu_idle_cost"] > 0, idle[0] > 0, ns)
            self.assertNotEqual(rows[ns]["cpu_idle_cost"], 0, ns)
        # Every namespace's share of the CPU cost is its share of what was charged.
        cpu_total = sum(r["cpu_cost"] for r in rows.values())
        charged = sum(r["cpu_cost"] - r["cpu_idle_cost"] for r in rows.values())
        for ns, r in rows.items():
            self.assertAlmostEqual(r["cpu_cost"] / cpu_total, (r["cpu_cost"] - r["cpu_idle_cost"]) / charged, delta=1e-9)
        self.assertAlmostEqual(sum(r["total_cost"] for r in rows.values()) / total, 1, delta=1e-9)

    def test_workloads_and_what_was_not_allocated_are_reported(self):
        rows = self.rows(self.price_calc("--by", "controller", "-f", "json"))
        deployments = {o["metadata"]["namespace"] + "/Deployment/" + o["metadata"]["name"] for o in self.objects
                       if o["kind"] == "Deployment"}
        self.assertEqual(set(rows) - {"__idle__"}, deployments)
        r = self.price_calc("--by", "namespace", "-f", "summary")
        self.assertEqual(r.returncode, 0, r.stderr)
        (summary,) = sftest.json_lines(r.stdout)
        self.assertEqual(summary["pending"], 2)
        self.assertEqual(summary["without_pod"], 0)
        self.assertEqual(summary["charged"], sum(len(v) for v in self.usage.values()))
        self.assertIn("2 pod(s) Pending", r.stderr)

    def test_a_node_whose_kubelet_is_down_spoils_only_its_own_pods(self):
        self.emu.set_node_usage("kind-worker2", up=False)
        try:
            p = subprocess.run([sftest.binary("scrape-nodes"), "--pods", "--via-apiserver", "--kubeconfig",
                                self.kubeconfig, "--interval", "0.3s"], input=self.inventory, capture_output=True,
                               text=True, env=env(), timeout=60)
        finally:
            self.emu.set_node_usage("kind-worker2", up=True)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("kind-worker2", p.stderr)
        lines = sftest.json_lines(p.stdout)
        errors = [l for l in lines if "error" in l]
        self.assertEqual({l["kind"] for l in errors}, {"node_usage", "pod_usage"})
        self.assertIn("HTTP 503", errors[0]["error"])
        r = subprocess.run([sftest.binary("price-calc"), "--pricing", PRICING, "--by", "namespace", "-f", "summary"],
                           input=p.stdout, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        (summary,) = sftest.json_lines(r.stdout)
        self.assertEqual(summary["failed_nodes"], 1)
        on_worker2 = sum(1 for k, pod in self.pods.items() if pod["spec"].get("nodeName") == "kind-worker2"
                         and k in self.usage)
        self.assertEqual(summary["on_failed_nodes"], on_worker2)


if __name__ == "__main__":
    unittest.main()
