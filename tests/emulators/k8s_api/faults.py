"""Fault rules injected through the control API or --fault."""

import re
import threading

from .errors import AdminError

# ---------------------------------------------------------------------------------------------
# Faults, request log, scheduler, proxy targets

FAULT_TYPES = ("delay", "status", "close", "reset", "truncate")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.next_id = 1

    def add(self, rule):
        if not isinstance(rule, dict):
            raise AdminError("a fault must be a JSON object")
        r = dict(rule)
        r.pop("op", None)
        t = r.get("type")
        if t not in FAULT_TYPES:
            raise AdminError("fault type must be one of %s, got %r" % (", ".join(FAULT_TYPES), t))
        if t == "delay":
            r["seconds"] = float(r.get("seconds", 1))
        if t == "status":
            r["code"] = int(r.get("code", 500))
        if "path_regex" in r:
            try:
                re.compile(r["path_regex"])
            except re.error as e:
                raise AdminError("bad path_regex: %s" % e)
        times = r.get("times")
        r["remaining"] = None if times is None else int(times)
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

    @staticmethod
    def _match(r, method, path, is_watch):
        if r.get("method") and r["method"].upper() != method:
            return False
        if not path.startswith(r.get("path_prefix") or "/"):
            return False
        if r.get("path_regex") and not re.search(r["path_regex"], path):
            return False
        if r.get("watch") is not None and bool(r["watch"]) != is_watch:
            return False
        return True

    def on_request(self, method, path, is_watch):
        """Request-stage faults: total delay and the first terminal rule (status/close/reset)."""
        delay, term = 0.0, None
        with self.lock:
            for r in self.rules:
                t = r["type"]
                if t == "truncate" or (t == "reset" and is_watch):
                    continue     # stream-stage rules, see on_event
                if t != "delay" and term is not None:
                    continue
                if not self._match(r, method, path, is_watch):
                    continue
                if r["remaining"] is not None and r["remaining"] <= 0:
                    continue
                if r["skip_left"] > 0:
                    r["skip_left"] -= 1
                    continue
                if r["remaining"] is not None:
                    r["remaining"] -= 1
                r["hits"] += 1
                if t == "delay":
                    delay += r["seconds"]
                else:
                    term = dict(r)
        return delay, term

    def on_event(self, method, path, events_sent):
        """Stream-stage faults, checked before each watch event is written."""
        with self.lock:
            for r in self.rules:
                if r["type"] not in ("truncate", "reset"):
                    continue
                if not self._match(r, method, path, True):
                    continue
                if events_sent < int(r.get("after_events", 0)):
                    continue
                if r["remaining"] is not None:
                    if r["remaining"] <= 0:
                        continue
                    r["remaining"] -= 1
                r["hits"] += 1
                return dict(r)
        return None
