"""Small helpers shared by every part of the emulator: logging, time, Go-style JSON."""

import json
import time

from emulator_common.listener import make_log

DEFAULT_K8S_VERSION = "v1.36.1"
ADMIN_GROUPS = {"system:masters", "kubeadm:cluster-admins"}
PUBLIC_INFO_PATHS = ("/healthz", "/livez", "/readyz", "/version")
GZIP_THRESHOLD = 128 * 1024     # apiserver compresses responses above 128 KiB (APIResponseCompression)
CHUNK_THRESHOLD = 2048          # Go net/http sends Content-Length only when the body fits its buffer
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "trailers", "transfer-encoding", "upgrade", "proxy-connection"}


log = make_log("k8s_api")


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def go_json(obj, pretty=False):
    """Encode like Go's json.Encoder: compact, HTML-escaped, raw UTF-8, trailing newline."""
    if pretty:
        s = json.dumps(obj, ensure_ascii=False, indent=2, separators=(",", ": "))
    else:
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    s = (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return (s + "\n").encode("utf-8")


def json_copy(obj):
    """A deep copy of JSON data (dicts, lists, scalars): four times faster than copy.deepcopy,
    which matters when fixtures hold 10,000 pods."""
    t = type(obj)
    if t is dict:
        return {k: json_copy(v) for k, v in obj.items()}
    if t is list:
        return [json_copy(v) for v in obj]
    return obj


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return json_copy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def sort_keys(obj):
    """Go encodes map[string]interface{} (unstructured custom resources) with sorted keys."""
    if isinstance(obj, dict):
        return {k: sort_keys(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sort_keys(v) for v in obj]
    return obj
