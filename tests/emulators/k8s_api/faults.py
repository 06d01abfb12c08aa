"""Fault rules injected through the control API or --fault (emulator_common.faults), plus the
Kubernetes emulator's own: a `watch` field (true: watches only, false: everything else) and the
stream-stage rules checked before each watch event (truncate, and reset on a watch)."""

from emulator_common.faults import FaultRules

from .errors import AdminError

FAULT_TYPES = ("delay", "status", "close", "reset", "truncate")


class Faults(FaultRules):
    TYPES = FAULT_TYPES
    DEFAULT_STATUS = 500
    error = AdminError

    def add(self, rule):
        if isinstance(rule, dict):
            rule = {k: v for k, v in rule.items() if k != "op"}   # the control API's {"op": "fault", ...}
        return super().add(rule)

    def matches(self, r, method, path, is_watch=False):
        if not super().matches(r, method, path):
            return False
        return r.get("watch") is None or bool(r["watch"]) == is_watch

    def acts_at_request(self, r, is_watch=False):
        # truncate, and reset on a watch, act on the stream: see on_event
        return not (r["type"] == "truncate" or (r["type"] == "reset" and is_watch))

    def on_request(self, method, path, is_watch):
        """Request-stage faults: total delay and the first terminal rule (status/close/reset)."""
        return super().on_request(method, path, is_watch=is_watch)

    def on_event(self, method, path, events_sent):
        """Stream-stage faults, checked before each watch event is written."""
        with self.lock:
            for r in self.rules:
                if r["type"] not in ("truncate", "reset"):
                    continue
                if not self.matches(r, method, path, True):
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
