"""The HTTP handler: framing, dispatch, authentication and authorization, GET and LIST."""

import email.utils
import gzip
import http
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler

from emulator_common.listener import apply_request_faults, read_body

from .authz import ReqInfo, authorize, request_info
from .errors import AbortConnection, AdminError, ApiError, bad_request, fault_error, not_found_generic, \
    not_found_obj, parse_bool, status_obj
from .normalize import output_obj
from .selector import field_match, label_match, parse_field_selector, parse_label_selector
from .discovery import DiscoveryMixin
from .proxy import ProxyMixin
from .util import CHUNK_THRESHOLD, GZIP_THRESHOLD, go_json, log
from .watch import WatchMixin
from .writes import WritesMixin

# ---------------------------------------------------------------------------------------------
# HTTP

# Where Go's http.StatusText differs from Python's phrases (a proxied Vault answers 472 and 473).
GO_STATUS_TEXT = {413: "Request Entity Too Large", 414: "Request URI Too Long", 418: "I'm a teapot",
                  422: "Unprocessable Entity", 431: "Request Header Fields Too Large"}


class ConnInfo:
    _ids = iter(range(1, 1 << 62))
    _lock = threading.Lock()

    def __init__(self, sock, peer):
        with ConnInfo._lock:
            self.id = next(ConnInfo._ids)
        self.sock = sock
        self.peer = peer
        self.cert = None
        self.requests = 0


_local = threading.local()

class Handler(WatchMixin, WritesMixin, DiscoveryMixin, ProxyMixin, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300

    def setup(self):
        super().setup()
        self.conn = _local.conn
        self.app = self.server.app

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- low-level writing --

    def _head(self, code, headers):
        phrase = GO_STATUS_TEXT.get(code)
        if phrase is None:
            try:
                phrase = http.HTTPStatus(code).phrase
            except ValueError:
                phrase = "status code %d" % code     # Go's net/http for a code without StatusText
        hs = [("Date", email.utils.formatdate(usegmt=True))] + list(headers)
        if self.close_connection:
            hs.append(("Connection", "close"))
        lines = ["HTTP/1.1 %d %s" % (code, phrase)] + ["%s: %s" % (k, v) for k, v in hs]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data)
        if getattr(self, "entry", None) is not None:
            self.entry["status"] = code
        return data

    def _count(self, n):
        if getattr(self, "entry", None) is not None:
            self.entry["bytes"] += n

    def _std_headers(self, ctype):
        return [("Audit-Id", str(uuid.uuid4())), ("Cache-Control", "no-cache, private"),
                ("Content-Type", ctype),
                ("X-Kubernetes-Pf-Flowschema-Uid", "cb0e1a4c-0000-4000-8000-000000000001"),
                ("X-Kubernetes-Pf-Prioritylevel-Uid", "cb0e1a4c-0000-4000-8000-000000000002")]

    def _send(self, code, body, ctype="application/json", extra=(), allow_gzip=True, std=True):
        """Frame a body as Go's net/http does. std=False sends exactly `extra` as headers (a proxied
        upstream's own), without the API server's compression."""
        headers = self._std_headers(ctype) + list(extra) if std else list(extra)
        if (std and allow_gzip and len(body) > GZIP_THRESHOLD and self.command != "HEAD"
                and "gzip" in (self.headers.get("Accept-Encoding") or "").lower()):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
            chunked = True
        else:
            chunked = len(body) > CHUNK_THRESHOLD
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        else:
            headers.append(("Content-Length", str(len(body))))
            framed = body
        if self.command == "HEAD":
            framed = b""
        rule = getattr(self, "reset_rule", None)
        self._head(code, sorted(headers))
        if rule is not None:
            n = rule.get("after_bytes")
            n = max(1, len(framed) // 2) if n is None else min(int(n), len(framed))
            self.wfile.write(framed[:n])
            self._count(n)
            if self.entry is not None:
                self.entry["end_reason"] = "fault-reset"
            time.sleep(float(rule.get("pause", 0.2)))   # let the client read what was sent before the RST
            raise AbortConnection(rst=True)
        self.wfile.write(framed)
        self._count(len(framed))

    def _send_json(self, code, obj, pretty=False, extra=()):
        self._send(code, go_json(obj, pretty), extra=extra)

    def _send_error(self, err):
        if getattr(err, "raw_body", None) is not None:
            self._send(err.code, err.raw_body, err.raw_type, sorted(err.headers.items()))
        else:
            self._send_json(err.code, err.status, extra=sorted(err.headers.items()))

    def _read_body(self):
        return read_body(self.rfile, self.headers, 64 << 20)

    # -- dispatch --

    def _dispatch(self):
        self.conn.requests += 1
        self.entry = None
        self.reset_rule = None
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path or "/", split.query
        params = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params.setdefault(k, v)
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send_json(413, status_obj(413, "RequestEntityTooLarge", "request body too large"))
            return
        if path == "/__emulator" or path.startswith("/__emulator/"):
            return self._admin(path[len("/__emulator"):], params, body)
        t0 = time.monotonic()
        auth = self.app.auth.authenticate(self.conn.cert, self.headers)
        try:
            info = request_info(self.command, path, params)
            info_err = None
        except ApiError as e:
            info, info_err = ReqInfo(), e
        self.entry = self.app.reqlog.begin(
            conn=self.conn.id, conn_request=self.conn.requests, method=self.command, path=path, query=query,
            params=params, watch=info.verb == "watch", verb=info.verb, auth=auth.method, user=auth.user,
            client_cert=self.conn.cert and ("valid" if self.conn.cert["valid"] else "invalid") or "none",
            bearer=auth.bearer, auth_error=auth.error,
            user_agent=self.headers.get("User-Agent"), accept=self.headers.get("Accept"),
            accept_encoding=self.headers.get("Accept-Encoding"))
        try:
            rule = apply_request_faults(self.entry, *self.app.faults.on_request(self.command, path,
                                                                                info.verb == "watch"))
            if rule is not None and rule["type"] == "status":
                raise fault_error(rule)
            if rule is not None and rule["type"] == "reset":
                self.reset_rule = rule
            if not auth.ok:
                log('"Unable to authenticate the request" err="%s"' % auth.error)   # kube-apiserver's log line
                raise ApiError(401, "Unauthorized", "Unauthorized")
            authorize(auth, info, path)
            if info_err is not None:
                raise info_err
            self._route(info, path, query, params, body)
        except ApiError as e:
            self._send_error(e)
        finally:
            e = self.entry
            e["end"] = time.time()
            e["duration"] = round(time.monotonic() - t0, 6)
            e["in_progress"] = False
            if self.app.args.access_log:
                log("%s %s%s %s %s:%s %.3fs%s" % (
                    self.command, path, "?" + query if query else "", e["status"], auth.method, auth.user,
                    e["duration"], " [%s]" % e["end_reason"] if e["end_reason"] else ""))

    def _admin(self, route, params, body):
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            return self._send_json(400, {"error": "body is not JSON: %s" % e})
        try:
            result = self.app.admin(self.command, route, params, data)
            self._send_json(200, result)
        except AdminError as e:
            self._send_json(e.code, {"error": str(e)})
        except ApiError as e:
            self._send_json(e.code, {"error": e.status["message"], "status": e.status})

    def _accepts_json(self):
        accept = self.headers.get("Accept")
        if not accept:
            return True
        for part in accept.split(","):
            mt, _, prm = part.strip().partition(";")
            if mt.strip().lower() in ("application/json", "*/*", "application/*") and "as=" not in prm.replace(" ", ""):
                return True
        return False

    def _route(self, info, path, query, params, body):
        if not info.resource_request:
            return self._nonresource(path, params)
        reg = self.app.registry
        rdef = reg.lookup(info.group, info.version, info.resource)
        if rdef is None:
            raise not_found_generic()
        ns = info.namespace
        if rdef.resource == "namespaces":
            ns = ""
        elif not rdef.namespaced:
            if ns:
                raise not_found_generic()
        elif info.path_name and not ns:
            raise not_found_generic()
        if info.subresource == "proxy":
            if rdef.resource not in ("nodes", "services") or not info.path_name:
                raise not_found_generic()
            return self._proxy(rdef, ns, info, path, query, body)
        if self.command in ("PUT", "PATCH") and info.path_name and info.subresource in ("", "status"):
            if not self._accepts_json():
                raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, "
                               "application/yaml, application/vnd.kubernetes.protobuf")
            return self._write(rdef, info, ns, body)
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                           {})
        if not self._accepts_json():
            raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, "
                           "application/yaml, application/vnd.kubernetes.protobuf")
        if info.subresource and info.subresource != "status":
            raise not_found_generic()
        pretty = bool(parse_bool(params.get("pretty"), "pretty"))
        if info.verb == "watch":
            return self._watch(rdef, info, ns, params)
        if info.path_name:
            obj = self.app.store.get(rdef, ns, info.path_name)
            if obj is None:
                raise not_found_obj(rdef, info.path_name)
            return self._send_json(200, output_obj(obj, rdef, info.version), pretty)
        return self._list(rdef, info, ns, params, pretty)

    def _selectors(self, rdef, params):
        labels = parse_label_selector(params.get("labelSelector", ""))
        fields = parse_field_selector(params.get("fieldSelector", ""), rdef)
        return labels, fields

    def _list(self, rdef, info, ns, params, pretty):
        labels, fields = self._selectors(rdef, params)
        try:
            limit = int(params.get("limit") or 0)
        except ValueError:
            raise bad_request('invalid value for limit: "%s"' % params.get("limit"))
        if limit < 0:
            limit = 0

        def keep(o):
            return label_match(labels, o["metadata"].get("labels")) and field_match(fields, o)

        items, list_rv, token, remaining = self.app.store.list(rdef, ns, params, keep, limit,
                                                                 self.app.args.paginate_rv0)
        meta = {"resourceVersion": str(list_rv)}
        if token:
            meta["continue"] = token
            if remaining is not None and not labels and not fields:
                meta["remainingItemCount"] = remaining
        lst = {"kind": rdef.list_kind, "apiVersion": rdef.gv(info.version), "metadata": meta,
               "items": [output_obj(o, rdef, info.version, in_list=True) for o in items]}
        self._send_json(200, lst, pretty)
