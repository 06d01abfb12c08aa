"""The node and service proxy subresources."""

import http.client
import ssl
import urllib.parse
import uuid

from .errors import AbortConnection, ApiError, bad_request, not_found_obj
from .util import HOP_BY_HOP


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
            obj = st.get(rdef, ns, name)
            if obj is None:
                raise not_found_obj(rdef, name)
            targets = self.app.proxy_targets(("service", ns, name))
            aliases = {port}
            for p in (obj.get("spec") or {}).get("ports") or []:
                if port in (str(p.get("port")), p.get("name")):
                    aliases |= {str(p.get("port")), p.get("name") or ""}
            target = next((v for k, v in targets.items() if k[3] in aliases), None)
            if target is None and not port and len(targets) == 1:
                target = next(iter(targets.values()))
            if target is None:
                raise ApiError(503, "ServiceUnavailable", 'no endpoints available for service "%s"' % name)
        self.entry["proxy_target"] = target
        self._forward(target, remainder, query, body)

    def _from_kubelet(self, node_obj, remainder):
        """The emulated kubelet answers, and the API server passes its answer on (kubelet.py)."""
        code, headers, body = self.app.kubelets.serve(node_obj, self.command, remainder,
                                                      self.headers.get("Accept-Encoding"))
        self._send(code, body, extra=headers + [("Audit-Id", str(uuid.uuid4())),
                                                ("Cache-Control", "no-cache, private")], std=False)

    def _forward(self, base, remainder, query, body):
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
            hdrs = {k: v for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP and k.lower() not in ("host", "authorization", "content-length")}
            hdrs["X-Forwarded-For"] = self.client_address[0]
            up.request(self.command, upath, body=body if body else None, headers=hdrs)
            resp = up.getresponse()
        except (OSError, http.client.HTTPException) as e:
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: %s" % e)
        try:
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "date"]
            headers.append(("Audit-Id", str(uuid.uuid4())))
            length = resp.getheader("Content-Length")
            if length is None:
                headers = [h for h in headers if h[0].lower() != "content-length"] + [("Transfer-Encoding", "chunked")]
            self._head(resp.status, headers)
            while True:
                chunk = resp.read(65536)
                if not chunk:
                    break
                data = chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
                self.wfile.write(data)
                self._count(len(data))
            if length is None:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, http.client.HTTPException):
            raise AbortConnection()
        finally:
            up.close()
