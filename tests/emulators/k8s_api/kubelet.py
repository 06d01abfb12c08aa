"""The kubelets' resource metrics endpoint (/metrics/resource), reached through the node proxy.

What a real kubelet writes there comes from pkg/kubelet/metrics/collectors/resource_metrics.go
(kubernetes/kubernetes): one collector over the summary provider's CPU and memory stats, exposed
by component-base's registry, so families are sorted by name, series by label values, HELP text
carries the stability level ("[STABLE] ..."), counters and gauges from cAdvisor samples carry
the sample time in milliseconds, and container_start_time_seconds carries none. README.md
("Kubelet resource metrics") says what is modelled and how to steer it.

Usage is a model: per container a CPU rate in cores and a working set in bytes, set with PodUsage
objects (fixtures or the control API) or derived from the container's requests. The CPU counter
integrates the rate over real time from the container's start, so two scrapes see it advance.
"""

import datetime
import gzip
import math
import threading
import time
import zlib

from .errors import AdminError
from .quantity import go_float, parse_quantity

USAGE_API_VERSION = "k8s-emulator/v1"      # emulator-only objects: PodUsage, NodeUsage
USAGE_KINDS = ("PodUsage", "NodeUsage")
PROM_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

# name -> (type, HELP as component-base writes it). Sorted by name, as the registry gathers them.
FAMILIES = {
    "container_cpu_usage_seconds_total": ("counter", "[STABLE] Cumulative cpu time consumed by the container in core-seconds"),
    "container_memory_working_set_bytes": ("gauge", "[STABLE] Current working set of the container in bytes"),
    "container_start_time_seconds": ("gauge", "[STABLE] Start time of the container since unix epoch in seconds"),
    "container_swap_limit_bytes": ("gauge", "[ALPHA] Current amount of the container swap limit in bytes. Reported only on non-windows systems"),
    "container_swap_usage_bytes": ("gauge", "[ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems"),
    "node_cpu_usage_seconds_total": ("counter", "[STABLE] Cumulative cpu time consumed by the node in core-seconds"),
    "node_memory_working_set_bytes": ("gauge", "[STABLE] Current working set of the node in bytes"),
    "node_swap_usage_bytes": ("gauge", "[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems"),
    "pod_cpu_usage_seconds_total": ("counter", "[STABLE] Cumulative cpu time consumed by the pod in core-seconds"),
    "pod_memory_working_set_bytes": ("gauge", "[STABLE] Current working set of the pod in bytes"),
    "pod_swap_usage_bytes": ("gauge", "[ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows systems"),
    "resource_scrape_error": ("gauge", "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise"),
}
# NodeUsage settings: what the node itself uses besides its pods, cAdvisor's sampling interval
# (0: a fresh sample per scrape), the kubelet answering at all, the summary provider failing, and
# swap (None: no swap, as on kind; else each container's swap limit in bytes, LimitedSwap).
NODE_DEFAULTS = {"system": {"cpu": 0.1, "memory": 512 * 2**20}, "housekeepingSeconds": 0, "up": True,
                 "scrapeError": False, "swap": None}
_HISTORY = 32


def parse_time(ts):
    try:
        return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def _label_value(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Series:
    """One container's usage: a CPU counter that integrates a piecewise-constant rate, and step
    gauges, with enough history that a stale sample time reads the values of that time."""

    def __init__(self, start, cpu, memory, swap):
        self.start = start
        self.cpu = [(start, 0.0, cpu)]           # (from, total at from, rate in cores)
        self.mem = [(start, memory, swap)]

    def set(self, t, cpu=None, memory=None, swap=None):
        t = max(t, self.cpu[-1][0])
        if cpu is not None and cpu != self.cpu[-1][2]:
            self.cpu.append((t, self.cpu_at(t), cpu))
            del self.cpu[:-_HISTORY]
        last = self.mem[-1]
        m = last[1] if memory is None else memory
        s = last[2] if swap is None else swap
        if (m, s) != last[1:]:
            self.mem.append((max(t, last[0]), m, s))
            del self.mem[:-_HISTORY]

    def rate_at(self, t):
        return next((r for f, _, r in reversed(self.cpu) if f <= t), self.cpu[0][2])

    def cpu_at(self, t):
        for f, total, rate in reversed(self.cpu):
            if f <= t:
                return total + rate * (t - f)
        return 0.0

    def mem_at(self, t):
        return next(((m, s) for f, m, s in reversed(self.mem) if f <= t), self.mem[0][1:])


class Kubelets:
    """Every node's kubelet, as far as /metrics/resource shows it."""

    def __init__(self, store, registry):
        self.store = store
        self.registry = registry
        self.lock = threading.Lock()
        self.pod_usage = {}        # (ns, pod) -> {"containers": {name: {cpu, memory, swap}}, "sandbox": {...}}
        self.node_conf = {}        # node -> settings (NODE_DEFAULTS keys)
        self.series = {}           # (ns, pod, uid, container, started) -> Series
        self.node_cpu = {}         # node -> [total, last sample time]
        self.node_live = {}        # node -> series keys seen in its last scrape
        self._index = (None, {})   # (store rv, {node: [pod]})

    # -- settings (PodUsage / NodeUsage objects) --

    def apply(self, obj):
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise AdminError("%s needs metadata.name" % kind)
        now = time.time()
        if kind == "PodUsage":
            key = (meta.get("namespace") or "default", name)
            conts = obj.get("containers") or {}
            if not isinstance(conts, dict):
                raise AdminError("PodUsage.containers is a map: container name -> {cpu, memory}")
            with self.lock:
                cur = self.pod_usage.setdefault(key, {"containers": {}, "sandbox": {}})
                for cname, u in conts.items():
                    parsed = self._usage_fields(u, "PodUsage %s/%s container %s" % (key[0], key[1], cname))
                    cur["containers"].setdefault(cname, {}).update(parsed)
                    for skey, s in self.series.items():
                        if skey[:2] == key and skey[3] == cname:
                            s.set(now, parsed.get("cpu"), parsed.get("memory"), parsed.get("swap"))
                if "sandbox" in obj:
                    cur["sandbox"].update(self._usage_fields(obj["sandbox"], "PodUsage %s/%s sandbox" % key))
                return {"kind": kind, "namespace": key[0], "name": name, "usage": cur}
        if kind == "NodeUsage":
            with self.lock:
                conf = self.node_conf.setdefault(name, {})
                for k in obj:
                    if k in ("apiVersion", "kind", "metadata"):
                        continue
                    if k not in NODE_DEFAULTS:
                        raise AdminError("NodeUsage has no field %r (fields: %s)" % (k, ", ".join(NODE_DEFAULTS)))
                    v = obj[k]
                    if k == "system":
                        v = dict(conf.get("system") or NODE_DEFAULTS["system"], **self._usage_fields(v, "NodeUsage " + name))
                    elif k == "swap" and v is not None:
                        v = parse_quantity(v)
                    elif k == "housekeepingSeconds":
                        v = float(v)
                    conf[k] = v
                return {"kind": kind, "name": name, "settings": self._conf(name)}
        raise AdminError("unknown usage kind %r (%s)" % (kind, ", ".join(USAGE_KINDS)))

    @staticmethod
    def _usage_fields(u, what):
        if not isinstance(u, dict):
            raise AdminError("%s: usage is {\"cpu\": cores, \"memory\": bytes}" % what)
        out = {}
        for k, v in u.items():
            if k not in ("cpu", "memory", "swap"):
                raise AdminError("%s: unknown usage field %r (cpu, memory, swap)" % (what, k))
            try:
                out[k] = None if v is None and k == "swap" else parse_quantity(v)
            except ValueError as e:
                raise AdminError("%s: %s" % (what, e))
            if out[k] is not None and (out[k] < 0 or math.isinf(out[k])):
                raise AdminError("%s: %s must be a finite number >= 0" % (what, k))
        return out

    def _conf(self, node):
        c = dict(NODE_DEFAULTS)
        c.update(self.node_conf.get(node) or {})
        return c

    def state(self):
        with self.lock:
            return {"pods": [{"namespace": k[0], "name": k[1], **v} for k, v in sorted(self.pod_usage.items())],
                    "nodes": {n: self._conf(n) for n in sorted(self.node_conf)}}

    # -- the model --

    def _pods_on(self, node):
        """Running pods bound to `node`, from an index rebuilt when the store changes."""
        pods_def = self.registry.find("Pod")
        with self.store.lock:
            rv = self.store.rv
            if self._index[0] != rv:
                idx = {}
                for k, o in self.store.objects.items():
                    if k[0] == pods_def.group and k[1] == "pods":
                        n = (o.get("spec") or {}).get("nodeName")
                        if n and (o.get("status") or {}).get("phase") == "Running":
                            idx.setdefault(n, []).append(o)
                self._index = (rv, idx)
            return list(self._index[1].get(node, ()))

    @staticmethod
    def _running_containers(pod):
        """(name, started, spec) for each running container, as cAdvisor has cgroups for them."""
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        specs = {c.get("name"): c for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])}
        statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
        pod_start = parse_time(status.get("startTime")) or parse_time((pod.get("metadata") or {}).get("creationTimestamp"))
        out = []
        if not statuses:
            return [(c.get("name"), pod_start, c) for c in spec.get("containers") or []]
        for cs in statuses:
            running = (cs.get("state") or {}).get("running")
            if running is not None and cs.get("name") in specs:
                out.append((cs["name"], parse_time(running.get("startedAt")) or pod_start, specs[cs["name"]]))
        return out

    @staticmethod
    def _default_usage(ns, pod, cname, cspec):
        """Deterministic usage for a container nobody set: a share of its requests, or a few
        millicores and tens of MiB without requests."""
        h = zlib.crc32(("%s/%s/%s" % (ns, pod, cname)).encode())
        req = (cspec.get("resources") or {}).get("requests") or {}
        try:
            cpu_req = parse_quantity(req["cpu"]) if "cpu" in req else None
            mem_req = parse_quantity(req["memory"]) if "memory" in req else None
        except ValueError:
            cpu_req = mem_req = None
        f = 0.1 + (h % 1200) / 1000.0              # 0.1 .. 1.3 of the request
        g = 0.3 + ((h >> 12) % 800) / 1000.0       # 0.3 .. 1.1 of the request
        cpu = round(cpu_req * f, 6) if cpu_req else round(0.001 + (h % 200) / 1000.0, 6)
        mem = float(int(mem_req * g)) if mem_req else float((16 + (h >> 8) % 240) * 2**20)
        return {"cpu": cpu, "memory": mem, "swap": None}

    def _series_for(self, pod, cname, started, cspec, now):
        meta = pod["metadata"]
        ns, pname = meta.get("namespace") or "default", meta["name"]
        key = (ns, pname, meta.get("uid"), cname, started)
        s = self.series.get(key)
        if s is None:
            u = dict(self._default_usage(ns, pname, cname, cspec))
            u.update(((self.pod_usage.get((ns, pname)) or {}).get("containers") or {}).get(cname) or {})
            s = self.series[key] = Series(min(started or now, now), u["cpu"], u["memory"], u.get("swap"))
        return s

    @staticmethod
    def _sample_time(key, now, interval):
        """cAdvisor samples each cgroup every housekeeping interval, each at its own phase: the
        metric's timestamp is that sample's time, not the scrape's."""
        if not interval or interval <= 0:
            return now
        phase = (zlib.crc32(repr(key).encode()) % 10000) / 10000.0 * interval
        return math.floor((now - phase) / interval) * interval + phase

    def render(self, node_obj, now=None):
        """The /metrics/resource body for one node, exactly as the kubelet's registry writes it."""
        now = time.time() if now is None else now
        name = node_obj["metadata"]["name"]
        conf = self._conf(name)
        fam = {k: [] for k in FAMILIES}
        if conf["scrapeError"]:
            fam["resource_scrape_error"].append(("resource_scrape_error 1",))
            return self._write(fam)
        interval = conf["housekeepingSeconds"]
        pods = self._pods_on(name)
        node_t = self._sample_time(("node", name), now, interval)
        node_rate, node_mem, node_cpu_now = conf["system"]["cpu"], conf["system"]["memory"], 0.0
        node_swap = 0.0
        with self.lock:
            live = set()
            for pod in pods:
                meta = pod["metadata"]
                ns, pname, uid = meta.get("namespace") or "default", meta["name"], meta.get("uid")
                sandbox = (self.pod_usage.get((ns, pname)) or {}).get("sandbox") or {}
                pod_t = self._sample_time(("pod", ns, pname, uid), now, interval)
                pod_start = parse_time((pod.get("status") or {}).get("startTime")) or pod_t
                # the pod cgroup holds its containers and the sandbox (pause) process
                pod_cpu = sandbox.get("cpu", 0.0) * max(0.0, pod_t - pod_start)
                pod_mem, pod_swap, any_c = sandbox.get("memory", 0.0), 0.0, False
                for cname, started, cspec in self._running_containers(pod):
                    s = self._series_for(pod, cname, started, cspec, now)
                    live.add((ns, pname, uid, cname, started))
                    any_c = True
                    t = self._sample_time((ns, pname, uid, cname), now, interval)
                    ms = int(t * 1000)
                    lab = 'container="%s",namespace="%s",pod="%s"' % (_label_value(cname), _label_value(ns),
                                                                      _label_value(pname))
                    sort = (cname, ns, pname)
                    mem, swap = s.mem_at(t)
                    fam["container_cpu_usage_seconds_total"].append(
                        (sort, "container_cpu_usage_seconds_total{%s} %s %d" % (lab, go_float(s.cpu_at(t)), ms)))
                    fam["container_memory_working_set_bytes"].append(
                        (sort, "container_memory_working_set_bytes{%s} %s %d" % (lab, go_float(mem), ms)))
                    if started and started > 0:
                        fam["container_start_time_seconds"].append(
                            (sort, "container_start_time_seconds{%s} %s" % (lab, go_float(float(started)))))
                    if conf["swap"] is not None:
                        fam["container_swap_usage_bytes"].append(
                            (sort, "container_swap_usage_bytes{%s} %s %d" % (lab, go_float(swap or 0.0), ms)))
                        fam["container_swap_limit_bytes"].append(
                            (sort, "container_swap_limit_bytes{%s} %s %d" % (lab, go_float(conf["swap"]), ms)))
                        pod_swap += s.mem_at(pod_t)[1] or 0.0
                        node_swap += s.mem_at(node_t)[1] or 0.0
                    pod_cpu += s.cpu_at(pod_t)
                    pod_mem += s.mem_at(pod_t)[0]
                    node_rate += s.rate_at(node_t)
                    node_cpu_now += s.cpu_at(node_t)
                    node_mem += s.mem_at(node_t)[0]
                if not any_c:
                    continue
                plab = 'namespace="%s",pod="%s"' % (_label_value(ns), _label_value(pname))
                psort, pms = (ns, pname), int(pod_t * 1000)
                fam["pod_cpu_usage_seconds_total"].append(
                    (psort, "pod_cpu_usage_seconds_total{%s} %s %d" % (plab, go_float(pod_cpu), pms)))
                fam["pod_memory_working_set_bytes"].append(
                    (psort, "pod_memory_working_set_bytes{%s} %s %d" % (plab, go_float(pod_mem), pms)))
                if conf["swap"] is not None:
                    fam["pod_swap_usage_bytes"].append(
                        (psort, "pod_swap_usage_bytes{%s} %s %d" % (plab, go_float(pod_swap), pms)))
            # Counters of containers gone from this node since the last scrape (a pod deleted or
            # ended, a container restarted) are dropped: a new container starts a new counter.
            for k in self.node_live.get(name, set()) - live:
                self.series.pop(k, None)
            self.node_live[name] = live
            # The node's counter only grows: it integrates the node's rate (system + containers),
            # starting from what the containers and the system used since the node booted.
            nc = self.node_cpu.get(name)
            if nc is None:
                boot = parse_time(node_obj["metadata"].get("creationTimestamp")) or node_t
                nc = self.node_cpu[name] = [conf["system"]["cpu"] * max(0.0, node_t - boot) + node_cpu_now, node_t]
            elif node_t > nc[1]:
                nc[0] += node_rate * (node_t - nc[1])
                nc[1] = node_t
            nms = int(node_t * 1000)
            fam["node_cpu_usage_seconds_total"].append(("node_cpu_usage_seconds_total %s %d" % (go_float(nc[0]), nms),))
        fam["node_memory_working_set_bytes"].append(("node_memory_working_set_bytes %s %d" % (go_float(node_mem), nms),))
        if conf["swap"] is not None:
            fam["node_swap_usage_bytes"].append(("node_swap_usage_bytes %s %d" % (go_float(node_swap), nms),))
        fam["resource_scrape_error"].append(("resource_scrape_error 0",))
        return self._write(fam)

    @staticmethod
    def _write(fam):
        out = []
        for name, (typ, help_text) in FAMILIES.items():
            rows = fam[name]
            if not rows:
                continue
            out.append("# HELP %s %s\n# TYPE %s %s\n" % (name, help_text, name, typ))
            rows.sort(key=lambda r: r[0] if len(r) == 2 else ())
            out.extend(r[-1] + "\n" for r in rows)
        return "".join(out).encode()

    # -- HTTP --

    def up(self, node_obj):
        if not self._conf(node_obj["metadata"]["name"])["up"]:
            return False
        ready = next((c for c in (node_obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"),
                     None)
        return ready is None or ready.get("status") != "Unknown"     # "Unknown": the kubelet stopped posting

    def serve(self, node_obj, method, path, accept_encoding):
        """(status, headers, body) of the kubelet's answer to one request."""
        if path == "/metrics/resource":
            body = self.render(node_obj) if method != "HEAD" else b""
            headers = [("Content-Type", PROM_CONTENT_TYPE)]
            if "gzip" in (accept_encoding or "").lower():
                body = gzip.compress(body)
                headers.append(("Content-Encoding", "gzip"))
            return 200, headers, body
        if path in ("/healthz", "/healthz/"):
            return 200, [("Content-Type", "text/plain; charset=utf-8")], b"ok"
        return 404, [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")], \
            b"404 page not found\n"
