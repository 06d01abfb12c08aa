"""The server side both emulators share: their stderr log, dropping a connection (FIN or RST),
reading a request body, the outage loop (stop listening, drop every connection, listen again on
the same port) and startup (LISTENING <port> on stdout, --listen-delay, SIGTERM)."""

import os
import signal
import socket
import struct
import sys
import threading
import time


def make_log(prefix):
    """A logger writing "<prefix>: <message>" lines to stderr, never raising (stderr may be gone)."""
    def log(msg):
        try:
            sys.stderr.write("%s: %s\n" % (prefix, msg))
            sys.stderr.flush()
        except Exception:
            pass
    return log


class AbortConnection(Exception):
    """Raised inside a handler to drop the connection: FIN, or RST when rst is true."""

    def __init__(self, rst=False):
        super().__init__("abort")
        self.rst = rst


def reset_on_close(sock):
    """SO_LINGER 0: closing `sock` sends RST instead of FIN (curl: 56, connection reset)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


def apply_request_faults(entry, delay, rule):
    """Acts on what FaultRules.on_request found for the request logged as `entry`: sleeps the
    delays, drops the connection for a close rule (AbortConnection), and returns a status or
    reset rule for the handler to answer with (None when there is none)."""
    if delay:
        entry["fault"] = "delay"
        time.sleep(delay)
    if rule is None:
        return None
    entry["fault"] = rule["type"]
    if rule["type"] == "close":
        entry["end_reason"] = "fault-close"
        raise AbortConnection(rst=bool(rule.get("rst")))
    return rule


def read_body(rfile, headers, max_bytes):
    """A request's body, chunked or by Content-Length; ValueError past `max_bytes`."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        out = b""
        while True:
            size = int(rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += rfile.read(size)
            rfile.readline(65537)
            if len(out) > max_bytes:
                raise ValueError("request body too large")
    n = int(headers.get("Content-Length") or 0)
    if n > max_bytes:
        raise ValueError("request body too large")
    return rfile.read(n) if n > 0 else b""


class OutageServer:
    """Mixin for a socketserver server: begin_outage() and the run() loop that serves it. The
    server sets `stopping` (an Event), `outage_seconds`, `log` and drop_connections()."""

    def begin_outage(self, seconds):
        self.outage_seconds = max(0.0, float(seconds))

        def later():
            time.sleep(0.1)   # let the control response that asked for it go out first
            self.shutdown()
        threading.Thread(target=later, daemon=True).start()

    def drop_connections(self):
        raise NotImplementedError

    def run(self):
        """Serve until stopped; an outage closes the listener, drops connections, re-listens later."""
        while not self.stopping.is_set():
            self.serve_forever(poll_interval=0.1)
            if self.stopping.is_set():
                break
            self.log("outage: not listening for %.1fs" % self.outage_seconds)
            self.socket.close()
            self.drop_connections()
            if self.stopping.wait(self.outage_seconds):
                break
            while not self.stopping.is_set():
                try:
                    self.socket = socket.socket(self.address_family, self.socket_type)
                    self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    self.socket.bind(self.server_address)
                    self.socket.listen(self.request_queue_size)
                    break
                except OSError as e:
                    self.log("outage: cannot listen again yet: %s" % e)
                    self.socket.close()
                    self.stopping.wait(0.1)
            self.log("outage over: listening on port %d" % self.port)


def serve(server, listen_delay, log):
    """Runs a bound `server` until SIGTERM or SIGINT, then exits the process with 0. Prints
    exactly one line, "LISTENING <port>", on stdout once the port is bound; with `listen_delay`
    the port is bound (reserved) but refuses connections for that many seconds first."""
    def stop(signum, frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if listen_delay > 0:
        # the port is bound (reserved) but not listening: clients get "connection refused"
        sys.stdout.write("LISTENING %d\n" % server.port)
        sys.stdout.flush()
        log("refusing connections for %.1fs" % listen_delay)
        if server.stopping.wait(listen_delay):
            os._exit(0)
        server.server_activate()
    else:
        server.server_activate()
        sys.stdout.write("LISTENING %d\n" % server.port)
        sys.stdout.flush()
    server.run()
    log("stopped")
    sys.stderr.flush()
    os._exit(0)
