"""Fault rules and the request log, in the shape the Kubernetes emulator uses.

A rule: {"type": T, "path_prefix": "/v1/", "path_regex": "...", "method": "GET", "times": N,
"skip": N, ...}. Types: delay (seconds), status (code, message, body, retry_after),
close (rst), reset (after_bytes, pause). Delays add up; the first terminal rule applies."""

import collections
import re
import threading
import time

FAULT_TYPES = ("delay", "status", "close", "reset")


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.next_id = 1

    def add(self, rule):
        if not isinstance(rule, dict):
            raise FaultError("a fault must be a JSON object")
        r = dict(rule)
        if r.get("type") not in FAULT_TYPES:
            raise FaultError("fault type must be one of %s, got %r" % (", ".join(FAULT_TYPES), r.get("type")))
        if r["type"] == "delay":
            r["seconds"] = float(r.get("seconds", 1))
        if r["type"] == "status":
            r["code"] = int(r.get("code", 503))
        if "path_regex" in r:
            try:
                re.compile(r["path_regex"])
            except re.error as e:
                raise FaultError("bad path_regex: %s" % e)
        r["remaining"] = None if r.get("times") is None else int(r["times"])
        r["skip_left"] = int(r.get("skip", 0))
        r["hits"] = 0
        with self.lock:
            r["id"] = self.next_id
            self.next_id += 1
            self.rules.append(r)
        return r["id"]

    def clear(self, rid=None):
        with self.lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if rid is not None and r["id"] != int(rid)]
            return before - len(self.rules)

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def on_request(self, method, path):
        delay, term = 0.0, None
        with self.lock:
            for r in self.rules:
                if r["type"] != "delay" and term is not None:
                    continue
                if r.get("method") and r["method"].upper() != method:
                    continue
                if not path.startswith(r.get("path_prefix") or "/"):
                    continue
                if r.get("path_regex") and not re.search(r["path_regex"], path):
                    continue
                if r["remaining"] is not None and r["remaining"] <= 0:
                    continue
                if r["skip_left"] > 0:
                    r["skip_left"] -= 1
                    continue
                if r["remaining"] is not None:
                    r["remaining"] -= 1
                r["hits"] += 1
                if r["type"] == "delay":
                    delay += r["seconds"]
                else:
                    term = dict(r)
        return delay, term


class RequestLog:
    def __init__(self, limit=10000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0

    def begin(self, **fields):
        with self.lock:
            self.seq += 1
            e = {"seq": self.seq, "start": time.time(), "end": None, "duration": None, "in_progress": True,
                 "status": None, "bytes": 0, "fault": None, "changes": 0, "end_reason": None}
            e.update(fields)
            self.entries.append(e)
            return e

    def snapshot(self, since=0, path_prefix=None):
        with self.lock:
            out = [dict(e) for e in self.entries if e["seq"] > since]
        return [e for e in out if not path_prefix or e["path"].startswith(path_prefix)]

    def clear(self):
        with self.lock:
            self.entries.clear()
