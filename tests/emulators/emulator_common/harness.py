"""The test side both harnesses share (k8s_harness.Emulator, vault_harness.VaultEmulator): an
emulator subprocess started and stopped with bounded waits, the HTTP response they return, and
the control-API calls both emulators answer alike (faults, request log, outage, state)."""

import json
import os
import select
import signal
import subprocess
import time
import urllib.parse


class EmulatorError(Exception):
    """Each harness raises its own subclass (k8s_harness.EmulatorError, vault_harness's)."""


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:200])


class EmulatorProcess:
    """Start and stop of an emulator that prints "LISTENING <port>" on stdout when ready.

    A harness sets `cmd`, `log_path`, `startup_timeout`, `_tmp` (a TemporaryDirectory or None),
    `proc` = None and `port`, and defines admin(method, route, body=None, timeout=10); it may set
    `error` (its EmulatorError), `label` (for messages) and popen_options()."""

    error = EmulatorError
    label = "emulator"

    def popen_options(self):
        return {}

    # -- lifecycle --

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     **self.popen_options())
        deadline = time.monotonic() + self.startup_timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                text = self.log_text()
                self.stop()
                raise self.error("%s did not print LISTENING within %ss; log:\n%s" % (self.label, self.startup_timeout, text))
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                line += os.read(self.proc.stdout.fileno(), 1)
        parts = line.decode().split()
        if len(parts) != 2 or parts[0] != "LISTENING":
            self.stop(cleanup=False)
            raise self.error("unexpected first line %r" % line)
        self.port = int(parts[1])
        return self

    def stop(self, cleanup=True):
        """SIGTERM (then SIGKILL after 5 s); with cleanup, remove the temporary work directory
        (log and whatever the harness wrote there): read log_text() before stopping if you need it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_log", None):
            self._log.close()
        if cleanup and self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- control API calls both emulators answer alike --

    def state(self):
        return self.admin("GET", "state")

    def fault(self, type, **rule):
        """Install a fault rule (see README "Faults"); returns its id."""
        rule["type"] = type
        return self.admin("POST", "faults", rule)["ids"][0]

    def clear_faults(self, fault_id=None):
        return self.admin("DELETE", "faults" + ("?id=%d" % fault_id if fault_id else ""))["cleared"]

    def faults(self):
        return self.admin("GET", "faults")["faults"]

    def outage(self, seconds):
        """Stop listening and drop every connection for `seconds` (a restart of the server)."""
        return self.admin("POST", "outage", {"seconds": seconds})

    def requests_log(self, since=0, path_prefix=None):
        q = "?since=%d" % since + ("&path_prefix=" + urllib.parse.quote(path_prefix) if path_prefix else "")
        return self.admin("GET", "requests" + q)["requests"]

    def clear_requests(self):
        return self.admin("DELETE", "requests")

    def wait_for(self, predicate, timeout=10, interval=0.05, what="condition"):
        """Poll predicate() until truthy (returns its value) or raise the harness's EmulatorError
        after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            v = predicate()
            if v:
                return v
            if time.monotonic() > deadline:
                raise self.error("timed out after %ss waiting for %s" % (timeout, what))
            time.sleep(interval)
