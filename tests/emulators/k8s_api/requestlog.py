"""The request log: one entry per API request, visible while the request is in progress."""

import collections
import threading
import time

class RequestLog:
    def __init__(self, limit=10000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0

    def begin(self, **fields):
        with self.lock:
            self.seq += 1
            e = {"seq": self.seq, "start": time.time(), "end": None, "duration": None, "in_progress": True,
                 "status": None, "bytes": 0, "events": 0, "event_types": {}, "end_reason": None, "fault": None}
            e.update(fields)
            self.entries.append(e)
            return e

    def snapshot(self, since=0, path_prefix=None):
        with self.lock:
            out = [dict(e, event_types=dict(e["event_types"])) for e in self.entries if e["seq"] > since]
            return out if not path_prefix else [e for e in out if e["path"].startswith(path_prefix)]

    def clear(self):
        with self.lock:
            self.entries.clear()
