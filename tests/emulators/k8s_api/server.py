"""The listening server: per-connection TLS, connection tracking, outages (the outage loop is
emulator_common.listener's)."""

import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
from http.server import ThreadingHTTPServer

from emulator_common.listener import OutageServer, reset_on_close

from .errors import AbortConnection
from .handler import ConnInfo, Handler, _local
from .tls import shutdown_socket
from .util import log


class Server(OutageServer, ThreadingHTTPServer):
    log = staticmethod(log)
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, tls):
        self.app = app
        self.tls = tls
        self.conns = {}
        self.conns_lock = threading.Lock()
        self.outage_seconds = 0.0
        self.stopping = threading.Event()
        self.handshakes = threading.Condition()
        self.handshaking = 0
        super().__init__(addr, Handler, bind_and_activate=False)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def port(self):
        return self.server_address[1]

    def finish_request(self, request, client_address):
        conn = ConnInfo(request, client_address)
        with self.conns_lock:
            self.conns[conn.id] = conn
        sock = request
        try:
            if self.tls is not None:
                with self.handshakes:
                    self.handshaking += 1
                try:
                    sock = self.tls.wrap(request)
                except (ssl.SSLError, OSError) as e:
                    self.app.tls_failures.append({"time": time.time(), "peer": "%s:%s" % client_address[:2],
                                                  "error": str(e)})
                    log("TLS handshake with %s:%s failed: %s" % (client_address[0], client_address[1], e))
                    return
                finally:
                    with self.handshakes:
                        self.handshaking -= 1
                        self.handshakes.notify_all()
                conn.sock = sock
                conn.cert = self.tls.check_peer(sock)
            _local.conn = conn
            try:
                self.RequestHandlerClass(sock, client_address, self)
            except AbortConnection as a:
                if a.rst:
                    reset_on_close(sock)
                sock.close()
            except (OSError, ssl.SSLError):
                pass
        finally:
            with self.conns_lock:
                self.conns.pop(conn.id, None)
            if sock is not request:
                try:
                    sock.close()
                except OSError:
                    pass

    def settle_handshakes(self, timeout=1.0):
        """Wait (bounded) until no other TLS handshake is in progress, so that /__emulator/state
        lists the failure of a handshake a client has already given up on."""
        deadline = time.monotonic() + timeout
        with self.handshakes:
            while self.handshaking > 0 and time.monotonic() < deadline:
                self.handshakes.wait(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        log("error while serving %s: %s" % (client_address, "".join(traceback.format_exc())))

    def drop_connections(self):
        self.app.store.signal_watchers(("abort",))
        with self.conns_lock:
            conns = list(self.conns.values())
        for c in conns:
            try:
                shutdown_socket(c.sock)
            except OSError:
                pass
