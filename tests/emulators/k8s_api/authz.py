"""Request info (k8s.io/apiserver pkg/endpoints/request RequestInfoFactory) and the RBAC of a
fresh kind cluster (admins, discovery, public info)."""

import re

from .errors import ApiError, parse_bool
from .util import PUBLIC_INFO_PATHS

# ---------------------------------------------------------------------------------------------
# Request info (k8s.io/apiserver pkg/endpoints/request RequestInfoFactory)

class ReqInfo:
    resource_request = False
    verb = group = version = namespace = resource = subresource = name = ""
    path_name = ""
    parts = ()


def request_info(method, path, params):
    info = ReqInfo()
    info.verb = method.lower()
    segs = [s for s in path.strip("/").split("/")] if path.strip("/") else []
    if len(segs) < 2 or segs[0] not in ("api", "apis"):
        return info
    if segs[0] == "api":
        info.version, rest = segs[1], segs[2:]
    else:
        if len(segs) < 3:
            return info
        info.group, info.version, rest = segs[1], segs[2], segs[3:]
    if not rest:
        return info
    info.resource_request = True
    info.verb = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete"}.get(method, "")
    if rest[0] == "watch":
        info.verb = "watch"
        rest = rest[1:]
        if not rest:
            info.resource_request = False
            return info
    if rest[0] == "namespaces":
        if len(rest) > 1:
            info.namespace = rest[1]
            if len(rest) > 2 and rest[2] not in ("status", "finalize"):
                rest = rest[2:]
    info.parts = rest
    if len(rest) >= 3 and info.verb != "proxy":
        info.subresource = rest[2]
    if len(rest) >= 2:
        info.name = info.path_name = rest[1]
    if rest:
        info.resource = rest[0]
    if not info.name and info.verb == "get":
        watch = parse_bool(params.get("watch"), "watch") if params.get("watch") else False
        info.verb = "watch" if watch else "list"
        fs = params.get("fieldSelector") or ""
        m = re.match(r"^metadata\.name==?([^,]+)$", fs.strip())
        if m:
            info.name = m.group(1)
    if not info.name and info.verb == "delete":
        info.verb = "deletecollection"
    return info


def forbidden(auth, info, path):
    user = auth.user or "system:anonymous"
    if not info.resource_request:
        return ApiError(403, "Forbidden", 'forbidden: User "%s" cannot %s path "%s"' % (user, info.verb, path), {})
    res = info.resource + ("/" + info.subresource if info.subresource else "")
    what = info.resource + ("." + info.group if info.group else "")
    subject = '%s "%s" is forbidden' % (what, info.name) if info.name else "%s is forbidden" % what
    scope = ' in the namespace "%s"' % info.namespace if info.namespace else " at the cluster scope"
    details = {}
    if info.name:
        details["name"] = info.name
    if info.group:
        details["group"] = info.group
    details["kind"] = info.resource
    return ApiError(403, "Forbidden", '%s: User "%s" cannot %s resource "%s" in API group "%s"%s'
                    % (subject, user, info.verb, res, info.group, scope), details)


def authorize(auth, info, path):
    if auth.admin:
        return
    if not info.resource_request:
        if any(path == p or path.startswith(p + "/") for p in PUBLIC_INFO_PATHS):
            return     # system:public-info-viewer, bound to authenticated and unauthenticated
        if not auth.anonymous and (path in ("/api", "/apis") or path.startswith(("/api/", "/apis/", "/openapi/"))):
            return     # system:discovery, bound to system:authenticated
    raise forbidden(auth, info, path)
