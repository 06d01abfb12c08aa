"""Services, their Endpoints and the pods behind them, as the service proxy resolves them, and
the local upstreams that stand in for pod IPs.

Resolution follows the service REST storage's ResourceLocation (kubernetes/kubernetes
pkg/registry/core/service/storage/storage.go): a port *number* is looked up in the Service's
ports to get the port name (no Service: 404; no such port: 503 "no service port N found");
then the Endpoints object of the same name (none: 404 `endpoints "NAME" not found`); no subsets:
503 `no endpoints available for service "NAME"`; a ready address whose subset has the port name
and whose targetRef pod exists with that IP (isValidAddress); none: 503 `no endpoints available
for service "ID"` with the ID as requested (e.g. "https:vault:8200").
"""

import threading
import zlib

from .errors import AdminError, ApiError, not_found_obj
from .util import now_rfc3339


def pod_ip(ns, pod):
    h = zlib.crc32(("%s/%s" % (ns, pod)).encode())
    return "10.244.%d.%d" % (1 + h % 200, 2 + (h >> 8) % 250)


def emulated_pod(ns, name, app, ip, ready, ports):
    """The pod an emulated endpoint points at: Running on the first node, with that IP."""
    now = now_rfc3339()
    cond = [{"type": t, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": now}
            for t, ok in (("PodReadyToStartContainers", True), ("Initialized", True), ("Ready", ready),
                          ("ContainersReady", ready), ("PodScheduled", True))]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
            "spec": {"containers": [{"name": app, "image": "emulated/%s" % app, "resources": {},
                                     "ports": [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports
                                               if n]}],
                     "restartPolicy": "Always", "schedulerName": "default-scheduler"},
            "status": {"phase": "Running", "conditions": cond, "podIP": ip, "podIPs": [{"ip": ip}],
                       "containerStatuses": [{"name": app, "ready": ready, "restartCount": 0, "started": True,
                                              "state": {"running": {"startedAt": now}}, "lastState": {},
                                              "image": "emulated/%s" % app, "imageID": ""}]}}


class Services:
    def __init__(self, store, registry):
        self.store = store
        self.registry = registry
        self.lock = threading.Lock()
        self.backends = {}        # (ip, port) -> upstream base URL
        self.emulated = {}        # (ns, service) -> {"pod", "ip", "ready", "ports": {name: targetPort}}

    def _def(self, kind):
        return self.registry.find(kind, "v1")

    # -- the control API --

    def set_backend(self, address, url):
        ip, _, port = str(address).rpartition(":")
        if not ip or not port.isdigit():
            raise AdminError('backend is "IP:PORT", e.g. "10.244.1.5:8200"')
        with self.lock:
            if url:
                self.backends[(ip, int(port))] = url
            else:
                self.backends.pop((ip, int(port)), None)
        return {"backend": "%s:%s" % (ip, port), "url": url}

    def set_endpoint(self, ns, name, port=None, url=None, ready=True, port_name=None, target_port=None,
                     create=True, pod=None):
        """One emulated pod behind Service NS/NAME, reached at `url`. url None: no pod and an
        Endpoints object without subsets ("the pod is not created yet"); ready False: the pod
        exists, its address is under notReadyAddresses."""
        ns = ns or "default"
        svc_def, pod_def = self._def("Service"), self._def("Pod")
        svc = self.store.get(svc_def, ns, name)
        num = int(port) if port is not None and str(port).isdigit() else None
        if svc is None:
            if not create:
                raise AdminError('service %s/%s does not exist (pass "create": true)' % (ns, name))
            pname = port_name if port_name is not None else (str(port) if port is not None and num is None
                                                             else "http")
            num = num or 80
            svc = self.store.apply({
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                "spec": {"type": "ClusterIP", "ports": [{"name": pname, "port": num, "protocol": "TCP",
                                                         "targetPort": int(target_port or num)}],
                         "selector": {"app": name}},
                "status": {"loadBalancer": {}}})[0]
        ports = (svc.get("spec") or {}).get("ports") or []
        if port is None:
            sport = ports[0] if ports else None
        else:
            sport = next((p for p in ports if (num is not None and p.get("port") == num) or
                          (num is None and p.get("name") == str(port))), None)
        if sport is None:
            raise AdminError("service %s/%s has no port %s (ports: %s)" % (
                ns, name, port, ", ".join("%s/%s" % (p.get("name", ""), p.get("port")) for p in ports)))
        pname = port_name if port_name is not None else sport.get("name", "")
        tport = int(target_port or (sport.get("targetPort") if isinstance(sport.get("targetPort"), int) else 0)
                    or sport.get("port"))
        with self.lock:
            em = self.emulated.setdefault((ns, name), {"pod": pod or name + "-0", "ports": {}})
            em["ip"] = pod_ip(ns, em["pod"])
            if url:
                em["ports"][pname] = tport
                em["ready"] = bool(ready)
                self.backends[(em["ip"], tport)] = url
            else:
                em["ports"].pop(pname, None)
                self.backends.pop((em["ip"], tport), None)
            state = dict(em, ports=dict(em["ports"]))
        if state["ports"]:
            self.store.apply(emulated_pod(ns, state["pod"], name, state["ip"], state["ready"],
                                          sorted(state["ports"].items())))
            podobj = self.store.get(pod_def, ns, state["pod"])
            addr = {"ip": state["ip"], "targetRef": {"kind": "Pod", "namespace": ns, "name": state["pod"],
                                                     "uid": podobj["metadata"]["uid"]}}
            subset = {"addresses" if state["ready"] else "notReadyAddresses": [addr],
                      "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in sorted(state["ports"].items())]}
            subsets = [subset]
        else:
            if self.store.get(pod_def, ns, state["pod"]) is not None:
                self.store.delete(pod_def, ns, state["pod"])
            subsets = None
        ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {
            "name": name, "namespace": ns, "labels": dict((svc["metadata"].get("labels") or {}))}}
        if subsets:
            ep["subsets"] = subsets
        if not ep["metadata"]["labels"]:
            del ep["metadata"]["labels"]
        self.store.apply(ep)
        return {"service": "%s/%s" % (ns, name), "endpoint": ("%s:%d" % (state["ip"], tport)) if url else None,
                "ready": bool(ready) if url else None, "url": url}

    def state(self):
        with self.lock:
            return {"backends": [{"address": "%s:%d" % k, "url": v} for k, v in sorted(self.backends.items())]}

    # -- the service proxy --

    def resolve(self, svc_def, ns, raw_id, scheme, name, port):
        """(ip, port, upstream URL or None) for the service proxy, or the ApiError the real
        server answers."""
        if port.isdigit():
            svc = self.store.get(svc_def, ns, name)
            if svc is None:
                raise not_found_obj(svc_def, name)
            found = next((p for p in (svc.get("spec") or {}).get("ports") or [] if str(p.get("port")) == port), None)
            if found is None:
                raise ApiError(503, "ServiceUnavailable", 'no service port %s found for service "%s"' % (port, name))
            port = found.get("name") or ""
        ep_def, pod_def = self._def("Endpoints"), self._def("Pod")
        eps = self.store.get(ep_def, ns, name)
        if eps is None:
            raise not_found_obj(ep_def, name)
        if not eps.get("subsets"):
            raise ApiError(503, "ServiceUnavailable", 'no endpoints available for service "%s"' % name)
        for ss in eps["subsets"]:
            for p in ss.get("ports") or []:
                if (p.get("name") or "") != port:
                    continue
                for addr in ss.get("addresses") or []:
                    ref = addr.get("targetRef") or {}
                    if ref.get("kind", "Pod") != "Pod" or ref.get("namespace") != ns:
                        continue
                    pod = self.store.get(pod_def, ns, ref.get("name") or "")
                    ips = [x.get("ip") for x in (pod or {}).get("status", {}).get("podIPs") or []]
                    if pod is None or addr.get("ip") not in ips:
                        continue
                    with self.lock:
                        url = self.backends.get((addr["ip"], int(p.get("port") or 0)))
                    return addr["ip"], int(p.get("port") or 0), url
        raise ApiError(503, "ServiceUnavailable", 'no endpoints available for service "%s"' % raw_id)
