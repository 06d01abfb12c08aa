#!/usr/bin/env bash
# Allocation benchmarks, each against its peer in the same run (ratios; no timing assertion):
#
# 1. The whole pipe on 10,000 pods on 100 nodes (the emulator's generated workload, HTTPS with
#    client certificates): kind-wait --list nodes,pods | scrape-nodes --pods --via-apiserver
#    (two samples INTERVAL apart) | price-calc --by namespace, against curl fetching the same
#    bytes from the same emulator: the pods, ReplicaSets and nodes lists, and every kubelet's
#    /metrics/resource twice (curl --parallel, as concurrent as scrape-nodes). The pipe's time
#    is counted without the interval it waits between the samples. Target: under 2x curl.
# 2. Allocation alone: price-calc --by namespace over LINES pod_usage lines (10,000 pods x 100
#    windows on 100 nodes, with their pod and node_usage lines), against a jq one-liner computing
#    the same namespace totals (max(request, usage) x hours x price, streaming with reduce).
#    Both totals must agree. Target: at least 10x jq.
#
# Usage: tests/bench/bench_allocation.sh   (SF_BIN_DIR, PODS, NODES, INTERVAL, LINES, RUNS)
set -euo pipefail
bin=${SF_BIN_DIR:-build/bin}
src=${SF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export SF_BIN_DIR=$bin SF_SOURCE_DIR=$src PODS=${PODS:-10000} NODES=${NODES:-100} INTERVAL=${INTERVAL:-2}
export LINES=${LINES:-1000000} RUNS=${RUNS:-3}
for tool in kind-wait scrape-nodes price-calc; do
  [ -x "$bin/$tool" ] || { echo "bench_allocation: $bin/$tool is not built (make build)" >&2; exit 1; }
done
for peer in curl jq openssl; do
  command -v $peer >/dev/null || { echo "bench_allocation: $peer is missing (apt-get install -y $peer)" >&2; exit 1; }
done

exec python3 - <<'PY'
import json, os, subprocess, sys, tempfile, time, zlib

src, bin_dir = os.environ["SF_SOURCE_DIR"], os.environ["SF_BIN_DIR"]
pods, nodes, interval = int(os.environ["PODS"]), int(os.environ["NODES"]), float(os.environ["INTERVAL"])
lines, runs = int(os.environ["LINES"]), int(os.environ["RUNS"])
sys.path.insert(0, os.path.join(src, "tests", "emulators"))
sys.path.insert(0, os.path.join(src, "tests", "emulators", "fixtures"))
import k8s_harness as H
from workload import workload

pricing = os.path.join(src, "opencost", "pricing.json")
prices = json.load(open(pricing))
CPU, RAM = float(prices["CPU"]), float(prices["RAM"])
env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
env["HOME"] = "/nonexistent-home"


def tool(name):
    return os.path.join(bin_dir, name)


def best(f, n):
    return min(f() for _ in range(n))


with tempfile.TemporaryDirectory(prefix="bench-alloc-") as tmp:
    # ------------------------------------------------------------------ 1. the whole pipe
    t = time.monotonic()
    objs = workload(pods=pods, nodes=nodes, namespaces=20)
    pki = H.make_pki(os.path.join(tmp, "pki"), key="ec")
    print("pipe: %d pods on %d nodes (workload built in %.1f s); two kubelet samples %g s apart"
          % (pods, nodes, time.monotonic() - t, interval))
    with H.Emulator(pki=pki, fixtures=objs, args=("--no-access-log",), startup_timeout=120) as emu:
        kc = emu.kubeconfig(os.path.join(tmp, "config"))
        node_names = [o["metadata"]["name"] for o in objs if o["kind"] == "Node"]
        script = ("set -o pipefail; %s --kubeconfig %s --list nodes,pods | %s --pods --via-apiserver --kubeconfig %s "
                  "--interval %gs --concurrency 64 | %s --pricing %s --by namespace -f summary"
                  % (tool("kind-wait"), kc, tool("scrape-nodes"), kc, interval, tool("price-calc"), pricing))

        def pipe():
            t0 = time.monotonic()
            r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
            took = time.monotonic() - t0
            if r.returncode != 0:
                raise SystemExit("the pipe failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
            pipe.summary = json.loads(r.stdout)
            return took - interval

        curl_base = ["curl", "-sS", "--fail", "--cacert", pki.ca_cert, "--cert", pki.client_cert, "--key",
                     pki.client_key, "--compressed", "--no-progress-meter", "--parallel", "--parallel-max", "64"]
        lists = ["/api/v1/nodes", "/apis/apps/v1/replicasets", "/api/v1/pods"]
        metrics = ["/api/v1/nodes/%s/proxy/metrics/resource" % n for n in node_names]

        def curl():
            t0 = time.monotonic()
            for sweep in ([lists], [metrics, metrics]):
                for urls in sweep:
                    args = []
                    for u in urls:
                        args += [emu.url + u, "-o", "/dev/null"]
                    subprocess.run(curl_base + args, check=True)
            return time.monotonic() - t0

        t_curl = best(curl, runs)
        t_pipe = best(pipe, runs)
        s = pipe.summary
        print("  curl, the same requests (lists, then 2 x %d kubelets, --parallel): %6.2f s" % (len(metrics), t_curl))
        print("  kind-wait | scrape-nodes --pods | price-calc (minus the %g s interval): %6.2f s" % (interval, t_pipe))
        print("  ratio pipe / curl: %.2fx (target < 2x); %d containers charged, %d pending pods, total %.6f %s"
              % (t_pipe / t_curl, s["charged"], s["pending"], s["total_cost"], s["currency"]))

    # ------------------------------------------------------------------ 2. allocation alone
    per_window = pods
    windows = max(1, lines // per_window)
    data = os.path.join(tmp, "usage.jsonl")
    namespaces = ["team-%02d" % i for i in range(20)]
    with open(data, "w") as f:
        pod_list = []
        for i in range(pods):
            ns = namespaces[i % len(namespaces)]
            node = "node-%03d" % (i % nodes)
            cpu, mem = 0.05 + (i * 37 % 100) / 100.0, (64 + i * 13 % 960) * 2 ** 20
            pod_list.append((ns, "pod-%05d" % i, node, cpu, mem))
            f.write('{"kind":"pod","namespace":"%s","name":"pod-%05d","node":"%s","phase":"Running",'
                    '"controller_kind":"Deployment","controller":"svc-%04d","labels":{"team":"%s"},'
                    '"containers":[{"name":"app","cpu_request_cores":%g,"memory_request_bytes":%d}]}\n'
                    % (ns, i, node, i // 10, ns, cpu, mem))
        for w in range(windows):
            start = "2026-11-%02dT%02d:00:00Z" % (1 + w // 24, w % 24)
            end = "2026-11-%02dT%02d:00:10Z" % (1 + w // 24, w % 24)
            rows = []
            for n in range(nodes):
                rows.append('{"kind":"node_usage","node":"node-%03d","window_start":"%s","window_end":"%s",'
                            '"cpu_cores":192,"cpu_busy_cores":10,"memory_bytes":824633720832,"memory_used_bytes":1}\n'
                            % (n, start, end))
                for ns, name, node, cpu, mem in pod_list[n::nodes]:
                    k = (zlib.crc32(name.encode()) + w) % 100
                    rows.append('{"kind":"pod_usage","node":"%s","namespace":"%s","pod":"%s","container":"app",'
                                '"window_start":"%s","window_end":"%s","running_seconds":10,"cpu_usage_cores":%.6f,'
                                '"memory_working_set_bytes":%d}\n'
                                % (node, ns, name, start, end, cpu * (0.3 + k / 60.0), int(mem * (0.4 + k / 80.0))))
            f.write("".join(rows))
    size = os.path.getsize(data) / 1e6
    print("\nallocation: %d pod_usage lines (%d pods x %d windows on %d nodes), %.0f MB" % (windows * pods, pods,
                                                                                          windows, nodes, size))
    jq_program = '''
      reduce inputs as $l ({req: {}, hours: {}, ns: {}};
        if $l.kind == "pod" then .req[$l.namespace + "/" + $l.name] = $l.containers[0]
        elif $l.kind == "node_usage" then
          .hours[$l.node + $l.window_start] = ((($l.window_end | fromdateiso8601) - ($l.window_start | fromdateiso8601)) / 3600)
        elif $l.kind == "pod_usage" then
          (.req[$l.namespace + "/" + $l.pod]) as $r | (.hours[$l.node + $l.window_start]) as $h
          | .ns[$l.namespace] += (([$r.cpu_request_cores, $l.cpu_usage_cores] | max) * $h * $cpu
                                  + ([$r.memory_request_bytes, $l.memory_working_set_bytes] | max) / 1073741824 * $h * $ram)
        else . end) | .ns'''

    def timed(cmd, **kw):
        def run():
            t0 = time.monotonic()
            r = subprocess.run(cmd, capture_output=True, text=True, **kw)
            if r.returncode != 0:
                raise SystemExit("%s failed: %s" % (cmd[0], r.stderr[-1500:]))
            run.out = r.stdout
            return time.monotonic() - t0
        return run

    ours = timed([tool("price-calc"), "--pricing", pricing, "--by", "namespace", "-f", "json", data])
    peer = timed(["jq", "-n", "--argjson", "cpu", str(CPU), "--argjson", "ram", str(RAM), jq_program, data])
    t_ours = best(ours, runs)
    t_jq = best(peer, 1)
    ns_totals = {}  # one row per namespace and window: summed here
    for l in ours.out.splitlines():
        r = json.loads(l)
        ns_totals[r["name"]] = ns_totals.get(r["name"], 0.0) + r["cpu_cost"] + r["ram_cost"]
    jq_totals = json.loads(peer.out)
    worst = max(abs(ns_totals[ns] - v) / v for ns, v in jq_totals.items())
    if worst > 1e-9:
        raise SystemExit("the namespace totals differ: price-calc vs jq, worst relative difference %g" % worst)
    print("  price-calc --by namespace:  %6.2f s  (%.2f M lines/s)" % (t_ours, windows * pods / t_ours / 1e6))
    print("  jq reduce (same totals):    %6.2f s" % t_jq)
    print("  ratio jq / price-calc: %.1fx (target >= 10x); %d namespaces agree within %.1g"
          % (t_jq / t_ours, len(jq_totals), worst))
PY
