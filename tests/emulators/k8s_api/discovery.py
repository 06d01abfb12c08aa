"""Non-resource paths: health, version, discovery documents."""

import base64
import hashlib

from .errors import ApiError, not_found_generic
from .resources import SUBRESOURCE_KIND


class DiscoveryMixin:
    def _nonresource(self, path, params):
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                           {})
        reg = self.app.registry
        for hp in ("/healthz", "/livez", "/readyz"):
            if path == hp or path.startswith(hp + "/"):
                if "verbose" in params:
                    checks = ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers",
                              "poststarthook/crd-informer-synced"]
                    body = "".join("[+]%s ok\n" % c for c in checks) + "%s check passed\n" % hp[1:]
                else:
                    body = "ok"
                return self._send(200, body.encode(), "text/plain; charset=utf-8",
                                  [("X-Content-Type-Options", "nosniff")])
        if path in ("/version", "/version/"):
            v = self.app.args.kubernetes_version
            major, minor = v.lstrip("v").split(".")[:2]
            doc = {"major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
                   "minCompatibilityMajor": major, "minCompatibilityMinor": str(max(0, int(minor) - 1)),
                   "gitVersion": v, "gitCommit": "0123456789abcdef0123456789abcdef01234567",
                   "gitTreeState": "clean", "buildDate": "2026-05-12T08:00:00Z", "goVersion": "go1.26.2",
                   "compiler": "gc", "platform": "linux/amd64"}
            return self._send_json(200, doc, pretty=True)
        if path in ("/api", "/api/"):
            return self._send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}]})
        if path in ("/apis", "/apis/"):
            groups = [self._group_doc(g, vs) for g, vs in reg.groups()]
            return self._send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        segs = [s for s in path.strip("/").split("/")]
        if segs[0] == "api" and len(segs) == 2 and segs[1] == "v1":
            return self._send_json(200, self._resource_list("", "v1"))
        if segs[0] == "apis" and len(segs) == 2:
            for g, vs in reg.groups():
                if g == segs[1]:
                    doc = self._group_doc(g, vs)
                    doc = {"kind": "APIGroup", "apiVersion": "v1", **doc}
                    return self._send_json(200, doc)
        if segs[0] == "apis" and len(segs) == 3:
            for g, vs in reg.groups():
                if g == segs[1] and segs[2] in vs:
                    return self._send_json(200, self._resource_list(g, segs[2]))
        raise not_found_generic()

    @staticmethod
    def _group_doc(group, versions):
        vs = [{"groupVersion": group + "/" + v, "version": v} for v in versions]
        return {"name": group, "versions": vs, "preferredVersion": vs[0]}

    def _resource_list(self, group, version):
        res = []
        for d in sorted(self.app.registry.all(), key=lambda d: d.resource):
            if d.group != group or version not in d.versions or not d.established:
                continue
            hv = base64.b64encode(hashlib.sha256(("%s/%s/%s" % (group, version, d.kind)).encode()).digest()[:8])
            ent = {"name": d.resource, "singularName": d.singular, "namespaced": d.namespaced, "kind": d.kind,
                   "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}
            if d.short:
                ent["shortNames"] = d.short
            ent["storageVersionHash"] = hv.decode()
            res.append(ent)
            for sub in d.subresources:
                k = SUBRESOURCE_KIND.get((d.resource, sub), d.kind)
                verbs = ["create", "delete", "get", "patch", "update"] if sub == "proxy" else \
                    ["update"] if sub == "finalize" else ["get", "patch", "update"]
                res.append({"name": d.resource + "/" + sub, "singularName": "", "namespaced": d.namespaced,
                            "kind": k, "verbs": verbs})
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group + "/" + version if group
                else version, "resources": res}
