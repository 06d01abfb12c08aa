"""Fault rules, as both emulators take them through their control API or --fault.

A rule: {"type": T, "path_prefix": "/" (default), "path_regex": "...", "method": "GET",
"times": N, "skip": N, ...type's own fields}. Rules match API requests in order; the delays of
every matching delay rule add up and the first matching terminal rule applies. `times` makes a
burst that then recovers; `skip` lets that many matching requests through first. `hits` and
`remaining` show in list()."""

import re
import threading


class FaultRules:
    """The rule list. A subclass names its TYPES, the code a status rule defaults to, and the
    exception a bad rule raises (each emulator's control API turns its own into a 400)."""

    TYPES = ("delay", "status", "close", "reset")
    DEFAULT_STATUS = 500
    error = ValueError

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.next_id = 1

    def add(self, rule):
        if not isinstance(rule, dict):
            raise self.error("a fault must be a JSON object")
        r = dict(rule)
        t = r.get("type")
        if t not in self.TYPES:
            raise self.error("fault type must be one of %s, got %r" % (", ".join(self.TYPES), t))
        if t == "delay":
            r["seconds"] = float(r.get("seconds", 1))
        if t == "status":
            r["code"] = int(r.get("code", self.DEFAULT_STATUS))
        if "path_regex" in r:
            try:
                re.compile(r["path_regex"])
            except re.error as e:
                raise self.error("bad path_regex: %s" % e)
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
        """Removes rule `rid`, or every rule; returns how many went."""
        with self.lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if rid is not None and r["id"] != int(rid)]
            return before - len(self.rules)

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def matches(self, r, method, path):
        if r.get("method") and r["method"].upper() != method:
            return False
        if not path.startswith(r.get("path_prefix") or "/"):
            return False
        if r.get("path_regex") and not re.search(r["path_regex"], path):
            return False
        return True

    def acts_at_request(self, r, **request):
        """Whether rule `r` acts when a request arrives (an emulator's stream-stage rules do not)."""
        return True

    def on_request(self, method, path, **request):
        """Request-stage faults: (total delay in seconds, a copy of the first terminal rule or
        None). `request` holds what an emulator's own matching needs (is_watch)."""
        delay, term = 0.0, None
        with self.lock:
            for r in self.rules:
                if not self.acts_at_request(r, **request):
                    continue
                if r["type"] != "delay" and term is not None:
                    continue
                if not self.matches(r, method, path, **request):
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
