"""A stand-in for kube-apiserver that records what arrives, for tests that compare kind-wait with
kubectl or provoke faults the emulator does not model (standard library only).

StubApiServer answers GET .../api/v1/nodes with a NodeList of one node named after the server,
and records for every request: the server's name, the path, the Authorization header, the
Impersonate-* headers and the client certificate's CN. Over HTTPS it verifies client
certificates against a CA when one is given (optional, or required). A `behave` function can
replace the answer: never answer, a status with headers and a body, a redirect, a huge LIST.
Certificates are made with the openssl CLI at test time (make_pki)."""
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time


def kubectl_path():
    """The real kubectl the kubeconfig tests compare with: $SF_KUBECTL, else the pinned one of
    scripts/install-k8s-tools.sh ($SF_TOOLS_DIR or <repo>/.cache/k8s-tools), else kubectl on
    PATH. Missing, the test fails with the install hint (never skips)."""
    source = os.environ.get("SF_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    tools = os.environ.get("SF_TOOLS_DIR") or os.path.join(source, ".cache", "k8s-tools")
    for candidate in (os.environ.get("SF_KUBECTL"), os.path.join(tools, "bin", "kubectl"), shutil.which("kubectl")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError("kubectl is missing: install it with scripts/install-k8s-tools.sh kubectl (make deps does); "
                         "the kubeconfig tests compare kind-wait with it")


def _openssl(args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class Pki:
    """A CA, a server certificate for 127.0.0.1/localhost, and client certificates on demand."""

    def __init__(self, directory, name="ca"):
        os.makedirs(directory, exist_ok=True)
        self.dir = directory
        self.name = name
        self.ca_cert = os.path.join(directory, f"{name}.crt")
        self.ca_key = os.path.join(directory, f"{name}.key")
        _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                  "-subj", f"/CN=stub {name}", "-keyout", self.ca_key, "-out", self.ca_cert], directory)
        os.chmod(self.ca_key, 0o600)
        self.server_cert, self.server_key = self.sign("server", "127.0.0.1",
                                                      "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                                      "extendedKeyUsage=serverAuth\n")

    def sign(self, file, cn, extensions):
        key = os.path.join(self.dir, f"{self.name}-{file}.key")
        csr = os.path.join(self.dir, f"{self.name}-{file}.csr")
        crt = os.path.join(self.dir, f"{self.name}-{file}.crt")
        ext = os.path.join(self.dir, f"{self.name}-{file}.ext")
        with open(ext, "w") as f:
            f.write(extensions)
        _openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={cn}",
                  "-keyout", key, "-out", csr], self.dir)
        _openssl(["x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key, "-CAcreateserial",
                  "-days", "2", "-extfile", ext, "-out", crt], self.dir)
        os.chmod(key, 0o600)
        return crt, key

    def client(self, cn):
        """A client certificate and key for CN=`cn` (made once per CN)."""
        return self.sign(f"client-{cn}", cn, "extendedKeyUsage=clientAuth\n")


def node_list(name):
    return {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
            "items": [{"metadata": {"name": name, "resourceVersion": "7"},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}],
                                  "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}}]}


class StubApiServer:
    """See the module docstring. `behave(handler, record)` may answer instead of the NodeList
    (return True when it did)."""

    def __init__(self, name, pki=None, client_ca=None, require_client_cert=False, behave=None):
        self.name = name
        self.log = []
        self.lock = threading.Lock()
        self.handshake_failures = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                if isinstance(self.request, ssl.SSLSocket):
                    try:
                        self.request.do_handshake()
                    except (ssl.SSLError, OSError):
                        with stub.lock:
                            stub.handshake_failures += 1
                        raise
                super().setup()

            def handle(self):
                try:
                    super().handle()
                except (ssl.SSLError, OSError):
                    pass

            def answer(self, status, body, headers=()):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                cn = None
                if isinstance(self.connection, ssl.SSLSocket):
                    cert = self.connection.getpeercert()
                    if cert:
                        cn = dict(x[0] for x in cert.get("subject", ())).get("commonName")
                record = {
                    "server": stub.name,
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "impersonate": sorted(f"{k}: {v}" for k, v in self.headers.items()
                                          if k.lower().startswith("impersonate-")),
                    "client_cn": cn,
                    "time": time.monotonic(),
                }
                with stub.lock:
                    stub.log.append(record)
                if behave is not None and behave(self, record):
                    return
                if self.path.split("?")[0].endswith("/api/v1/nodes"):
                    self.answer(200, node_list("node-" + stub.name))
                elif self.path.split("?")[0].endswith("/version"):
                    self.answer(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-stub"})
                else:
                    self.answer(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                      "message": "the server could not find the requested resource",
                                      "reason": "NotFound", "code": 404})

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # failed handshakes are counted in setup(); no tracebacks on stderr

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.scheme = "http"
        if pki is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(pki.server_cert, pki.server_key)
            if client_ca:
                ctx.load_verify_locations(client_ca)
                ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
            # The handshake runs in the handler thread (setup), not in the accept loop.
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def take_log(self):
        with self.lock:
            log, self.log = self.log, []
        return log

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SilentServer:
    """Accepts connections and never sends a byte: for HTTP a request that gets no answer, for
    HTTPS a TLS handshake that never finishes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for c in self.accepted:
            c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
