"""python3 -m vault_api --port 0 [--initialized --init-shares 5 --init-threshold 3 --unsealed] ..."""

import argparse
import json
import ssl

from emulator_common.listener import serve

from .faults import Faults, RequestLog
from .server import Server, log
from .state import State


class App:
    def __init__(self, args):
        self.args = args
        self.state = State()
        self.faults = Faults()
        self.reqlog = RequestLog(args.request_log_limit)
        self.access_log = args.access_log
        self.port = 0
        self.server = None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="vault_api", description="Vault 2.0.x HTTP API emulator for tests (see README.md).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed as LISTENING <port>)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="key for --tls-cert")
    # Vault's listener options of the same names: with both, a client without a certificate
    # this CA signed fails the handshake (the alert: certificate_required, unknown_ca).
    ap.add_argument("--tls-require-and-verify-client-cert", action="store_true",
                    help="with --tls-cert: require a client certificate signed by --tls-client-ca-file")
    ap.add_argument("--tls-client-ca-file", help="CA (PEM) that signs the client certificates")
    ap.add_argument("--initialized", action="store_true", help="initialise at start (keys via GET /__emulator/init-material)")
    ap.add_argument("--init-shares", type=int, default=5)
    ap.add_argument("--init-threshold", type=int, default=3)
    ap.add_argument("--unsealed", action="store_true", help="with --initialized: start unsealed")
    ap.add_argument("--standby", action="store_true", help="report itself as an HA standby (health 429)")
    ap.add_argument("--kv-upgrade-seconds", type=float, default=0.0,
                    help="a new KV v2 mount answers 'Upgrading from non-versioned...' for this long")
    ap.add_argument("--enable-unauthenticated-access", action="append", default=[],
                    help="like the server option enable_unauthenticated_access (e.g. generate-root)")
    ap.add_argument("--fault", action="append", default=[], help="a fault rule as JSON (repeatable)")
    ap.add_argument("--listen-delay", type=float, default=0.0,
                    help="print LISTENING at once but refuse connections for this many seconds")
    ap.add_argument("--request-log-limit", type=int, default=10000)
    ap.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = ap.parse_args(argv)

    app = App(args)
    st = app.state
    st.kv_upgrade_seconds = args.kv_upgrade_seconds
    st.enable_unauthenticated = set(args.enable_unauthenticated_access)
    st.standby = args.standby
    if args.initialized:
        st.initialize(args.init_shares, args.init_threshold, [], "")
        st.sealed = not args.unsealed
    elif args.unsealed:
        ap.error("--unsealed needs --initialized")
    for fj in args.fault:
        app.faults.add(json.loads(fj))
    tls_ctx = None
    if args.tls_cert:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_require_and_verify_client_cert:
            if not args.tls_client_ca_file:
                ap.error("--tls-require-and-verify-client-cert needs --tls-client-ca-file")
            tls_ctx.load_verify_locations(args.tls_client_ca_file)
            tls_ctx.verify_mode = ssl.CERT_REQUIRED
    server = Server((args.host, args.port), app, tls_ctx)
    app.server = server
    server.server_bind()
    app.port = server.port

    log("%s on %s:%d (initialized=%s sealed=%s)" % ("https" if tls_ctx else "http", args.host, server.port,
                                                   st.p["initialized"], st.sealed))
    serve(server, args.listen_delay, log)


if __name__ == "__main__":
    main()
