"""A misbehaving metrics server for fault tests (standard library only). Each path is one
fault; /ok serves a small valid node-exporter payload whose counters grow with each request,
/counter-reset serves counters that go down on the second request, /value/NAME serves a payload
with one hostile value (see BAD_VALUES), /many-cpus a 16 MB body with 300,000 cpu labels,
/slow/SECONDS answers /ok after a delay, /auth wants Basic user:secret, /status/CODE/SECONDS/FAILS
answers CODE with Retry-After: SECONDS to its first FAILS requests and then as /ok, /redirect
sends a 302 whose Location holds a password, /gzip-bomb sends ~1 KB of gzip that decodes to a
valid payload of over 1 MB."""
import gzip
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def node_payload(cpu_user, rx, nodename="fault-node", memtotal="4.294967296e+09", fs_size="1e+11", user1="5"):
    return (
        "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
        "# TYPE node_cpu_seconds_total counter\n"
        f'node_cpu_seconds_total{{cpu="0",mode="idle"}} {1000 + cpu_user}\n'
        f'node_cpu_seconds_total{{cpu="0",mode="user"}} {cpu_user}\n'
        'node_cpu_seconds_total{cpu="1",mode="idle"} 1000\n'
        f'node_cpu_seconds_total{{cpu="1",mode="user"}} {user1}\n'
        f"# TYPE node_memory_MemTotal_bytes gauge\nnode_memory_MemTotal_bytes {memtotal}\n"
        "# TYPE node_memory_MemAvailable_bytes gauge\nnode_memory_MemAvailable_bytes 1.073741824e+09\n"
        f'node_filesystem_size_bytes{{device="/dev/vda1",fstype="ext4",mountpoint="/"}} {fs_size}\n'
        'node_filesystem_free_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"} 5e+10\n'
        f'node_network_receive_bytes_total{{device="eth0"}} {rx}\n'
        'node_network_transmit_bytes_total{device="eth0"} 0\n'
        f'node_uname_info{{nodename="{nodename}"}} 1\n'
    ).encode()


# /value/NAME: a payload with one value a broken collector or a hostile exporter could send.
BAD_VALUES = {
    "nan-memtotal": dict(memtotal="NaN"),
    "inf-memtotal": dict(memtotal="+Inf"),
    "negative-memtotal": dict(memtotal="-4.294967296e+09"),
    "inf-filesystem": dict(fs_size="+Inf"),
    "nan-cpu": dict(user1="NaN"),
    "newline-nodename": dict(nodename="evil\\nnode"),   # \n in the exposition format: a real newline
    "escape-nodename": dict(nodename="evil\x1b[2Jnode"),
}


def gzip_bomb_payload(decoded_bytes=1 << 20):
    """A valid payload padded with comment lines past decoded_bytes, gzipped (~1 KB on the wire)."""
    body = node_payload(cpu_user=105, rx=1000)
    padding = b"# padding\n" * (decoded_bytes // 10 + 1)
    return gzip.compress(padding + body, compresslevel=9)


REDIRECT_PASSWORD = "hunter2-in-location"


def many_cpus_payload(count=300_000, target_bytes=16 << 20):
    """300,000 distinct cpu labels padded to ~16 MB, the hostile body of the issue."""
    pad = "x" * max(0, target_bytes // count - 60)
    lines = [f'node_cpu_seconds_total{{cpu="{i}{pad}",mode="user"}} 1\n' for i in range(count)]
    return "".join(lines).encode()


class FaultServer:
    def __init__(self):
        self.counts = {}
        self.times = {}  # path -> when each request arrived (time.time())
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send_body(self, status, body, content_type="text/plain; version=0.0.4"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                with server.lock:
                    n = server.counts[path] = server.counts.get(path, 0) + 1
                    server.times.setdefault(path, []).append(time.time())
                try:
                    if path == "/ok":
                        self.send_body(200, node_payload(cpu_user=100 + 5 * n, rx=1000 * n))
                    elif path.startswith("/value/"):
                        self.send_body(200, node_payload(cpu_user=100 + 5 * n, rx=1000 * n, **BAD_VALUES[path[7:]]))
                    elif path == "/badutf8-nodename":
                        body = node_payload(cpu_user=100 + 5 * n, rx=1000 * n, nodename="NODENAME")
                        self.send_body(200, body.replace(b"NODENAME", b"evil\xff\xfenode"))
                    elif path == "/many-cpus":
                        if not hasattr(server, "many_cpus"):
                            server.many_cpus = many_cpus_payload()
                        self.send_body(200, server.many_cpus)
                    elif path.startswith("/slow/"):
                        time.sleep(float(path[6:]))
                        self.send_body(200, node_payload(cpu_user=100 + 5 * n, rx=1000 * n))
                    elif path == "/auth":
                        import base64
                        want = "Basic " + base64.b64encode(b"user:secret").decode()
                        if self.headers.get("Authorization") != want:
                            self.send_body(401, b"Unauthorized\n")
                        else:
                            self.send_body(200, node_payload(cpu_user=100 + 5 * n, rx=1000 * n))
                    elif path == "/gzip":
                        # As node-exporter: gzip when the client accepts it.
                        body = node_payload(cpu_user=100 + 5 * n, rx=1000 * n)
                        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
                        with server.lock:
                            server.gzip_requests = getattr(server, "gzip_requests", 0) + int(accepts)
                        if accepts:
                            body = gzip.compress(body)
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain; version=0.0.4")
                        if accepts:
                            self.send_header("Content-Encoding", "gzip")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    elif path.startswith("/status/"):
                        code, seconds, fails = path[8:].split("/")
                        if n <= int(fails):
                            self.send_response(int(code))
                            self.send_header("Retry-After", seconds)
                            self.send_header("Content-Type", "text/plain")
                            self.send_header("Content-Length", "11")
                            self.end_headers()
                            self.wfile.write(b"slow down!\n")
                        else:
                            self.send_body(200, node_payload(cpu_user=100 + 5 * n, rx=1000 * n))
                    elif path == "/redirect":
                        self.send_response(302)
                        self.send_header("Location", f"http://user:{REDIRECT_PASSWORD}@127.0.0.1:{server.port}/redirected")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    elif path == "/gzip-bomb":
                        body = gzip_bomb_payload()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain; version=0.0.4")
                        self.send_header("Content-Encoding", "gzip")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    elif path == "/counter-reset":
                        # Second sample after a restart: counters start again from small values.
                        self.send_body(200, node_payload(cpu_user=500 if n == 1 else 2, rx=10**9 if n == 1 else 50))
                    elif path == "/hang":
                        time.sleep(60)
                    elif path == "/reset":
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain")
                        self.send_header("Content-Length", "100000")
                        self.end_headers()
                        self.wfile.write(node_payload(1, 1)[:200])
                        self.wfile.flush()
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        # The makefile() objects keep the socket open: close the fd itself -> RST.
                        self.close_connection = True
                        os.close(self.connection.detach())
                    elif path == "/500":
                        self.send_body(500, b"internal error: collector exploded\n")
                    elif path == "/garbage":
                        self.send_body(200, b"<html><body>Welcome to nginx!</body></html>\n")
                    elif path == "/huge":
                        # 1 GB of valid-looking samples, chunked: the client must cut it at its cap.
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain")
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        line = b'node_filler_total{i="0000000000"} 1\n' * 1024
                        sent = 0
                        while sent < 10**9:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                            sent += len(line)
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.send_body(404, b"not found\n")
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
