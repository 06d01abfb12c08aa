"""Objects as the API server writes them: field order of the Go structs, list items, bookmarks."""

import copy

from .util import sort_keys

# ---------------------------------------------------------------------------------------------
# Object normalisation (field order like the Go structs)

META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
              "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
              "ownerReferences", "finalizers", "managedFields"]


def normalize(obj, rdef):
    if rdef.custom:
        return sort_keys(obj)
    out = {"kind": obj.get("kind"), "apiVersion": obj.get("apiVersion")}
    meta = obj.get("metadata") or {}
    m = {k: meta[k] for k in META_ORDER if k in meta}
    for k, v in meta.items():
        if k not in m:
            m[k] = v
    for k in ("labels", "annotations"):
        if isinstance(m.get(k), dict):
            m[k] = dict(sorted(m[k].items()))
    out["metadata"] = m
    for k in ("spec", "status"):
        if k in obj:
            out[k] = obj[k]
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    return out


def output_obj(obj, rdef, version, in_list=False):
    """An object as served: built-in list items carry no kind/apiVersion; custom resources do."""
    if rdef.custom:
        gv = rdef.gv(version)
        if obj.get("apiVersion") == gv:
            return obj
        o = dict(obj)
        o["apiVersion"] = gv
        return o
    if in_list:
        return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
    return obj


_TEMPLATE_ZERO = {"metadata": {"creationTimestamp": None}, "spec": {"containers": None}}
_BOOKMARK_ZERO = {
    "nodes": {"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}}, "nodeInfo": {
        "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "",
        "containerRuntimeVersion": "", "kubeletVersion": "", "kubeProxyVersion": "", "operatingSystem": "",
        "architecture": ""}}},
    "pods": {"spec": {"containers": None}, "status": {}},
    "namespaces": {"spec": {}, "status": {}},
    "services": {"spec": {}, "status": {"loadBalancer": {}}},
    "configmaps": {},
    "secrets": {},
    "endpoints": {},
    "deployments": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "strategy": {}}, "status": {}},
    "replicasets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO}, "status": {"replicas": 0}},
    "daemonsets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "updateStrategy": {}},
                   "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                              "numberReady": 0}},
    "statefulsets": {"spec": {"selector": None, "template": _TEMPLATE_ZERO, "serviceName": "",
                              "updateStrategy": {}}, "status": {"replicas": 0, "availableReplicas": 0}},
    "customresourcedefinitions": {"spec": {"group": "", "names": {"plural": "", "kind": ""}, "scope": "",
                                           "versions": None},
                                  "status": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": None}},
}


def bookmark_obj(rdef, version, rv, initial_end=False):
    """A BOOKMARK object: only metadata.resourceVersion set, the rest Go zero values."""
    if rdef.custom:
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta = {"annotations": {"k8s.io/initial-events-end": "true"}, "resourceVersion": str(rv)}
        return {"apiVersion": rdef.gv(version), "kind": rdef.kind, "metadata": meta}
    meta = {"resourceVersion": str(rv), "creationTimestamp": None}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    o = {"kind": rdef.kind, "apiVersion": rdef.gv(version), "metadata": meta}
    o.update(copy.deepcopy(_BOOKMARK_ZERO.get(rdef.resource, {})))
    return o
