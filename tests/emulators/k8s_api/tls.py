"""Server TLS like kube-apiserver: client certificates are requested, never required, and judged
after the handshake.

kube-apiserver sets tls.RequestClientCert: the handshake accepts any client certificate, and the
x509 authenticator verifies it afterwards, so a bad certificate becomes 401 Unauthorized, never a
TLS failure. Python's ssl module cannot do that (CERT_OPTIONAL fails the handshake on a bad
certificate, and it has no verify callback), so the server side uses pyOpenSSL (Debian's
python3-openssl, installed by scripts/install-deps.sh): its verify callback records why a
certificate failed and lets the handshake go on. Without pyOpenSSL the server falls back to the
ssl module and verifies in the handshake; /__emulator/state then says "verify-at-handshake".
"""

import io
import select
import socket
import ssl
import time

from .util import log

try:
    from OpenSSL import SSL
except ImportError:     # not Debian's python3: see the fallback in TLS.__init__
    SSL = None

# OpenSSL X509_V_ERR_* codes and how Go's crypto/x509 words them (what kube-apiserver logs as the
# reason a client certificate was rejected).
_X509_UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority"
_X509_GO_MESSAGES = {
    2: _X509_UNKNOWN_AUTHORITY,     # UNABLE_TO_GET_ISSUER_CERT
    7: "x509: certificate signature is invalid",     # CERT_SIGNATURE_FAILURE
    9: "x509: certificate has expired or is not yet valid: current time {now} is before {not_before}",
    10: "x509: certificate has expired or is not yet valid: current time {now} is after {not_after}",
    18: _X509_UNKNOWN_AUTHORITY,    # DEPTH_ZERO_SELF_SIGNED_CERT
    19: _X509_UNKNOWN_AUTHORITY,    # SELF_SIGNED_CERT_IN_CHAIN
    20: _X509_UNKNOWN_AUTHORITY,    # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: _X509_UNKNOWN_AUTHORITY,    # UNABLE_TO_VERIFY_LEAF_SIGNATURE
    24: "x509: invalid CA certificate",    # INVALID_CA
    26: "x509: certificate specifies an incompatible key usage",    # INVALID_PURPOSE
}
HANDSHAKE_TIMEOUT = 10


def _asn1_time(raw):
    """b'20200102000000Z' (pyOpenSSL's notAfter) -> '2020-01-02T00:00:00Z' (Go's RFC 3339)."""
    s = raw.decode() if isinstance(raw, bytes) else str(raw)
    return "%s-%s-%sT%s:%s:%sZ" % (s[0:4], s[4:6], s[6:8], s[8:10], s[10:12], s[12:14])


def go_x509_message(code, cert):
    tmpl = _X509_GO_MESSAGES.get(code)
    if tmpl is None:
        return "x509: certificate rejected (OpenSSL verify error %d)" % code
    return tmpl.format(now=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       not_before=_asn1_time(cert.get_notBefore()), not_after=_asn1_time(cert.get_notAfter()))


def _ssl_error(e):
    """A pyOpenSSL error as an ssl.SSLError (an OSError), which the HTTP server already handles."""
    reasons = [r[2] for r in (e.args[0] if e.args and isinstance(e.args[0], list) else []) if len(r) > 2]
    return ssl.SSLError("; ".join(r for r in reasons if r) or str(e))


class _RawReader(io.RawIOBase):
    def __init__(self, sock):
        self._sock = sock

    def readable(self):
        return True

    def readinto(self, b):
        return self._sock.recv_into(b)


class TlsSocket:
    """The part of the socket API that socketserver, http.server and this emulator use, over a
    pyOpenSSL connection on a non-blocking socket (timeouts are select() waits)."""

    def __init__(self, raw, conn):
        self.raw = raw
        self.conn = conn
        self._timeout = None

    # -- plumbing the HTTP server calls --

    def fileno(self):
        return self.raw.fileno()

    def settimeout(self, t):
        self._timeout = t

    def gettimeout(self):
        return self._timeout

    def setsockopt(self, *a):
        return self.raw.setsockopt(*a)

    def getpeername(self):
        return self.raw.getpeername()

    def shutdown(self, how):
        """The TCP shutdown (no TLS close_notify), safe to call from another thread."""
        self.raw.shutdown(how)

    def close(self):
        self.raw.close()

    def makefile(self, mode="rb", buffering=-1):
        if "w" in mode:
            raise ValueError("TlsSocket.makefile is read-only; writes go through sendall")
        return io.BufferedReader(_RawReader(self), buffering if buffering and buffering > 0
                                 else io.DEFAULT_BUFFER_SIZE)

    def _wait(self, for_write, deadline):
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise socket.timeout("timed out")
        fd = self.raw.fileno()
        r, w, _ = select.select([] if for_write else [fd], [fd] if for_write else [], [], left)
        if not r and not w:
            raise socket.timeout("timed out")

    def _io(self, fn, *args):
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while True:
            try:
                return fn(*args)
            except SSL.WantReadError:
                self._wait(False, deadline)
            except SSL.WantWriteError:
                self._wait(True, deadline)

    def do_handshake(self):
        try:
            self._io(self.conn.do_handshake)
        except SSL.SysCallError as e:
            raise ConnectionResetError(e.args[0] if e.args and e.args[0] > 0 else 0,
                                       e.args[1] if len(e.args) > 1 else "connection closed in handshake")
        except SSL.Error as e:
            raise _ssl_error(e)

    def recv_into(self, buf, nbytes=0):
        try:
            return self._io(self.conn.recv_into, buf, nbytes or None)
        except SSL.ZeroReturnError:
            return 0                       # close_notify
        except SSL.SysCallError as e:
            if e.args and e.args[0] == -1:
                return 0                   # EOF without close_notify: suppress_ragged_eofs, as ssl does
            raise ConnectionResetError(*e.args)
        except SSL.Error as e:
            raise _ssl_error(e)

    def sendall(self, data):
        view = memoryview(data).cast("B")
        try:
            while view:
                n = self._io(self.conn.send, view[:1 << 20])
                view = view[n:]
        except SSL.SysCallError as e:
            raise BrokenPipeError(*(e.args if e.args and e.args[0] > 0 else (32, "Broken pipe")))
        except SSL.Error as e:
            raise _ssl_error(e)

    # -- the client certificate --

    def peer_identity(self):
        cert = self.conn.get_peer_certificate()
        if cert is None:
            return None
        return cert, self.conn.get_app_data().get("verify_error")


class TLS:
    """The server's TLS context. `mode`: "none" (no client CA), "request" (pyOpenSSL: any client
    certificate is accepted in the handshake and judged after it), "verify-at-handshake" (the ssl
    module fallback)."""

    def __init__(self, cert, key, client_ca=None):
        self.mode = "none"
        self.backend = "pyopenssl" if SSL is not None else "ssl"
        if SSL is None:
            self._init_stdlib(cert, key, client_ca)
            return
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.use_certificate_chain_file(cert)
        ctx.use_privatekey_file(key)
        ctx.check_privatekey()
        ctx.set_alpn_select_callback(
            lambda conn, offered: b"http/1.1" if b"http/1.1" in offered else SSL.NO_OVERLAPPING_PROTOCOLS)
        if client_ca:
            ctx.load_verify_locations(client_ca)
            # No CA names in the CertificateRequest (kube-apiserver sends ClientCAs.Subjects()): an
            # OpenSSL client sends its certificate either way, see README "Not emulated".
            ctx.set_verify(SSL.VERIFY_PEER, self._verify)
            ctx.set_session_id(b"k8s-api-emulator")   # OpenSSL needs it to resume sessions with verify set
            self.mode = "request"
        self.ctx = ctx

    def _init_stdlib(self, cert, key, client_ca):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])
        if client_ca:
            ctx.load_verify_locations(client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
            self.mode = "verify-at-handshake"
            log("warning: pyOpenSSL (Debian python3-openssl) is not importable by %s; bad client certificates "
                "will fail the TLS handshake instead of getting 401 as from kube-apiserver" % ssl.__file__)
        self.ctx = ctx

    @staticmethod
    def _verify(conn, cert, errnum, depth, ok):
        """OpenSSL's verify callback: remember the first failure, accept the certificate anyway."""
        if not ok:
            data = conn.get_app_data()
            if data is not None and "verify_error" not in data:
                data["verify_error"] = go_x509_message(errnum, cert)
        return True

    def wrap(self, raw):
        """TLS handshake on an accepted socket; returns the socket to serve HTTP on. Raises
        ssl.SSLError or OSError when the handshake fails."""
        if self.backend == "ssl":
            raw.settimeout(HANDSHAKE_TIMEOUT)
            return self.ctx.wrap_socket(raw, server_side=True)
        raw.setblocking(False)
        conn = SSL.Connection(self.ctx, raw)
        conn.set_app_data({})
        conn.set_accept_state()
        s = TlsSocket(raw, conn)
        s.settimeout(HANDSHAKE_TIMEOUT)
        s.do_handshake()
        return s

    def check_peer(self, s):
        """None (no client cert) or {"valid", "user", "groups", "error"}."""
        if isinstance(s, TlsSocket):
            ident = s.peer_identity()
            if ident is None:
                return None
            cert, err = ident
            user, groups = None, []
            for k, v in cert.get_subject().get_components():
                if k == b"CN":
                    user = v.decode("utf-8", "replace")
                elif k == b"O":
                    groups.append(v.decode("utf-8", "replace"))
            return {"valid": err is None, "user": user, "groups": groups, "error": err}
        if not s.getpeercert(binary_form=True):
            return None
        user, groups = None, []
        for rdn in (s.getpeercert() or {}).get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    user = v
                elif k == "organizationName":
                    groups.append(v)
        return {"valid": True, "user": user, "groups": groups, "error": None}


def shutdown_socket(sock):
    """TCP shutdown of a connection's socket from another thread (outage): never the TLS layer,
    which the connection's own thread may be using."""
    if isinstance(sock, ssl.SSLSocket):     # not SSLSocket.shutdown, which would touch the TLS state
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    else:
        sock.shutdown(socket.SHUT_RDWR)
