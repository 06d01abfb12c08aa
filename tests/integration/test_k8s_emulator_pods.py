#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests of the Kubernetes API emulator's pods and kubelet resource metrics: LIST of pods
with paging (kubectl --chunk-size as a real client), the ReplicaSet -> Deployment owner chain,
container requests/limits, init and sidecar containers, overhead; and /metrics/resource through
the node proxy as the kubelet writes it (checked with promtool and prometheus_client's parser,
two real parsers), usage that advances with real time and changes when set, pods that end or
never start, faults, and the 10,000-pod workload generator.

Run: python3 tests/integration/test_k8s_emulator_pods.py
"""

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

import k8s_harness as H  # noqa: E402

TMP = PKI = None
METRICS = "/api/v1/nodes/%s/proxy/metrics/resource"


def setUpModule():
    global TMP, PKI
    TMP = tempfile.TemporaryDirectory(prefix="k8s-emu-pods-")
    PKI = H.make_pki(os.path.join(TMP.name, "pki"), key="ec")


def tearDownModule():
    TMP.cleanup()


def samples(body):
    """{(family, labels tuple): (value, timestamp or None)} through prometheus_client's parser."""
    out = {}
    for fam in text_string_to_metric_families(body.decode()):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = (s.value, s.timestamp)
    return out


def c_key(name, ns, pod, container):
    return (name, (("container", container), ("namespace", ns), ("pod", pod)))


def p_key(name, ns, pod):
    return (name, (("namespace", ns), ("pod", pod)))


def kubectl(emu, *args, timeout=60):
    home = tempfile.mkdtemp(dir=TMP.name)
    kc = emu.kubeconfig(os.path.join(home, "config"))
    r = subprocess.run(["kubectl", "--kubeconfig", kc, "--request-timeout=20s"] + list(args), capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ, HOME=home))
    return r.returncode, r.stdout, r.stderr


class EmuCase(unittest.TestCase):
    fixtures = ()

    @classmethod
    def setUpClass(cls):
        cls.emu = H.Emulator(pki=PKI, fixtures=list(cls.fixtures)).start()
        cls.api = cls.emu.client()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def scrape(self, node, headers=None):
        r = self.api.get(METRICS % node, headers=headers)
        self.assertEqual(r.status, 200, r.body[:300])
        return r


class TestPodsList(EmuCase):
    fixtures = H.workload(pods=230, nodes=4, namespaces=3, pending=3, ended=2, created="2026-03-01T00:00:00Z")

    def test_paged_list_of_all_and_one_namespace(self):
        expected = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.fixtures if o["kind"] == "Pod"}
        seen, cont, pages = [], None, 0
        while True:
            r = self.api.get("/api/v1/pods?limit=50" + ("&continue=" + cont if cont else "")).json()
            pages += 1
            self.assertEqual(r["kind"], "PodList")
            seen += [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in r["items"]]
            cont = r["metadata"].get("continue")
            if not cont:
                break
            self.assertEqual(r["metadata"]["remainingItemCount"], len(expected) - len(seen))
        self.assertEqual((pages, len(seen)), (5, 230))
        self.assertEqual(set(seen), expected)
        r = self.api.get("/api/v1/namespaces/team-01/pods?limit=1000").json()
        self.assertEqual({p["metadata"]["name"] for p in r["items"]}, {n for ns, n in expected if ns == "team-01"})
        r = self.api.get("/api/v1/pods?fieldSelector=status.phase%3DPending").json()
        self.assertEqual(len(r["items"]), 3)
        self.assertTrue(all("nodeName" not in p["spec"] for p in r["items"]))
        r = self.api.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dkind-worker2,status.phase%3DRunning").json()
        self.assertEqual(len(r["items"]), len([o for o in self.fixtures if o["kind"] == "Pod" and
                                               o["spec"].get("nodeName") == "kind-worker2" and
                                               o["status"]["phase"] == "Running"]))

    def test_kubectl_pages_with_chunk_size(self):
        self.emu.clear_requests()
        rc, out, err = kubectl(self.emu, "get", "pods", "-A", "-o", "json", "--chunk-size=40")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(json.loads(out)["items"]), 230)
        lists = [e for e in self.emu.requests_log(path_prefix="/api/v1/pods") if e["verb"] == "list"]
        self.assertEqual(len(lists), 6)
        self.assertEqual(lists[0]["params"].get("limit"), "40")
        self.assertTrue(all("continue" in e["params"] for e in lists[1:]))

    def test_owner_chain_resources_and_init_containers(self):
        pods = self.api.get("/api/v1/pods").json()["items"]
        rss = {r["metadata"]["uid"]: r for r in self.api.get("/apis/apps/v1/replicasets").json()["items"]}
        deps = {d["metadata"]["uid"]: d for d in self.api.get("/apis/apps/v1/deployments").json()["items"]}
        self.assertEqual((len(rss), len(deps)), (23, 23))
        for p in pods:
            ref = p["metadata"]["ownerReferences"][0]
            self.assertEqual((ref["apiVersion"], ref["kind"], ref["controller"]), ("apps/v1", "ReplicaSet", True))
            rs = rss[ref["uid"]]
            self.assertEqual(rs["metadata"]["name"], ref["name"])
            self.assertTrue(p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-"))
            self.assertEqual(p["metadata"]["labels"]["pod-template-hash"], rs["metadata"]["labels"]["pod-template-hash"])
            dref = rs["metadata"]["ownerReferences"][0]
            self.assertEqual(deps[dref["uid"]]["metadata"]["name"], dref["name"])
        by_shape = {}
        for p in pods:
            by_shape.setdefault(p["status"].get("qosClass"), p)
        self.assertEqual(set(by_shape), {"Burstable", "BestEffort", "Guaranteed"})
        g = by_shape["Guaranteed"]
        self.assertEqual(g["spec"]["containers"][0]["resources"]["requests"],
                         g["spec"]["containers"][0]["resources"]["limits"])
        sidecar = [c for c in g["spec"]["initContainers"] if c.get("restartPolicy") == "Always"]
        self.assertEqual(len(sidecar), 1)
        two = next(p for p in pods if len(p["spec"]["containers"]) == 2 and p["status"]["phase"] == "Running")
        self.assertEqual(two["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"], "Completed")
        self.assertEqual(two["spec"]["containers"][1]["resources"],
                         {"limits": {"cpu": "200m", "memory": "128Mi"}, "requests": {"cpu": "50m", "memory": "64Mi"}})
        with_overhead = [p for p in pods if "overhead" in p["spec"]]
        self.assertTrue(with_overhead)
        self.assertEqual(with_overhead[0]["spec"]["overhead"], {"cpu": "250m", "memory": "120Mi"})
        self.assertIn("runtimeClassName", with_overhead[0]["spec"])


class TestResourceMetrics(EmuCase):
    t0 = int(time.time()) - 600
    fixtures = [H.node("n1", created=t0, heartbeat=t0),
                H.pod("web", "api-1", node_name="n1", created=t0 + 60, started=t0 + 90,
                      containers=[H.container("app", cpu="500m", memory="256Mi"),
                                  H.container("proxy", cpu="50m", memory="64Mi")]),
                H.pod("web", "pending-1", phase="Pending", ready=False, node_name=None),
                H.pod("web", "done-1", phase="Succeeded", ready=False, node_name="n1"),
                H.pod_usage("web", "api-1", {"app": {"cpu": 0.25, "memory": "100Mi"},
                                             "proxy": {"cpu": "10m", "memory": 5_000_000}}),
                H.node_usage("n1", system_cpu=0.1, system_memory="256Mi")]

    def test_exact_text_as_the_kubelet_writes_it(self):
        r = self.scrape("n1")
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores")
        body = r.body.decode()
        ts = re.findall(r" (\d{13})$", body, re.M)
        self.assertTrue(ts)
        app_t = int(re.search(r'container_cpu_usage_seconds_total\{container="app".*\} \S+ (\d+)', body).group(1))
        start_s = self.t0 + 90
        lines = [
            "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds",
            "# TYPE container_cpu_usage_seconds_total counter",
            'container_cpu_usage_seconds_total{container="app",namespace="web",pod="api-1"} CPU_APP TS',
            'container_cpu_usage_seconds_total{container="proxy",namespace="web",pod="api-1"} CPU_PROXY TS',
            "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes",
            "# TYPE container_memory_working_set_bytes gauge",
            'container_memory_working_set_bytes{container="app",namespace="web",pod="api-1"} 1.048576e+08 TS',
            'container_memory_working_set_bytes{container="proxy",namespace="web",pod="api-1"} 5e+06 TS',
            "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds",
            "# TYPE container_start_time_seconds gauge",
            'container_start_time_seconds{container="app",namespace="web",pod="api-1"} START',
            'container_start_time_seconds{container="proxy",namespace="web",pod="api-1"} START',
            "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds",
            "# TYPE node_cpu_usage_seconds_total counter",
            "node_cpu_usage_seconds_total NODE_CPU TS",
            "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes",
            "# TYPE node_memory_working_set_bytes gauge",
            "node_memory_working_set_bytes 3.78293056e+08 TS",
            "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds",
            "# TYPE pod_cpu_usage_seconds_total counter",
            'pod_cpu_usage_seconds_total{namespace="web",pod="api-1"} POD_CPU TS',
            "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes",
            "# TYPE pod_memory_working_set_bytes gauge",
            'pod_memory_working_set_bytes{namespace="web",pod="api-1"} 1.098576e+08 TS',
            "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
            "# TYPE resource_scrape_error gauge",
            "resource_scrape_error 0",
        ]
        pattern = "\n".join(re.escape(x) for x in lines) + "\n"
        pattern = (pattern.replace("TS", str(app_t)).replace("START", re.escape(go_g_whole(int(start_s))))
                   .replace("CPU_APP", r"(\S+)").replace("CPU_PROXY", r"(\S+)").replace("NODE_CPU", r"(\S+)")
                   .replace("POD_CPU", r"(\S+)"))
        m = re.fullmatch(pattern, body)
        self.assertIsNotNone(m, body)
        cpu_app, cpu_proxy, node_cpu, pod_cpu = (float(x) for x in m.groups())
        t = app_t / 1000.0
        self.assertAlmostEqual(cpu_app, 0.25 * (t - start_s), places=2)
        self.assertAlmostEqual(cpu_proxy, 0.01 * (t - start_s), places=3)
        self.assertAlmostEqual(pod_cpu, cpu_app + cpu_proxy, places=6)
        # the node's counter also holds what the other tests' pods used on n1
        self.assertGreaterEqual(node_cpu, 0.1 * (t - self.t0) + cpu_app + cpu_proxy - 0.01)
        rc = subprocess.run(["promtool", "check", "metrics"], input=r.body, capture_output=True, timeout=30)
        self.assertEqual(rc.returncode, 0, rc.stdout + rc.stderr)

    def test_counters_advance_with_real_time_and_follow_changes(self):
        self.emu.apply(H.pod("web", "busy", node_name="n1", created=time.time() - 60,
                             containers=[H.container("app", cpu="500m", memory="256Mi")]))
        self.emu.set_pod_usage("web", "busy", {"app": {"cpu": 0.25, "memory": "100Mi"}})
        self.addCleanup(self.emu.delete, "Pod", "web", "busy")

        def read():
            s = samples(self.scrape("n1").body)
            return s[c_key("container_cpu_usage_seconds_total", "web", "busy", "app")], \
                s[c_key("container_memory_working_set_bytes", "web", "busy", "app")], \
                s[("node_cpu_usage_seconds_total", ())]
        (c1, t1), _, (n1, nt1) = read()
        time.sleep(0.5)
        (c2, t2), (m2, _), (n2, nt2) = read()
        self.assertGreater(t2, t1)
        self.assertAlmostEqual((c2 - c1) / (t2 - t1), 0.25, delta=0.004)     # ms timestamps: 0.004 of 0.5 s
        self.assertEqual(m2, 100 * 2**20)
        # the node: its system share, api-1's two containers and this one
        self.assertAlmostEqual((n2 - n1) / (nt2 - nt1), 0.1 + 0.25 + 0.01 + 0.25, delta=0.01)
        self.emu.set_pod_usage("web", "busy", {"app": {"cpu": 1.5, "memory": "300Mi"}})
        (c3, t3), (m3, _), _ = read()
        time.sleep(0.5)
        (c4, t4), (m4, _), _ = read()
        self.assertGreaterEqual(c3, c2)                      # the counter keeps what it counted
        self.assertAlmostEqual((c4 - c3) / (t4 - t3), 1.5, delta=0.02)
        self.assertEqual((m3, m4), (300 * 2**20, 300 * 2**20))

    def test_pending_and_ended_pods_have_no_usage_and_a_deleted_pod_disappears(self):
        self.emu.apply(H.pod("web", "short", node_name="n1", created=time.time() - 30,
                             containers=[H.container("job", cpu="100m")]))
        s = samples(self.scrape("n1").body)
        pods = {dict(k[1]).get("pod") for k in s if k[0] == "pod_cpu_usage_seconds_total"}
        self.assertEqual(pods, {"api-1", "short"})       # not pending-1 (no node), not done-1 (Succeeded)
        self.emu.delete("Pod", "web", "short")
        s = samples(self.scrape("n1").body)
        self.assertEqual({dict(k[1]).get("pod") for k in s if k[0] == "pod_cpu_usage_seconds_total"}, {"api-1"})

    def test_a_restarted_container_starts_a_new_counter(self):
        p = H.pod("web", "flappy", node_name="n1", created=time.time() - 300, started=time.time() - 200,
                  containers=[H.container("app", cpu="1")])
        self.emu.apply(p)
        self.emu.set_pod_usage("web", "flappy", {"app": {"cpu": 1}})
        key = c_key("container_cpu_usage_seconds_total", "web", "flappy", "app")
        before = samples(self.scrape("n1").body)[key][0]
        self.assertAlmostEqual(before, 200, delta=2)
        restarted = time.time() - 5
        p["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] = H.rfc3339(restarted)
        p["status"]["containerStatuses"][0]["restartCount"] = 1
        self.emu.apply(p)
        s = samples(self.scrape("n1").body)
        self.assertAlmostEqual(s[key][0], 5, delta=2)
        self.assertEqual(s[c_key("container_start_time_seconds", "web", "flappy", "app")][0], int(restarted))
        self.emu.delete("Pod", "web", "flappy")

    def test_faults_and_paths(self):
        r = self.scrape("n1:10250", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.header("Content-Encoding"), "gzip")
        self.assertIn(b"resource_scrape_error 0\n", gzip.decompress(r.body))
        r = self.api.get("/api/v1/nodes/n1/proxy/stats/nothing")
        self.assertEqual((r.status, r.body), (404, b"404 page not found\n"))
        self.emu.set_node_usage("n1", scrape_error=True)
        self.assertEqual(self.scrape("n1").body.decode(),
                         "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container "
                         "metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n")
        self.emu.set_node_usage("n1", scrape_error=False, up=False)
        r = self.api.get(METRICS % "n1")
        self.assertEqual((r.status, r.json()["message"]), (503, "error trying to reach service: dial tcp "
                                                                "%s:10250: connect: connection refused"
                                                           % self.fixtures[0]["status"]["addresses"][0]["address"]))
        self.emu.set_node_usage("n1", up=True)
        self.emu.apply(H.node("gone", ready="Unknown"))
        self.assertEqual(self.api.get(METRICS % "gone").status, 503)

    def test_stale_samples_with_a_housekeeping_interval(self):
        self.emu.set_node_usage("n1", housekeeping_seconds=30)
        try:
            a = self.scrape("n1").body.splitlines()
            time.sleep(0.3)
            b = self.scrape("n1").body.splitlines()
            self.assertEqual(len(a), len(b))
            same = 0
            for la, lb in zip(a, b):
                if la == lb:
                    same += 1          # the same cAdvisor sample, timestamp included
                    continue
                # a sample boundary fell between the two scrapes: exactly one interval later
                ta, tb = int(la.rsplit(b" ", 1)[1]), int(lb.rsplit(b" ", 1)[1])
                self.assertEqual((la.rsplit(b" ", 2)[0], tb - ta), (lb.rsplit(b" ", 2)[0], 30000))
            self.assertGreater(same, len(a) // 2)
            ts = [int(x) / 1000.0 for x in re.findall(rb" (\d{13})$", b"\n".join(a), re.M)]
            self.assertTrue(all(time.time() - 30.5 < t <= time.time() for t in ts))
            self.assertGreater(len(set(ts)), 1)      # each cgroup at its own phase
        finally:
            self.emu.set_node_usage("n1", housekeeping_seconds=0)

    def test_kubectl_get_raw(self):
        rc, out, err = kubectl(self.emu, "get", "--raw", METRICS % "n1")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("# HELP container_cpu_usage_seconds_total [STABLE]"))
        self.assertIn('pod_memory_working_set_bytes{namespace="web",pod="api-1"} 1.098576e+08 ', out)


class TestWorkloadAtScale(unittest.TestCase):
    def test_ten_thousand_pods_on_a_hundred_nodes(self):
        t = time.monotonic()
        objs = H.workload(pods=10000, nodes=100, namespaces=10, pending=10, ended=10)
        built = time.monotonic() - t
        running = [o for o in objs if o["kind"] == "Pod" and o["status"]["phase"] == "Running"]
        self.assertEqual(len([o for o in objs if o["kind"] == "Pod"]), 10000)
        self.assertEqual(len(running), 9980)
        with H.Emulator(fixtures=objs, startup_timeout=120) as emu:
            api = emu.client()
            t = time.monotonic()
            r = api.get("/api/v1/pods?limit=500")
            self.assertEqual(r.json()["metadata"]["remainingItemCount"], 9500)
            t_list = time.monotonic() - t
            t = time.monotonic()
            names = set()
            for w in H.worker_names("kind", 100):
                r = api.get(METRICS % w)
                self.assertEqual(r.status, 200)
                names |= set(re.findall(rb'^pod_cpu_usage_seconds_total\{namespace="[^"]+",pod="([^"]+)"', r.body,
                                        re.M))
            t_scrape = time.monotonic() - t
        self.assertEqual(names, {o["metadata"]["name"].encode() for o in running})
        print("\n  workload of 10,000 pods built in %.2fs; first page %.2fs; 100 scrapes %.2fs"
              % (built, t_list, t_scrape), file=sys.stderr)


def go_g_whole(n):
    """A whole number >= 1e6 as Go's strconv.FormatFloat(n, 'g', -1, 64) writes it: 1796119213 ->
    "1.796119213e+09" (shortest digits, %e from exponent 6 on). Written here independently of the
    emulator's own formatter."""
    digits = str(n).rstrip("0")
    return "%s%se+%02d" % (digits[0], "." + digits[1:] if len(digits) > 1 else "", len(str(n)) - 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
