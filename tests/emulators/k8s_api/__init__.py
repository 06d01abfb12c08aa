"""A Kubernetes API server emulator for integration tests. Python 3 standard library, plus Debian's
python3-openssl for kube-apiserver's client-certificate handshake (see tls.py).

It speaks the API server's wire protocol (HTTPS with client-certificate or bearer-token auth,
JSON objects, Status errors, LIST paging, chunked NDJSON WATCH streams with bookmarks and 410
Expired, discovery, node and service proxy) and adds an unauthenticated control API under
/__emulator/ for tests: apply/delete/patch objects, scheduled changes, fault injection, a request
log. README.md beside this package documents the interface.

Start: python3 tests/emulators/k8s_api --port 0 --tls-dir DIR [--token-file F] [--fixtures FILE] ...
It prints exactly one line "LISTENING <port>" on stdout when ready, then logs to stderr.

Modules, in the order a request meets them: main (flags), server (listener, TLS per
connection), tls, handler (framing, dispatch) with watch, discovery and proxy, auth and authz,
store (objects, versions, watchers) with resources, selector and normalize, app (the control
API) with faults, requestlog and scheduler; errors and util are shared.
"""

__all__ = ["App", "AdminError", "ApiError", "status_obj", "load_fixtures", "main", "BUILTINS", "RDef", "Registry",
           "Server", "Store", "TLS"]

from .app import App  # noqa: F401
from .errors import AdminError, ApiError, status_obj  # noqa: F401
from .main import load_fixtures, main  # noqa: F401
from .resources import BUILTINS, RDef, Registry  # noqa: F401
from .server import Server  # noqa: F401
from .store import Store  # noqa: F401
from .tls import TLS  # noqa: F401
