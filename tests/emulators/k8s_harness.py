"""Test helpers around k8s_api.py (the Kubernetes API server emulator). Standard library only.

    import sys, os; sys.path.insert(0, os.path.join(SF_SOURCE_DIR, "tests", "emulators"))
    from k8s_harness import make_pki, Emulator, write_kubeconfig, node

    pki = make_pki(tmpdir)
    with Emulator(pki=pki, token="s3cret", fixtures=kind_cluster(workers=1, ready=False)) as emu:
        write_kubeconfig(path, emu.url, ca=pki.ca_cert, client_cert=pki.client_cert, client_key=pki.client_key)
        emu.schedule(2, "apply", object=node("kind-worker", ready=True))
        ... run the tool ...
        assert any(r["watch"] for r in emu.requests_log(path_prefix="/api/v1/nodes"))

README.md documents every function. All waits are bounded.
"""

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "k8s_api")   # a package directory: python3 runs its __main__.py
sys.path.insert(0, os.path.join(HERE, "fixtures"))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from emulator_common import harness as _harness  # noqa: E402
from emulator_common.harness import Response  # noqa: E402,F401 (ApiClient's answers)

from k8s_objects import (application, cluster_secret_store, container, crd, deployment, endpoints,  # noqa: E402,F401
                         external_secret, ip_address_pool, kind_cluster, l2_advertisement, namespace, node, node_usage,
                         platform_crds, pod, pod_usage, qos_class, replicaset, rfc3339, service, stable_uid)
from workload import workload, worker_names  # noqa: E402,F401

__all__ = ["Pki", "make_pki", "make_client_cert", "make_expired_client_cert", "make_other_ca", "Emulator",
           "EmulatorError", "ApiClient", "write_kubeconfig", "free_port", "application", "cluster_secret_store",
           "container", "crd", "external_secret", "ip_address_pool", "l2_advertisement", "platform_crds",
           "deployment", "endpoints", "kind_cluster", "namespace", "node", "node_usage", "pod", "pod_usage", "qos_class",
           "replicaset", "service", "rfc3339", "stable_uid", "workload", "worker_names"]


class EmulatorError(_harness.EmulatorError):
    pass


# ---------------------------------------------------------------------------------------------
# PKI with the openssl CLI

def _openssl(*args, cwd=None):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise EmulatorError("openssl %s failed (rc %d): %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


class Pki:
    """Paths of a test PKI. Files in `dir`: ca.crt ca.key server.crt server.key client.crt client.key
    (the layout k8s_api.py --tls-dir expects)."""

    def __init__(self, d, key_alg="rsa"):
        self.dir = d
        self.key_alg = key_alg
        self.ca_cert = os.path.join(d, "ca.crt")
        self.ca_key = os.path.join(d, "ca.key")
        self.server_cert = os.path.join(d, "server.crt")
        self.server_key = os.path.join(d, "server.key")
        self.client_cert = os.path.join(d, "client.crt")
        self.client_key = os.path.join(d, "client.key")

    def __repr__(self):
        return "Pki(%r)" % self.dir


def _newkey(key):
    # "rsa" (RSA 2048, what kubeadm makes) or "ec" (P-256: much faster to generate)
    if key == "ec":
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    if key == "rsa":
        return ["-newkey", "rsa:2048"]
    raise ValueError("key must be 'rsa' or 'ec', not %r" % (key,))


def _sign(pki, name, subj, ext, days=None, start=None, end=None, key_alg=None):
    """Key + CSR + certificate signed by pki's CA. start/end are openssl dates (YYYYMMDDHHMMSSZ)."""
    d = pki.dir
    key, csr, crt = (os.path.join(d, name + s) for s in (".key", ".csr", ".crt"))
    _openssl("req", "-new", *_newkey(key_alg or pki.key_alg), "-nodes", "-keyout", key, "-out", csr, "-subj", subj)
    os.chmod(key, 0o600)
    if start is None and end is None:
        extf = os.path.join(d, name + ".ext")
        with open(extf, "w") as f:
            f.write(ext + "\n")
        _openssl("x509", "-req", "-in", csr, "-CA", pki.ca_cert, "-CAkey", pki.ca_key, "-CAcreateserial",
                 "-out", crt, "-days", str(days or 2), "-sha256", "-extfile", extf)
    else:
        # OpenSSL 3.0's `x509` has no -not_before/-not_after; `openssl ca` takes explicit dates.
        cadir = os.path.join(d, "ca-db")
        os.makedirs(cadir, exist_ok=True)
        index = os.path.join(cadir, "index.txt")
        if not os.path.exists(index):
            open(index, "w").close()
            with open(os.path.join(cadir, "serial"), "w") as f:
                f.write("%016X\n" % int(time.time() * 1000))
        cnf = os.path.join(cadir, name + ".cnf")
        with open(cnf, "w") as f:
            f.write("[ca]\ndefault_ca=emu\n[emu]\ndatabase=%s\nserial=%s\nnew_certs_dir=%s\ndefault_md=sha256\n"
                    "policy=pol\nunique_subject=no\ncopy_extensions=none\nx509_extensions=ext\n"
                    "[pol]\ncommonName=supplied\norganizationName=optional\n[ext]\n%s\n"
                    % (index, os.path.join(cadir, "serial"), cadir, ext))
        _openssl("ca", "-batch", "-config", cnf, "-cert", pki.ca_cert, "-keyfile", pki.ca_key, "-in", csr,
                 "-out", crt, "-startdate", start, "-enddate", end, "-notext", "-preserveDN")
    os.remove(csr)
    return crt, key


def make_pki(d, hosts=("127.0.0.1", "localhost"), days=2, client_cn="kubernetes-admin",
             client_orgs=("kubeadm:cluster-admins",), key="rsa"):
    """A kind-like PKI in directory d (created): CA "kubernetes", server cert for `hosts` (SANs),
    admin client cert O=kubeadm:cluster-admins CN=kubernetes-admin. key: "rsa" (2048, like
    kubeadm) or "ec" (P-256, faster). Returns a Pki."""
    os.makedirs(d, exist_ok=True)
    pki = Pki(d, key)
    _openssl("req", "-x509", *_newkey(key), "-nodes", "-keyout", pki.ca_key, "-out", pki.ca_cert,
             "-days", str(days), "-subj", "/CN=kubernetes", "-sha256",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    os.chmod(pki.ca_key, 0o600)
    sans = ",".join(("IP:" if h.replace(".", "").isdigit() or ":" in h else "DNS:") + h for h in hosts)
    ku = "keyUsage=critical,digitalSignature" + (",keyEncipherment" if key == "rsa" else "")
    _sign(pki, "server", "/CN=kube-apiserver", "subjectAltName=%s\nextendedKeyUsage=serverAuth\n%s" % (sans, ku), days)
    subj = "".join("/O=" + o for o in client_orgs) + "/CN=" + client_cn
    _sign(pki, "client", subj, "extendedKeyUsage=clientAuth\n" + ku, days)
    return pki


def make_client_cert(pki, name, cn, orgs=(), days=2, expired=False, not_yet_valid=False, usage="clientAuth"):
    """Another client certificate signed by pki's CA, written as DIR/NAME.crt + .key. `expired`
    makes one valid only in 2020; `not_yet_valid` one valid from 2099. Returns (cert, key)."""
    subj = "".join("/O=" + o for o in orgs) + "/CN=" + cn
    ext = "extendedKeyUsage=%s\nkeyUsage=critical,digitalSignature%s" % (
        usage, ",keyEncipherment" if pki.key_alg == "rsa" else "")
    if expired:
        return _sign(pki, name, subj, ext, start="20200101000000Z", end="20200102000000Z")
    if not_yet_valid:
        return _sign(pki, name, subj, ext, start="20990101000000Z", end="20990102000000Z")
    return _sign(pki, name, subj, ext, days)


def make_expired_client_cert(pki, name="expired-admin"):
    """kubernetes-admin / kubeadm:cluster-admins, signed by the right CA, expired in 2020."""
    return make_client_cert(pki, name, "kubernetes-admin", ("kubeadm:cluster-admins",), expired=True)


def make_other_ca(d, **kw):
    """A second, unrelated PKI (CA, server and client certs) for CA-mismatch tests."""
    return make_pki(d, **kw)


# ---------------------------------------------------------------------------------------------
# kubeconfig

def _yq(s):
    s = str(s)
    if s == "" or any(c in s for c in ":#{}[],&*!|>'\"%@`") or s.strip() != s or s.lower() in (
            "true", "false", "null", "yes", "no", "~"):
        return json.dumps(s)
    return s


def _b64file(p):
    with open(p, "rb") as f:
        return base64.b64encode(f.read()).decode()


def write_kubeconfig(path, server, ca=None, inline=True, client_cert=None, client_key=None, token=None,
                     token_file=None, name="kind-kind", context=None, cluster=None, user=None, namespace=None,
                     insecure_skip_tls_verify=False, current_context=True, tls_server_name=None,
                     preferences=False):
    """Write a kind-style kubeconfig (file mode 0600) and return its path.

    inline=True embeds CA/cert/key as base64 *-data fields (what kind writes); False writes
    file paths. `name` names cluster, user and context (kind: "kind-<cluster>") unless
    context/cluster/user are given. current_context=False leaves current-context empty."""
    ctx, cl, us = context or name, cluster or name, user or name
    lines = ["apiVersion: v1", "clusters:", "- cluster:"]
    if ca:
        if inline:
            lines.append("    certificate-authority-data: " + _b64file(ca))
        else:
            lines.append("    certificate-authority: " + _yq(ca))
    if insecure_skip_tls_verify:
        lines.append("    insecure-skip-tls-verify: true")
    lines.append("    server: " + _yq(server))
    if tls_server_name:
        lines.append("    tls-server-name: " + _yq(tls_server_name))
    lines += ["  name: " + _yq(cl), "contexts:", "- context:", "    cluster: " + _yq(cl)]
    if namespace:
        lines.append("    namespace: " + _yq(namespace))
    lines += ["    user: " + _yq(us), "  name: " + _yq(ctx),
              "current-context: " + (_yq(ctx) if current_context else '""'), "kind: Config"]
    if preferences:
        lines.append("preferences: {}")
    lines += ["users:", "- name: " + _yq(us), "  user:"]
    body = []
    if client_cert:
        body.append("    client-certificate-data: " + _b64file(client_cert) if inline
                    else "    client-certificate: " + _yq(client_cert))
    if client_key:
        body.append("    client-key-data: " + _b64file(client_key) if inline
                    else "    client-key: " + _yq(client_key))
    if token:
        body.append("    token: " + _yq(token))
    if token_file:
        body.append("    tokenFile: " + _yq(token_file))
    if not body:
        lines[-1] = "  user: {}"
    lines += body
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


# ---------------------------------------------------------------------------------------------
# A small client for the API and admin endpoints (also handy in tests)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ApiClient:
    """HTTP(S) client for the emulator. ca verifies the server; cert=(crt, key) presents a client
    certificate; token sends a bearer token. Every call has a timeout."""

    def __init__(self, url, ca=None, cert=None, token=None, timeout=10):
        u = urllib.parse.urlsplit(url)
        self.https = u.scheme == "https"
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.timeout = timeout
        self.ctx = None
        if self.https:
            self.ctx = ssl.create_default_context(cafile=ca) if ca else ssl._create_unverified_context()
            if cert:
                self.ctx.load_cert_chain(*cert)

    def connect(self, timeout=None):
        t = timeout or self.timeout
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=t)
        return http.client.HTTPConnection(self.host, self.port, timeout=t)

    def request(self, method, path, body=None, headers=None, timeout=None, auth=True):
        h = dict(headers or {})
        if auth and self.token:
            h["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c = self.connect(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def watch(self, path, timeout=10):
        """Open a watch; returns a WatchStream (iterate .events(), or .raw_lines())."""
        return WatchStream(self, path, timeout)


class WatchStream:
    """Reads a watch response at the socket level, so tests can see exactly where a stream
    ended: `events()` yields parsed events until the body ends; afterwards `complete` says
    whether the terminating chunk arrived and `leftover` holds bytes after the last newline."""

    def __init__(self, client, path, timeout):
        self.client = client
        self.conn = client.connect(timeout)
        h = {"Authorization": "Bearer " + client.token} if client.token else {}
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.getheaders()
        self.complete = False
        self.leftover = b""
        self.error = None
        self.timeout = timeout

    def events(self, limit=None, deadline=None):
        """Parsed events, one per line. Stops at end of body, after `limit` events, or at
        `deadline` (time.monotonic()); never blocks longer than the stream timeout."""
        n = 0
        buf = b""
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return
            try:
                chunk = self.resp.read1(65536) if hasattr(self.resp, "read1") else self.resp.read(1)
            except http.client.IncompleteRead as e:
                buf += e.partial
                self.error = e
                break
            except (OSError, http.client.HTTPException) as e:
                self.error = e
                break
            if not chunk:
                self.complete = self.error is None
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield json.loads(line)
                n += 1
                if limit is not None and n >= limit:
                    self.leftover = buf
                    return
        self.leftover = buf

    def close(self):
        try:
            self.conn.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# The emulator process

class Emulator(_harness.EmulatorProcess):
    """Runs k8s_api.py in a subprocess (sys.executable). Use as a context manager.

    pki: a Pki -> HTTPS with client-cert auth against pki.ca_cert; None -> plain HTTP.
    token: a bearer token (written to a 0600 file, passed with --token-file, never on argv);
    tokens: raw kube-apiserver token CSV text instead. fixtures: objects (list/dict) or a file path.
    listen_delay: LISTENING is printed at once, connections are refused for that many seconds.
    args: extra CLI flags. faults: fault rules (dicts) installed at start via --fault.
    argocd_controller: act as Argo CD's application controller (README "Argo CD controller")."""

    # start/stop, log_text, wait_for and the control calls both emulators share (fault, faults,
    # clear_faults, outage, requests_log, clear_requests, state): emulator_common.harness
    error = EmulatorError

    def __init__(self, pki=None, token=None, tokens=None, fixtures=None, args=(), port=0, listen_delay=0,
                 bookmark_interval=None, watch_window=None, min_request_timeout=None, anonymous_auth=True,
                 faults=(), startup_timeout=15, workdir=None, argocd_controller=False):
        self.pki = pki
        self.token = token
        self._tmp = tempfile.TemporaryDirectory(prefix="k8s-emu-") if workdir is None else None
        self.workdir = workdir or self._tmp.name
        self.port = port
        self.proc = None
        self.startup_timeout = startup_timeout
        cmd = [sys.executable, SERVER, "--port", str(port)]
        if pki is not None:
            cmd += ["--tls-dir", pki.dir]
        if token is not None or tokens is not None:
            tf = os.path.join(self.workdir, "tokens.csv")
            fd = os.open(tf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(tokens if tokens is not None else "%s,kubernetes-admin,uid-admin,\"system:masters\"\n" % token)
            cmd += ["--token-file", tf]
        if fixtures is not None:
            if isinstance(fixtures, str):
                cmd += ["--fixtures", fixtures]
            else:
                ff = os.path.join(self.workdir, "fixtures.json")
                with open(ff, "w") as f:
                    json.dump(fixtures, f)
                cmd += ["--fixtures", ff]
        if listen_delay:
            cmd += ["--listen-delay", str(listen_delay)]
        if bookmark_interval is not None:
            cmd += ["--bookmark-interval", str(bookmark_interval)]
        if watch_window is not None:
            cmd += ["--watch-window", str(watch_window)]
        if min_request_timeout is not None:
            cmd += ["--min-request-timeout", str(min_request_timeout)]
        if not anonymous_auth:
            cmd += ["--anonymous-auth", "false"]
        for f in faults:
            cmd += ["--fault", json.dumps(f)]
        if argocd_controller:
            cmd += ["--argocd-controller"]
        self.cmd = cmd + list(args)
        self.log_path = os.path.join(self.workdir, "k8s_api.log")

    # -- addresses and clients --

    @property
    def scheme(self):
        return "https" if self.pki is not None else "http"

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def client(self, cert="admin", token=None, ca="pki", timeout=10):
        """An ApiClient. cert: "admin" (the pki client cert), None, or (crt, key); ca: "pki" or a path/None."""
        if cert == "admin":
            cert = (self.pki.client_cert, self.pki.client_key) if self.pki is not None else None
        if ca == "pki":
            ca = self.pki.ca_cert if self.pki is not None else None
        return ApiClient(self.url, ca=ca, cert=cert, token=token, timeout=timeout)

    def kubeconfig(self, path, auth="cert", inline=True, **kw):
        """write_kubeconfig for this emulator. auth: "cert" (pki admin cert) or "token"."""
        if auth == "cert":
            kw.setdefault("client_cert", self.pki.client_cert)
            kw.setdefault("client_key", self.pki.client_key)
        elif auth == "token":
            kw.setdefault("token", self.token)
        ca = self.pki.ca_cert if self.pki is not None else None
        return write_kubeconfig(path, self.url, ca=kw.pop("ca", ca), inline=inline, **kw)

    # -- admin API --

    def admin(self, method, route, body=None, timeout=10):
        c = ApiClient(self.url, ca=self.pki.ca_cert if self.pki else None, timeout=timeout)
        r = c.request(method, "/__emulator/" + route.lstrip("/"), body=body, auth=False)
        data = json.loads(r.body) if r.body else None
        if r.status != 200:
            raise EmulatorError("admin %s %s -> %d: %s" % (method, route, r.status, data))
        return data

    def apply(self, obj):
        """Create or replace one object or a list; returns the stored object(s)."""
        res = self.admin("POST", "apply", obj)["applied"]
        objs = [a["object"] for a in res]
        return objs if isinstance(obj, list) or (isinstance(obj, dict) and "items" in obj) else objs[0]

    def delete(self, kind, namespace, name):
        return self.admin("POST", "delete", {"kind": kind, "namespace": namespace, "name": name})["deleted"]

    def patch(self, kind, namespace, name, patch):
        return self.admin("POST", "patch", {"kind": kind, "namespace": namespace, "name": name,
                                            "patch": patch})["object"]

    def patch_status(self, kind, namespace, name, status):
        return self.admin("POST", "patch-status", {"kind": kind, "namespace": namespace, "name": name,
                                                   "status": status})["object"]

    def schedule(self, after_seconds, op, **fields):
        """Run an op later: schedule(2, "apply", object=node("w", ready=True)). op may also be a
        dict ({"op": ...}) or a list of them. Returns the schedule id."""
        if isinstance(op, list):
            body = {"after_seconds": after_seconds, "ops": op}
        elif isinstance(op, dict):
            body = {"after_seconds": after_seconds, "op": op}
        else:
            body = {"after_seconds": after_seconds, "op": dict(fields, op=op)}
        return self.admin("POST", "schedule", body)["id"]

    def end_watches(self, resource=None):
        return self.admin("POST", "end-watches", {"resource": resource} if resource else {})["ended"]

    def expire_watches(self, resource=None, message=None):
        body = {}
        if resource:
            body["resource"] = resource
        if message:
            body["message"] = message
        return self.admin("POST", "expire-watches", body)["expired"]

    def compact(self, resource_version=None):
        return self.admin("POST", "compact", {"resourceVersion": resource_version} if resource_version else {})[
            "compacted"]

    def proxy_node(self, node_name, port, url):
        return self.admin("POST", "proxy", {"node": node_name, "port": port, "url": url})

    def proxy_service(self, namespace, name, port, url, create=True):
        """service_endpoint(namespace, name, port, url, create=create): kept for older tests."""
        return self.admin("POST", "proxy", {"service": {"namespace": namespace, "name": name, "port": port},
                                            "url": url, "create": create})

    def service_endpoint(self, namespace, name, port=None, url=None, ready=True, port_name=None, target_port=None,
                         create=True, pod=None):
        """Put a local upstream (url, e.g. "http://127.0.0.1:8201") behind Service NAMESPACE/NAME's
        `port` (number or name), as a pod the Endpoints point at. The Service is created if missing
        (port named `port_name`, default "http"). url=None: no pod, Endpoints without subsets (the
        503 "no endpoints available" phase); ready=False: the pod exists but is not ready."""
        body = {"namespace": namespace, "name": name, "port": port, "url": url, "ready": ready, "create": create}
        for k, v in (("portName", port_name), ("targetPort", target_port), ("pod", pod)):
            if v is not None:
                body[k] = v
        return self.admin("POST", "endpoints", body)

    def proxy_backend(self, address, url):
        """Route the service proxy's traffic for pod address "IP:PORT" (from Endpoints you applied
        yourself) to url; url=None removes it."""
        return self.admin("POST", "proxy", {"backend": address, "url": url})

    def set_pod_usage(self, namespace, name, containers, sandbox=None):
        """What pod NAMESPACE/NAME's kubelet reports: containers {name: {"cpu": cores, "memory": bytes
        or "64Mi"}}; fields left out keep their value. A CPU change takes effect now: the counter
        keeps what it had counted."""
        return self.admin("POST", "usage", pod_usage(namespace, name, containers, sandbox))["usage"][0]

    def set_node_usage(self, name, **settings):
        """Settings of node NAME's kubelet: system_cpu, system_memory, housekeeping_seconds, up,
        scrape_error, swap (see node_usage)."""
        return self.admin("POST", "usage", node_usage(name, **settings))["usage"][0]

    def argocd(self, namespace=None, name=None, enabled=None, defaults=None, **settings):
        """The Argo CD controller stand-in: argocd(enabled=True), argocd(defaults={"syncSeconds": 0.5}),
        or per app argocd("argocd", "vault", health="Degraded", healthMessage="..."). Returns its state."""
        body = dict(settings)
        if enabled is not None:
            body["enabled"] = enabled
        if defaults is not None:
            body["defaults"] = defaults
        if name is not None:
            body.update(namespace=namespace or "argocd", name=name)
        return self.admin("POST", "argocd", body)

    def usage(self):
        """The usage model: {"pods": [PodUsage settings], "nodes": {name: settings}}."""
        return self.admin("GET", "usage")

    def objects(self, kind=None, namespace=None):
        q = urllib.parse.urlencode({k: v for k, v in (("kind", kind), ("namespace", namespace)) if v})
        return self.admin("GET", "objects" + ("?" + q if q else ""))["items"]

    def wait_for_request(self, match, timeout=10):
        """Wait until a logged request satisfies match(entry); returns the entry."""
        return self.wait_for(lambda: next((e for e in self.requests_log() if match(e)), None), timeout,
                             what="a matching request")

    def wait_for_watchers(self, n=1, resource=None, timeout=10):
        """Wait until at least n watches (optionally of `resource`, e.g. "nodes") are open."""
        def have():
            ws = [w for w in self.state()["watchers"] if resource is None or w["resource"] == resource]
            return ws if len(ws) >= n else None
        return self.wait_for(have, timeout, what="%d watcher(s) on %s" % (n, resource or "anything"))
