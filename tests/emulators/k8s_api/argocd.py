"""A stand-in for Argo CD's application controller, as far as a client of the Kubernetes API sees
it act on Applications (argoproj.io/v1alpha1). Off unless --argocd-controller or the control
API turns it on, so tests that script Application status by hand keep full control.

Followed from argo-cd: controller/appcontroller.go (processRequestedAppOperation,
setOperationState: the whole operationState replaced and `operation` cleared when the phase is
completed; persistAppStatus: health lastTransitionTime only on a change; the refresh annotation
consumed after the status is persisted; a Terminating phase resumed and ended), controller/sync.go
(NewOperationState: Running with startedAt), gitops-engine's sync messages (Terminate: "Operation
terminated"), pkg/apis/application/v1alpha1 (RetryStrategy
NextRetryAt: duration x factor^retries, capped, defaults 5s, 2, 3m; RevisionHistory).
Timestamps are metav1.Time: RFC 3339 in whole seconds. README.md ("Argo CD controller") has the
knobs.
"""

import copy
import heapq
import queue
import re
import threading
import time

from .errors import AdminError
from .util import log, now_rfc3339

APP_GR = ("argoproj.io", "applications")
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
DEFAULT_REVISION = "4f2a9c1d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3"
MSG_RUNNING = "one or more tasks are running"
MSG_SUCCEEDED = "successfully synced (all tasks run)"
MSG_FAILED = "one or more synchronization tasks completed unsuccessfully"
MSG_ERROR = "one or more objects failed to apply, reason: the server could not find the requested resource"
MSG_TERMINATED = "Operation terminated"
COMPLETED = ("Succeeded", "Failed", "Error")

# Per-app settings (control API); `defaults` holds them for every app.
DEFAULTS = {
    "syncSeconds": 1.0,            # Running -> the result
    "result": "Succeeded",         # or "Failed" / "Error"
    "message": None,               # the result's message (default: gitops-engine's text)
    "failAttempts": None,          # with result Failed/Error: attempts that fail before one succeeds
    "reconcileDelaySeconds": 1.0,  # the refresh after a sync: reconciledAt after finishedAt
    "progressingSeconds": 2.0,     # health Progressing for this long after the sync
    "health": "Healthy",           # then this health (Degraded, Suspended, Missing, ...)
    "healthMessage": None,
    "refreshDelaySeconds": 0.2,    # how soon the refresh annotation is acted on
    "revision": None,              # what the sync resolves to (default: the operation's, or a fixed SHA)
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def go_duration(s, default):
    """Argo CD's parseStringToDuration: a plain number is seconds, else a Go duration."""
    if s in (None, ""):
        return default
    if re.fullmatch(r"\d+", str(s)):
        return float(s)
    parts = _DURATION.findall(str(s))
    if not parts or "".join(a + b for a, b in parts) != str(s):
        raise ValueError("bad duration %r" % s)
    return sum(float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in parts)


def kitchen(t):
    """Go's time.Kitchen ("3:04PM"), in UTC."""
    tm = time.gmtime(t)
    return "%d:%02d%s" % ((tm.tm_hour % 12) or 12, tm.tm_min, "AM" if tm.tm_hour < 12 else "PM")


class ArgoController:
    def __init__(self, store, registry, enabled=False):
        self.store = store
        self.registry = registry
        self.enabled = enabled
        self.defaults = dict(DEFAULTS)
        self.settings = {}          # (ns, name) -> overrides
        self.runs = {}              # (ns, name) -> {"attempt": n, "due": kind}
        self.lock = threading.Lock()
        self.events = queue.Queue()
        self.timers = []            # heap of (due, seq, key, action)
        self.seq = 0
        store.listeners.append(self._on_event)
        threading.Thread(target=self._loop, name="argocd-controller", daemon=True).start()

    # -- control API --

    def configure(self, body):
        if not isinstance(body, dict):
            raise AdminError('argocd takes {"enabled": bool, "defaults": {...}} or {"namespace", "name", settings}')
        with self.lock:
            if "enabled" in body:
                self.enabled = bool(body["enabled"])
            if isinstance(body.get("defaults"), dict):
                self.defaults.update(self._check(body["defaults"]))
            if body.get("name"):
                key = (body.get("namespace") or "argocd", body["name"])
                fields = {k: v for k, v in body.items() if k not in ("namespace", "name", "enabled", "defaults")}
                self.settings.setdefault(key, {}).update(self._check(fields))
        if self.enabled:
            for k in self._app_keys():
                self.events.put(k)
        return self.state()

    @staticmethod
    def _check(fields):
        for k, v in fields.items():
            if k not in DEFAULTS:
                raise AdminError("argocd has no setting %r (settings: %s)" % (k, ", ".join(DEFAULTS)))
            if k == "result" and v not in COMPLETED:
                raise AdminError("result must be one of %s" % ", ".join(COMPLETED))
        return fields

    def state(self):
        with self.lock:
            return {"enabled": self.enabled, "defaults": dict(self.defaults),
                    "apps": [{"namespace": k[0], "name": k[1], **v} for k, v in sorted(self.settings.items())],
                    "runs": [{"namespace": k[0], "name": k[1], **v} for k, v in sorted(self.runs.items())]}

    def _conf(self, key):
        with self.lock:
            c = dict(self.defaults)
            c.update(self.settings.get(key) or {})
            return c

    # -- plumbing --

    def _rdef(self):
        return self.registry.lookup("argoproj.io", "v1alpha1", "applications") or next(
            (d for d in self.registry.all() if d.gr == APP_GR), None)

    def _app_keys(self):
        with self.store.lock:
            return [(k[2], k[3]) for k in self.store.objects if k[:2] == APP_GR]

    def _on_event(self, rdef, typ, obj, prev):
        """Store listener (called under the store lock): only queue the app's key."""
        if self.enabled and rdef.gr == APP_GR and typ != "DELETED":
            self.events.put((obj["metadata"].get("namespace"), obj["metadata"]["name"]))

    def _later(self, seconds, key, action):
        with self.lock:
            self.seq += 1
            heapq.heappush(self.timers, (time.monotonic() + max(0.0, seconds), self.seq, key, action))
        self.events.put(None)          # wake the loop

    def _loop(self):
        while True:
            with self.lock:
                wait = None if not self.timers else max(0.0, self.timers[0][0] - time.monotonic())
            try:
                key = self.events.get(timeout=wait)
            except queue.Empty:
                key = None
            if key is not None:
                self._guard(self._reconcile, key)
            while True:
                with self.lock:
                    if not self.timers or self.timers[0][0] > time.monotonic():
                        break
                    _, _, tkey, action = heapq.heappop(self.timers)
                self._guard(action, tkey)

    def _guard(self, fn, key):
        try:
            if self.enabled:
                fn(key)
        except Exception as e:      # a bad object must not stop the controller
            log("argocd controller: %s/%s: %s: %s" % (key[0], key[1], type(e).__name__, e))

    def _get(self, key):
        rdef = self._rdef()
        return (rdef, self.store.get(rdef, key[0], key[1])) if rdef else (None, None)

    def _patch(self, key, change):
        rdef = self._rdef()
        if rdef is None or self.store.get(rdef, key[0], key[1]) is None:
            return None
        return self.store.write(rdef, key[0], key[1], change)[0]

    # -- what the controller does --

    def _reconcile(self, key):
        rdef, app = self._get(key)
        if app is None:
            with self.lock:
                self.runs.pop(key, None)
            return
        conf = self._conf(key)
        if REFRESH_ANNOTATION in ((app.get("metadata") or {}).get("annotations") or {}):
            with self.lock:
                pending = self.runs.setdefault(key, {}).get("refresh")
                self.runs[key]["refresh"] = True
            if not pending:
                self._later(conf["refreshDelaySeconds"], key, self._refresh)
        op = app.get("operation")
        if not op:
            return
        state = (app.get("status") or {}).get("operationState")
        with self.lock:
            run = self.runs.setdefault(key, {})
            busy = run.get("syncing")
        if state is not None and state.get("phase") == "Terminating":
            # `argocd app terminate-op` (server TerminateOperation) wrote the phase: the controller
            # resumes the operation in Terminating, gitops-engine's Terminate() ends it as Failed
            # "Operation terminated", no retry follows, and `operation` is cleared.
            with self.lock:
                pending = self.runs[key].get("terminating")
                self.runs[key]["terminating"] = True
            if not pending:
                self._later(self._conf(key)["refreshDelaySeconds"], key, self._terminate)
            return
        if state is None or state.get("phase") in COMPLETED:
            self._start(key, op)
        elif not busy:
            # an operation in progress that this controller did not start (a fixture): resume it
            with self.lock:
                self.runs[key].update(syncing=True, attempt=int(state.get("retryCount") or 0))
            self._later(conf["syncSeconds"], key, self._finish)
        # else: a new `operation` written while one runs is not looked at; the running one
        # finishes and clears `operation` (processRequestedAppOperation resumes the state it has)

    def _start(self, key, op):
        now = now_rfc3339()
        with self.lock:
            self.runs.setdefault(key, {}).update(syncing=True, attempt=0)

        def change(app):
            st = app.setdefault("status", {})
            st["operationState"] = {"operation": copy.deepcopy(op), "phase": "Running", "message": MSG_RUNNING,
                                    "startedAt": now}
            self._set_health(st, "Progressing", None, now)
            return app
        self._patch(key, change)
        self._later(self._conf(key)["syncSeconds"], key, self._finish)

    @staticmethod
    def _set_health(status, health, message, now):
        h = status.get("health") or {}
        if h.get("status") != health:
            h = {"status": health, "lastTransitionTime": now}
            if message:
                h["message"] = message
            status["health"] = h
            return True
        return False

    def _finish(self, key):
        rdef, app = self._get(key)
        if app is None:
            return
        state = copy.deepcopy((app.get("status") or {}).get("operationState") or {})
        if state.get("phase") != "Running":
            with self.lock:
                self.runs.get(key, {}).pop("syncing", None)
            return
        conf = self._conf(key)
        with self.lock:
            run = self.runs.setdefault(key, {})
            attempt = run.get("attempt", 0)
        fail = conf["result"] != "Succeeded" and (conf["failAttempts"] is None or attempt < int(conf["failAttempts"]))
        now_s = time.time()
        now = now_rfc3339()
        retry = (state.get("operation") or {}).get("retry") or {}
        limit = int(retry.get("limit") or 0)
        count = int(state.get("retryCount") or 0)
        sync_op = (state.get("operation") or {}).get("sync") or {}
        revision = conf["revision"] or (sync_op.get("revision") if re.fullmatch(r"[0-9a-f]{40}", str(
            sync_op.get("revision") or "")) else DEFAULT_REVISION)
        source = copy.deepcopy((app.get("spec") or {}).get("source") or {})
        if fail:
            msg = conf["message"] or (MSG_FAILED if conf["result"] == "Failed" else MSG_ERROR)
            if count < limit or limit < 0:
                backoff = (retry.get("backoff") or {})
                wait = go_duration(backoff.get("duration"), 5.0) * (int(backoff.get("factor") or 2) ** count)
                wait = min(wait, go_duration(backoff.get("maxDuration"), 180.0))
                state.update(phase="Running", finishedAt=now, retryCount=count + 1,
                             message="%s. Retrying attempt #%d at %s." % (msg, count + 1, kitchen(now_s + wait)))
                self._write_state(key, state, clear_operation=False)
                with self.lock:
                    self.runs[key]["attempt"] = attempt + 1
                self._later(wait, key, self._retry)
                return
            state.update(phase=conf["result"], message=msg + (" (retried %d times)." % count if count else ""))
        else:
            state.update(phase="Succeeded", message=conf["message"] or MSG_SUCCEEDED)
        state["finishedAt"] = now
        state["syncResult"] = {"revision": revision, "source": source}
        self._write_state(key, state, clear_operation=True)
        with self.lock:
            self.runs[key].pop("syncing", None)
        if state["phase"] == "Succeeded":
            self._later(conf["reconcileDelaySeconds"], key,
                        lambda k: self._after_sync(k, revision, state.get("startedAt"), now, state))
            self._later(conf["reconcileDelaySeconds"] + conf["progressingSeconds"], key, self._settle_health)
        else:
            self._later(conf["reconcileDelaySeconds"], key, self._refresh)

    def _terminate(self, key):
        now = now_rfc3339()

        def change(app):
            st = (app.get("status") or {}).get("operationState")
            if st and st.get("phase") == "Terminating":
                st.update(phase="Failed", message=MSG_TERMINATED, finishedAt=now)
                app.pop("operation", None)
            return app
        self._patch(key, change)
        with self.lock:
            self.runs.get(key, {}).pop("terminating", None)
            self.runs.get(key, {}).pop("syncing", None)

    def _retry(self, key):
        def change(app):
            st = (app.get("status") or {}).get("operationState")
            if st and st.get("phase") == "Running":
                st["message"] = "Retrying operation. Attempt #%d" % int(st.get("retryCount") or 0)
                st.pop("finishedAt", None)
                st.pop("syncResult", None)
            return app
        self._patch(key, change)
        self._later(self._conf(key)["syncSeconds"], key, self._finish)

    def _write_state(self, key, state, clear_operation):
        def change(app):
            app.setdefault("status", {})["operationState"] = state
            if clear_operation:
                app.pop("operation", None)     # {"op":"add","path":"/operation","value":null}
            return app
        self._patch(key, change)

    def _after_sync(self, key, revision, started, finished, state):
        """The refresh Argo CD requests after a sync: Synced at the revision, a history entry."""
        now = now_rfc3339()

        def change(app):
            st = app.setdefault("status", {})
            spec = app.get("spec") or {}
            st["sync"] = {"status": "Synced", "revision": revision,
                          "comparedTo": {"source": copy.deepcopy(spec.get("source") or {}),
                                         "destination": copy.deepcopy(spec.get("destination") or {})}}
            hist = st.get("history") or []
            hist.append({"revision": revision, "deployedAt": finished, "id": (hist[-1]["id"] + 1) if hist else 0,
                         "source": copy.deepcopy(spec.get("source") or {}), "deployStartedAt": started,
                         "initiatedBy": copy.deepcopy((state.get("operation") or {}).get("initiatedBy") or {})})
            st["history"] = hist[-10:]           # RevisionHistoryLimit
            st["reconciledAt"] = now
            return app
        self._patch(key, change)

    def _settle_health(self, key):
        conf = self._conf(key)
        now = now_rfc3339()

        def change(app):
            st = app.setdefault("status", {})
            if self._set_health(st, conf["health"], conf["healthMessage"], now):
                st["reconciledAt"] = now
            return app
        self._patch(key, change)

    def _refresh(self, key):
        """A refresh (normal or hard): reconcile, then consume the annotation."""
        now = now_rfc3339()

        def status_change(app):
            st = app.setdefault("status", {})
            st.setdefault("sync", {"status": "OutOfSync", "comparedTo": {
                "source": copy.deepcopy((app.get("spec") or {}).get("source") or {}),
                "destination": copy.deepcopy((app.get("spec") or {}).get("destination") or {})}})
            st.setdefault("health", {"status": "Missing", "lastTransitionTime": now})
            st["reconciledAt"] = now
            return app

        def drop_annotation(app):
            ann = (app.get("metadata") or {}).get("annotations") or {}
            ann.pop(REFRESH_ANNOTATION, None)
            if not ann:
                app["metadata"].pop("annotations", None)
            return app
        self._patch(key, status_change)
        self._patch(key, drop_annotation)
        with self.lock:
            self.runs.get(key, {}).pop("refresh", None)
