"""The resources served: built-in types and those defined by established CRDs."""

import threading

# ---------------------------------------------------------------------------------------------
# Resources

class RDef:
    def __init__(self, group, versions, resource, kind, namespaced, singular, short=(), subresources=(),
                 generation=False, crd_name=None, established=True):
        self.group = group
        self.versions = list(versions)
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
        self.singular = singular
        self.short = list(short)
        self.subresources = list(subresources)
        self.generation = generation
        self.crd_name = crd_name
        self.established = established

    @property
    def gr(self):
        return (self.group, self.resource)

    @property
    def qualified(self):
        return self.resource + ("." + self.group if self.group else "")

    @property
    def list_kind(self):
        return self.kind + "List"

    @property
    def custom(self):
        return self.crd_name is not None

    def gv(self, version=None):
        v = version or self.versions[0]
        return v if not self.group else self.group + "/" + v


BUILTINS = [
    RDef("", ["v1"], "configmaps", "ConfigMap", True, "configmap", ["cm"]),
    RDef("", ["v1"], "endpoints", "Endpoints", True, "endpoints", ["ep"]),
    RDef("", ["v1"], "namespaces", "Namespace", False, "namespace", ["ns"], ["finalize", "status"]),
    RDef("", ["v1"], "nodes", "Node", False, "node", ["no"], ["proxy", "status"]),
    RDef("", ["v1"], "pods", "Pod", True, "pod", ["po"], ["status"]),
    RDef("", ["v1"], "secrets", "Secret", True, "secret", []),
    RDef("", ["v1"], "services", "Service", True, "service", ["svc"], ["proxy", "status"]),
    RDef("apps", ["v1"], "daemonsets", "DaemonSet", True, "daemonset", ["ds"], ["status"], True),
    RDef("apps", ["v1"], "deployments", "Deployment", True, "deployment", ["deploy"], ["scale", "status"], True),
    RDef("apps", ["v1"], "replicasets", "ReplicaSet", True, "replicaset", ["rs"], ["scale", "status"], True),
    RDef("apps", ["v1"], "statefulsets", "StatefulSet", True, "statefulset", ["sts"], ["scale", "status"], True),
    RDef("apiextensions.k8s.io", ["v1"], "customresourcedefinitions", "CustomResourceDefinition", False,
         "customresourcedefinition", ["crd", "crds"], ["status"], True),
]
CRD_GR = ("apiextensions.k8s.io", "customresourcedefinitions")

SUBRESOURCE_KIND = {("nodes", "proxy"): "NodeProxyOptions", ("services", "proxy"): "ServiceProxyOptions",
                     ("deployments", "scale"): "Scale", ("replicasets", "scale"): "Scale",
                     ("statefulsets", "scale"): "Scale"}


def _established(crd):
    for c in (crd.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Established":
            return c.get("status") == "True"
    return False


class Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.builtin = {d.gr: d for d in BUILTINS}
        self.custom = {}

    def all(self):
        with self.lock:
            return list(self.builtin.values()) + list(self.custom.values())

    def lookup(self, group, version, resource):
        """The resource served at /api[s]/group/version/resource, or None (404)."""
        with self.lock:
            d = self.builtin.get((group, resource)) or self.custom.get((group, resource))
        if d is None or version not in d.versions or not d.established:
            return None
        return d

    def by_kind(self, api_version, kind):
        group = api_version.rpartition("/")[0] if api_version and "/" in api_version else ""
        with self.lock:
            cands = [d for d in list(self.builtin.values()) + list(self.custom.values())
                     if d.kind == kind and (api_version is None or d.group == group)]
        return cands[0] if len(cands) == 1 else None

    def find(self, name, api_version=None):
        """Resolve an admin reference: a kind ("Node"), a plural ("nodes") or plural.group."""
        if not name:
            return None
        group = None
        if api_version:
            group = api_version.rpartition("/")[0] if "/" in api_version else ""
        low = name.lower()
        with self.lock:
            defs = list(self.builtin.values()) + list(self.custom.values())
        cands = [d for d in defs if (group is None or d.group == group) and
                 (d.kind.lower() == low or d.resource == low or d.qualified == low or d.singular == low
                  or low in d.short)]
        if len(cands) > 1:
            exact = [d for d in cands if d.kind == name]
            cands = exact or cands
        return cands[0] if len(cands) == 1 else None

    def set_crds(self, crds):
        custom = {}
        for c in crds:
            spec = c.get("spec") or {}
            names = spec.get("names") or {}
            plural, group, kind = names.get("plural"), spec.get("group"), names.get("kind")
            if not (plural and group and kind):
                continue
            versions = [v.get("name") for v in spec.get("versions") or [] if v.get("served", True) and v.get("name")]
            if not versions and spec.get("version"):
                versions = [spec["version"]]
            subs = []
            for v in spec.get("versions") or []:
                for s in (v.get("subresources") or {}):
                    if s not in subs:
                        subs.append(s)
            custom[(group, plural)] = RDef(group, versions, plural, kind, spec.get("scope") != "Cluster",
                                           names.get("singular") or kind.lower(), names.get("shortNames") or [],
                                           sorted(subs), True, c["metadata"]["name"], _established(c))
        with self.lock:
            self.custom = custom

    def groups(self):
        """Served groups for /apis, in the order the apiserver lists them (built-ins, then CRDs)."""
        order = []
        for d in self.all():
            if d.group and d.established and d.versions and d.group not in [g for g, _ in order]:
                order.append((d.group, d.versions))
        return order
