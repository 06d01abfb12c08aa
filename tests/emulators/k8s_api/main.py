"""Command line: parse flags, load fixtures and faults, listen, print LISTENING <port>."""

import argparse
import json
import os

from emulator_common.listener import serve

from .app import App
from .auth import Authenticator, load_tokens
from .server import Server
from .tls import TLS
from .util import DEFAULT_K8S_VERSION, log

def load_fixtures(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Kubernetes API server emulator for tests (see README.md).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed as LISTENING <port>)")
    ap.add_argument("--tls-dir", help="directory with ca.crt, server.crt, server.key: HTTPS with client-cert auth")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="CA for client certificates (default: TLS_DIR/ca.crt)")
    ap.add_argument("--token-file", help="kube-apiserver token CSV (token,user,uid,\"groups\") or one bare token")
    ap.add_argument("--anonymous-auth", default="true", choices=["true", "false"],
                    help="unauthenticated requests become system:anonymous (403 on resources) [true]")
    ap.add_argument("--fixtures", action="append", default=[], help="JSON object/array/List or NDJSON to load")
    ap.add_argument("--watch-window", type=int, default=1000, help="events kept per resource for watch resume")
    ap.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds between BOOKMARK events")
    ap.add_argument("--min-request-timeout", type=float, default=1800.0,
                    help="watch without timeoutSeconds lasts a random time in [T, 2T)")
    ap.add_argument("--initial-rv", type=int, default=1000, help="first resourceVersion - 1")
    ap.add_argument("--listen-delay", type=float, default=0.0,
                    help="bind the port at once (and print LISTENING) but refuse connections for N seconds")
    ap.add_argument("--fault", action="append", default=[], help="a fault rule as JSON (repeatable)")
    ap.add_argument("--paginate-rv0", action="store_true",
                    help="honour limit on resourceVersion=0 lists (default: ignored, like the watch cache)")
    ap.add_argument("--kubernetes-version", default=DEFAULT_K8S_VERSION)
    ap.add_argument("--request-log-limit", type=int, default=10000)
    ap.add_argument("--no-access-log", dest="access_log", action="store_false")
    ap.add_argument("--argocd-controller", action="store_true",
                    help="act as Argo CD's application controller on Applications (README: Argo CD controller)")
    args = ap.parse_args(argv)

    tls = None
    cert, key, client_ca = args.tls_cert, args.tls_key, args.client_ca
    if args.tls_dir:
        cert = cert or os.path.join(args.tls_dir, "server.crt")
        key = key or os.path.join(args.tls_dir, "server.key")
        if client_ca is None and os.path.exists(os.path.join(args.tls_dir, "ca.crt")):
            client_ca = os.path.join(args.tls_dir, "ca.crt")
    if cert:
        tls = TLS(cert, key, client_ca)
    tokens = load_tokens(args.token_file) if args.token_file else {}

    app = App(args)
    app.tls = tls
    app.auth = Authenticator(tokens, args.anonymous_auth == "true", tls is not None)
    for f in args.fixtures:
        app.apply_objects(load_fixtures(f))
    for fj in args.fault:
        app.faults.add(json.loads(fj))

    server = Server((args.host, args.port), app, tls)
    app.server = server
    server.server_bind()

    log("%s on %s:%d (client certs: %s, tokens: %d, anonymous: %s)" % (
        "https" if tls else "http", args.host, server.port, tls.mode if tls else "n/a", len(tokens),
        args.anonymous_auth))
    serve(server, args.listen_delay, log)


if __name__ == "__main__":
    main()
