"""PUT and PATCH of named objects (staging/src/k8s.io/apiserver pkg/endpoints/handlers update.go
and patch.go): optimistic concurrency on metadata.resourceVersion with the real 409 Conflict, JSON
merge patch and JSON patch, the status subresource split, and 415 for what is not accepted."""

import copy
import json

from .errors import ApiError, bad_request
from .normalize import output_obj
from .util import merge_patch

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def conflict(rdef, name):
    """errors.NewConflict with the storage layer's OptimisticLockErrorMsg."""
    details = {"name": name}
    if rdef.group:
        details["group"] = rdef.group
    details["kind"] = rdef.resource
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; please '
                    'apply your changes to the latest version and try again' % (rdef.qualified, name), details)


def rv_required(rdef, name):
    """A custom resource cannot be updated unconditionally (AllowUnconditionalUpdate is false)."""
    kind = rdef.kind + ("." + rdef.group if rdef.group else "")
    msg = "Invalid value: 0x0: must be specified for an update"
    details = {"name": name}
    if rdef.group:
        details["group"] = rdef.group
    details.update({"kind": rdef.kind, "causes": [{"reason": "FieldValueInvalid", "message": msg,
                                                    "field": "metadata.resourceVersion"}]})
    return ApiError(422, "Invalid", '%s "%s" is invalid: metadata.resourceVersion: %s' % (kind, name, msg), details)


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError('JSON pointer must start with "/": %r' % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc, parts, path):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            raise ValueError("doc is missing path: %s" % path)
    return cur


def _get(doc, path):
    parts = _pointer(path)
    if not parts:
        return doc
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise ValueError("doc is missing path: %s" % path)


def _set(doc, path, value, replace):
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict):
        if replace and last not in parent:
            raise ValueError("replace operation does not apply: doc is missing key: %s" % path)
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-" and not replace:
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent) - (1 if replace else 0):
            if replace:
                parent[int(last)] = value
            else:
                parent.insert(int(last), value)
        else:
            raise ValueError("index out of bounds: %s" % path)
    else:
        raise ValueError("doc is missing path: %s" % path)
    return doc


def _remove(doc, path):
    parts = _pointer(path)
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise ValueError("remove operation does not apply: doc is missing path: %s" % path)


def json_patch(doc, ops):
    """RFC 6902. ValueError (the apiserver's 422) when an operation does not apply."""
    if not isinstance(ops, list):
        raise TypeError("a JSON patch is an array of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise TypeError("each JSON patch operation needs op and path")
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _set(doc, path, copy.deepcopy(op.get("value")), False)
        elif kind == "replace":
            doc = _set(doc, path, copy.deepcopy(op.get("value")), True)
        elif kind == "remove":
            _remove(doc, path)
        elif kind in ("move", "copy"):
            value = _get(doc, op["from"])
            if kind == "move":
                _remove(doc, op["from"])
            doc = _set(doc, path, copy.deepcopy(value), False)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ValueError("testing value %s failed: test failed" % path)
        else:
            raise TypeError("Unexpected kind: %s" % kind)
    return doc


def _drop_nulls(obj):
    """Unstructured objects do not keep null fields the schema does not allow: Argo CD clears
    `operation` with {"op":"add","path":"/operation","value":null} and the field is gone."""
    if isinstance(obj, dict):
        return {k: _drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_nulls(v) for v in obj]
    return obj


class WritesMixin:
    def _write(self, rdef, info, ns, body):
        name = info.path_name
        status_only = info.subresource == "status"
        has_status_sub = "status" in rdef.subresources
        try:
            data = json.loads(body) if body else None
        except ValueError as e:
            raise bad_request("couldn't get version/kind; json parse error: %s" % e)
        if self.command == "PUT":
            change = self._put_change(rdef, name, ns, data)
        else:
            change = self._patch_change(rdef, name, data)

        def apply(cur):
            new = change(cur)
            if not isinstance(new, dict):
                raise bad_request("the object must be a JSON object")
            if rdef.custom:
                new = _drop_nulls(new)
            new.setdefault("metadata", {})
            new["metadata"]["name"] = name
            if has_status_sub and status_only:          # /status changes only status
                kept = copy.deepcopy(cur)
                kept.pop("status", None)
                if "status" in new:
                    kept["status"] = new["status"]
                kept["metadata"] = cur["metadata"]
                new = kept
            elif has_status_sub:                         # the main resource never changes status
                new.pop("status", None)
                if "status" in cur:
                    new["status"] = copy.deepcopy(cur["status"])
            return new

        obj, _ = self.app.store.write(rdef, ns, name, apply)
        self._send_json(200, output_obj(obj, rdef, info.version))

    def _put_change(self, rdef, name, ns, data):
        if not isinstance(data, dict):
            raise bad_request("the body of an update must be a JSON object")
        meta = data.get("metadata") or {}
        if meta.get("name") not in (None, "", name):
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (meta.get("name"), name))
        if rdef.namespaced and meta.get("namespace") not in (None, "", ns):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if data.get("kind") not in (None, "", rdef.kind):
            raise bad_request('%s in version "%s" cannot be handled as a %s: the kind in the data does not match'
                              % (data.get("kind"), (data.get("apiVersion") or "").rpartition("/")[2], rdef.kind))
        rv = meta.get("resourceVersion")

        def change(cur):
            if not rv:
                if rdef.custom:
                    raise rv_required(rdef, name)
            elif rv != cur["metadata"]["resourceVersion"]:
                raise conflict(rdef, name)
            new = copy.deepcopy(data)
            new["kind"] = cur["kind"]
            new["apiVersion"] = (data.get("apiVersion") or cur["apiVersion"]) if rdef.custom else cur["apiVersion"]
            return new
        return change

    def _patch_change(self, rdef, name, data):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        accepted = [JSON_PATCH, MERGE, APPLY] + ([] if rdef.custom else [STRATEGIC])
        if ctype == STRATEGIC and not rdef.custom:
            ctype = MERGE        # an approximation: lists are replaced, not merged by key (README)
        if ctype not in (MERGE, JSON_PATCH):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                           "media types include: " + ", ".join(accepted) +
                           (" (server-side apply is not emulated)" if ctype == APPLY else ""))
        if data is None:
            raise bad_request("the body of a patch must not be empty")

        def change(cur):
            if ctype == MERGE:
                if not isinstance(data, dict):
                    raise bad_request("a merge patch must be a JSON object")
                new = merge_patch(cur, data)
            else:
                try:
                    new = json_patch(cur, data)
                except TypeError as e:
                    raise bad_request(str(e))
                except ValueError as e:
                    raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                                   {"causes": [{"reason": "UnexpectedServerResponse", "message": str(e)}]})
            rv = (new.get("metadata") or {}).get("resourceVersion") if isinstance(new, dict) else None
            if rv and rv != cur["metadata"]["resourceVersion"]:
                raise conflict(rdef, name)
            return new
        return change
