"""The node and service proxy subresources."""

import http.client
import json
import ssl
import time
import urllib.parse
import uuid

from .errors import AbortConnection, ApiError, bad_request, not_found_obj
from .util import HOP_BY_HOP

STRIPPED = {"authorization"}     # filters.WithAuthentication deletes it once the request is authenticated


class ProxyMixin:
    def _proxy(self, rdef, ns, info, path, query, body):
        segs = urllib.parse.unquote(info.path_name).split(":")
        if len(segs) == 1:
            scheme, name, port = "", segs[0], ""
        elif len(segs) == 2:
            scheme, name, port = "", segs[0], segs[1]
        elif len(segs) == 3 and segs[0] in ("http", "https"):
            scheme, name, port = segs
        else:
            raise bad_request('invalid %s request "%s"' % (rdef.singular, info.path_name))
        raw = path.split("/")
        idx = raw.index("proxy", raw.index(info.path_name) + 1)
        remainder = "/" + "/".join(raw[idx + 1:])
        st = self.app.store
        if rdef.resource == "nodes":
            obj = st.get(rdef, "", name)
            if obj is None:
                raise not_found_obj(rdef, name)
            status = obj.get("status") or {}
            if not port:
                port = str(((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or 10250)
            ip = next((a.get("address") for a in status.get("addresses") or [] if a.get("type") == "InternalIP"),
                      name)
            target = self.app.proxy_target(("node", name, port))
            kubelet_port = str(((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or 10250)
            if target is None and port == kubelet_port and scheme != "http" and self.app.kubelets.up(obj):
                self.entry["proxy_target"] = "kubelet:%s:%s" % (name, port)
                return self._from_kubelet(obj, remainder)
            if target is None:
                raise ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s:%s: connect: "
                               "connection refused" % (ip, port))
        else:
            ip, tport, target = self.app.services.resolve(rdef, ns, urllib.parse.unquote(info.path_name), scheme,
                                                          name, port)
            port = str(tport)
            if target is None:     # an endpoint with no upstream registered for its address
                raise ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s:%s: connect: "
                               "connection refused" % (ip, port))
        self.entry["proxy_target"] = target
        if target.startswith("drop:"):
            # A NetworkPolicy that kindnetd enforces: the SYN is dropped (nfqueue NfDrop), so the
            # proxy's dialer waits out its timeout (30 s on kube-apiserver; the test sets it).
            time.sleep(float(target[len("drop:"):]))
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s:%s: i/o timeout"
                           % (ip, port))
        self._forward(target, remainder, query, body, dialed="%s:%s" % (ip, port))

    def _from_kubelet(self, node_obj, remainder):
        """The emulated kubelet answers, and the API server passes its answer on (kubelet.py)."""
        code, headers, body = self.app.kubelets.serve(node_obj, self.command, remainder,
                                                      self.headers.get("Accept-Encoding"))
        self._send(code, body, extra=headers + [("Audit-Id", str(uuid.uuid4())),
                                                ("Cache-Control", "no-cache, private")], std=False)

    def _forward(self, base, remainder, query, body, dialed):
        """Pass the request on as k8s.io/apimachinery's UpgradeAwareHandler (httputil.ReverseProxy)
        does: every method, the body, the client's headers but hop-by-hop ones, the Host kept
        (UseLocationHost is off), X-Forwarded-For added. Authorization and Impersonate-* never
        arrive here: the authentication and impersonation filters delete them. The upstream's
        status, headers and body come back unchanged."""
        u = urllib.parse.urlsplit(base)
        upath = (u.path.rstrip("/") + remainder) or "/"
        if query:
            upath += "?" + query
        try:
            if u.scheme == "https":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                up = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx, timeout=30)
            else:
                up = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
            hdrs = [(k, v) for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP and k.lower() not in STRIPPED and
                    not k.lower().startswith("impersonate-") and k.lower() not in ("content-length",
                                                                                    "x-forwarded-for")]
            xff = ", ".join(self.headers.get_all("X-Forwarded-For") or [])
            hdrs.append(("X-Forwarded-For", (xff + ", " if xff else "") + self.client_address[0]))
            if body or self.command in ("POST", "PUT", "PATCH"):
                hdrs.append(("Content-Length", str(len(body))))
            up.putrequest(self.command, upath, skip_host=any(k.lower() == "host" for k, _ in hdrs),
                          skip_accept_encoding=True)
            for k, v in hdrs:
                up.putheader(k, v)
            up.endheaders(body if body else None)
            resp = up.getresponse()
        except ConnectionRefusedError:
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s: connect: "
                           "connection refused" % dialed)
        except http.client.RemoteDisconnected:
            # Go's transport reads EOF where Python says "Remote end closed connection".
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: EOF")
        except http.client.BadStatusLine as e:
            # net/http: fmt.Errorf("malformed HTTP response %q", line)
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: malformed HTTP response %s"
                           % json.dumps(str(e.args[0] if e.args else "").rstrip("\r\n")))
        except (OSError, http.client.HTTPException) as e:
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: %s" % e)
        try:
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "date"]
            headers.append(("Audit-Id", str(uuid.uuid4())))
            # 1xx, 204 and 304 answers (and HEAD) end with their headers (RFC 9112 6.3): no chunked
            # framing, or a keep-alive client reads its "0" as the start of the next answer.
            no_body = resp.status < 200 or resp.status in (204, 304) or self.command == "HEAD"
            length = resp.getheader("Content-Length")
            if length is None and not no_body:
                headers = [h for h in headers if h[0].lower() != "content-length"] + [("Transfer-Encoding", "chunked")]
            self._head(resp.status, headers)
            while not no_body:
                chunk = resp.read(65536)
                if not chunk:
                    break
                data = chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
                self.wfile.write(data)
                self._count(len(data))
            if length is None and not no_body:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, http.client.HTTPException):
            raise AbortConnection()
        finally:
            up.close()
