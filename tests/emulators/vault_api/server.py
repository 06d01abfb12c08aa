"""HTTP front of the emulator: Vault's routes (http/handler.go), the request envelope
(http/logical.go buildLogicalRequest / respondLogical), the control API under /__emulator/,
fault injection and the request log."""

import email.utils
import http
import json
import socket
import ssl
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from emulator_common.listener import (AbortConnection as Abort, OutageServer, apply_request_faults, make_log, read_body,
                                     reset_on_close)

from . import control, gojson, router, sys_http, system
from .errors import VaultError
from .response import Raw, envelope

CHUNK_THRESHOLD = 2048            # Go net/http sends Content-Length only when the body fits its buffer
MAX_REQUEST = 32 << 20            # Vault's default max_request_size
RAW_BODY_PATHS = ("sys/storage/raft/snapshot", "sys/storage/raft/snapshot-force")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")


log = make_log("vault_api")


def token_from(headers):
    """X-Vault-Token, else `Authorization: Bearer <token>` (http/handler.go)."""
    tok = headers.get("X-Vault-Token")
    if tok:
        return tok
    auth = headers.get("Authorization") or ""
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):].strip()
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300
    server_version = ""
    sys_version = ""

    def setup(self):
        super().setup()
        self.app = self.server.app
        self.conn_id = self.server.next_conn()
        self.conn_requests = 0

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_LIST = do_GET

    # -- writing -----------------------------------------------------------------------------

    def send(self, status, body=b"", ctype="application/json", headers=(), head_only=False):
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        hs = [("Cache-Control", "no-store"), ("Date", email.utils.formatdate(usegmt=True))]
        if ctype:
            hs.append(("Content-Type", ctype))
        hs.extend(headers)
        if status in (204, 304) or head_only and not body:
            framed = b""
            if status not in (204, 304):
                hs.append(("Content-Length", "0"))
        elif len(body) > CHUNK_THRESHOLD:
            hs.append(("Transfer-Encoding", "chunked"))
            framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        else:
            hs.append(("Content-Length", str(len(body))))
            framed = body
        if self.command == "HEAD" or head_only:
            framed = b""
        if self.close_connection:
            hs.append(("Connection", "close"))
        head = ("HTTP/1.1 %d %s\r\n" % (status, phrase) + "".join("%s: %s\r\n" % h for h in hs) + "\r\n").encode("latin-1")
        if self.entry is not None:
            self.entry["status"] = status
            # recorded before the answer leaves: a client reading the log right after its
            # response must see this request's changes (the finally below runs too late)
            if self.req is not None:
                self.entry["changes"] = self.req.changes
        rule = self.reset_rule
        if rule is not None:
            data = head + framed
            n = rule.get("after_bytes")
            n = max(1, len(data) // 2) if n is None else min(int(n), len(data))
            self.wfile.write(data[:n])
            self.wfile.flush()
            if self.entry is not None:
                self.entry["bytes"] = n
                self.entry["end_reason"] = "fault-reset"
            time.sleep(float(rule.get("pause", 0.2)))
            raise Abort(rst=True)
        self.wfile.write(head + framed)
        if self.entry is not None:
            self.entry["bytes"] = len(framed)

    def send_json(self, status, obj, newline=True):
        self.send(status, gojson.dumps(obj, newline=newline))

    def send_error(self, err):
        self.send(err.status, gojson.dumps({"errors": err.texts}), headers=sorted(err.headers.items()))

    # -- dispatch ----------------------------------------------------------------------------

    def read_body(self):
        return read_body(self.rfile, self.headers, MAX_REQUEST)

    def dispatch(self):
        self.conn_requests += 1
        self.entry = None
        self.reset_rule = None
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path or "/", split.query
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            return self.send_json(413, {"errors": ["http: request body too large"]})
        if path == "/__emulator" or path.startswith("/__emulator/"):
            return self.control(path[len("/__emulator"):], query, body)
        app = self.app
        tok = token_from(self.headers)
        self.entry = app.reqlog.begin(
            conn=self.conn_id, conn_request=self.conn_requests, method=self.command, path=path, query=query,
            token="none" if not tok else "present", namespace=self.headers.get("X-Vault-Namespace"),
            vault_request=self.headers.get("X-Vault-Request"), user_agent=self.headers.get("User-Agent"),
            write=self.command in ("PUT", "POST", "PATCH", "DELETE"))
        t0 = time.monotonic()
        self.req = None
        try:
            rule = apply_request_faults(self.entry, *app.faults.on_request(self.command, path))
            if rule is not None and rule["type"] == "status":
                return self.fault_status(rule)
            if rule is not None and rule["type"] == "reset":
                self.reset_rule = rule
            self.route(path, query, body, tok)
        except (Abort, OSError):
            raise
        except Exception:
            # an emulator bug: answer like Vault's internal errors and say where in the log
            log("internal error on %s %s: %s" % (self.command, path, traceback.format_exc()))
            self.send_json(500, {"errors": ["1 error occurred:\n\t* internal error\n\n"]})
        finally:
            e = self.entry
            e["changes"] = self.req.changes if self.req is not None else 0
            e["end"] = time.time()
            e["duration"] = round(time.monotonic() - t0, 6)
            e["in_progress"] = False
            if app.access_log:
                log("%s %s %s token=%s %.3fs%s" % (self.command, path, e["status"], e["token"], e["duration"],
                                                  " [%s]" % e["fault"] if e["fault"] else ""))

    def fault_status(self, rule):
        code = rule["code"]
        headers = []
        if rule.get("retry_after") is not None:
            headers.append(("Retry-After", str(rule["retry_after"])))
        if rule.get("location") is not None:
            headers.append(("Location", str(rule["location"])))  # a 307 as a standby sends to the active node
        if "body" in rule:
            b = rule["body"]
            raw = b.encode() if isinstance(b, str) else gojson.dumps(b)
            raw *= int(rule.get("body_repeat", 1))  # a body larger than a fault rule may be
            return self.send(code, raw, rule.get("content_type", "application/json"), headers)
        texts = [rule["message"]] if rule.get("message") else []
        self.send(code, gojson.dumps({"errors": texts}), headers=headers)

    def route(self, path, query, body, tok):
        app, state = self.app, self.app.state
        if not path.startswith("/v1/"):
            if path in ("/", "/ui", "/ui/"):
                return self.send(307, b"", "text/html; charset=utf-8", [("Location", "/ui/")])
            return self.send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        p = path[len("/v1/"):]
        req = self.req = router.Request(self.command, None, p, {}, body, tok, dict(self.headers.items()))
        try:
            if p == "sys/health":
                if self.command not in ("GET", "HEAD"):
                    raise VaultError(405)
                with state.lock:
                    code, doc = sys_http.health(state, query)
                if doc is None:
                    return self.send_error(VaultError(code))
                return self.send(code, gojson.dumps(doc))
            special = {"sys/seal-status": lambda: sys_http.seal_status(state, self.command),
                       "sys/init": lambda: sys_http.init(state, self.command, body),
                       "sys/unseal": lambda: sys_http.unseal(state, self.command, body),
                       "sys/seal": lambda: sys_http.seal(state, self.command, req),
                       "sys/leader": lambda: sys_http.leader(state, self.command, app.port),
                       "sys/generate-root/attempt": lambda: sys_http.generate_root(state, self.command, body, req, "attempt"),
                       "sys/generate-root/update": lambda: sys_http.generate_root(state, self.command, body, req, "update")}
            if p in special:
                with state.lock:
                    seq0 = state.write_seq
                    try:
                        status, doc = special[p]()
                    finally:
                        req.changes = state.write_seq - seq0
                self.entry["token"] = req.token_kind if tok else "none"
                return self.send(status, b"" if doc is None else gojson.dumps(doc))
            self.logical(req, query, body)
        except VaultError as e:
            self.entry["token"] = req.token_kind if tok else "none"
            self.send_error(e)

    def logical(self, req, query, body):
        """buildLogicalRequest + handleLogical + respondLogical."""
        method = self.command
        params = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params.setdefault(k, v)
        if method in ("GET", "HEAD"):
            op = "list" if params.get("list") in _TRUE else "read"
        elif method == "LIST":
            op = "list"
        elif method in ("PUT", "POST"):
            op = "update"
        elif method == "DELETE":
            op = "delete"
        elif method == "PATCH":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if ctype != "application/merge-patch+json":
                raise VaultError(415, 'PATCH requires Content-Type of application/merge-patch+json, got "%s"' % ctype)
            op = "patch"
        else:
            raise VaultError(405)
        if op == "list":
            params.pop("list", None)
            if not req.path.endswith("/"):
                req.path += "/"
        if op in ("read", "list", "delete"):
            data = params
        elif req.path in RAW_BODY_PATHS:
            data = {}
        else:
            data = {}
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise VaultError(400, "error parsing JSON")
                if not isinstance(data, dict):
                    raise VaultError(400, "error parsing JSON")
        req.op, req.data = op, data
        state = self.app.state
        try:
            result, mount_type = router.handle(state, req)
        finally:
            self.entry["token"] = req.token_kind
        if isinstance(result, Raw):
            return self.send(result.status, result.body, result.content_type, sorted(result.headers.items()))
        if result is None:
            if req.op in ("read", "list"):
                raise VaultError(404)
            return self.send(204, b"", "application/json")
        if req.op == "list":
            d = result.data or {}
            if (not d and not result.warnings) or ("keys" in d and not d["keys"]):
                raise VaultError(404)
        env = envelope(result, req.id, mount_type)
        if system.injects_top_level(req.path.rstrip("/")) and result.data:
            top = gojson.all_maps(result.data)          # HTTPSysInjector: data first, sorted
            merged = {k: top[k] for k in sorted(top)}
            merged.update(env)
            env = merged
        self.send_json(200, env)

    # -- control API -------------------------------------------------------------------------

    def control(self, route, query, body):
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            return self.send_json(400, {"error": "body is not JSON: %s" % e})
        try:
            status, result = control.handle(self.app, self.command, route.strip("/"), query, data)
        except control.ControlError as e:
            return self.send_json(e.code, {"error": str(e)})
        except VaultError as e:
            return self.send_json(e.status, {"error": e.texts[0] if e.texts else "", "errors": e.texts})
        if isinstance(result, (bytes, bytearray)):
            return self.send(status, bytes(result), "application/octet-stream")
        self.send_json(status, result)


class Server(OutageServer, ThreadingHTTPServer):
    log = staticmethod(log)
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, tls_ctx=None):
        self.app = app
        self.tls_ctx = tls_ctx
        self.stopping = threading.Event()
        self.outage_seconds = 0.0
        self.conns = {}
        self.conns_lock = threading.Lock()
        self._conn_ids = iter(range(1, 1 << 62))
        super().__init__(addr, Handler, bind_and_activate=False)

    def next_conn(self):
        with self.conns_lock:
            return next(self._conn_ids)

    def server_bind(self):
        super().server_bind()
        self.port = self.socket.getsockname()[1]

    def process_request_thread(self, request, client_address):
        sock = request
        try:
            if self.tls_ctx is not None:
                request.settimeout(10)
                try:
                    sock = self.tls_ctx.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    log("TLS handshake with %s:%s failed: %s" % (client_address[0], client_address[1], e))
                    return
            with self.conns_lock:
                self.conns[id(sock)] = sock
            try:
                self.RequestHandlerClass(sock, client_address, self)
            except Abort as a:
                if a.rst:
                    reset_on_close(sock)
            except (OSError, ssl.SSLError):
                pass
            except Exception:
                log("error while serving %s: %s" % (client_address, traceback.format_exc()))
        finally:
            with self.conns_lock:
                self.conns.pop(id(sock), None)
            try:
                sock.close()
            except OSError:
                pass
            if sock is not request:
                try:
                    request.close()
                except OSError:
                    pass

    def drop_connections(self):
        with self.conns_lock:
            conns = list(self.conns.values())
        for c in conns:
            try:
                socket.socket.shutdown(c, socket.SHUT_RDWR)
            except OSError:
                pass
