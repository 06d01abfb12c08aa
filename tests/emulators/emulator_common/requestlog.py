"""The request log: one entry per API request, visible while the request is in progress."""

import collections
import threading
import time


def _copy(value):
    return dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value


class RequestLog:
    """Entries {seq, start, end, duration, in_progress, status, bytes, fault, end_reason, ...}
    plus the emulator's own `fields` (name -> initial value, e.g. events=0), then what begin()
    is given. At most `limit` entries are kept."""

    def __init__(self, limit=10000, **fields):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0
        self.fields = fields

    def begin(self, **fields):
        with self.lock:
            self.seq += 1
            e = {"seq": self.seq, "start": time.time(), "end": None, "duration": None, "in_progress": True,
                 "status": None, "bytes": 0, "fault": None, "end_reason": None}
            e.update((k, _copy(v)) for k, v in self.fields.items())
            e.update(fields)
            self.entries.append(e)
            return e

    def snapshot(self, since=0, path_prefix=None):
        """Copies of the entries after `since` (optionally only paths under `path_prefix`)."""
        with self.lock:
            out = [{k: _copy(v) for k, v in e.items()} for e in self.entries if e["seq"] > since]
        return [e for e in out if not path_prefix or e["path"].startswith(path_prefix)]

    def clear(self):
        with self.lock:
            self.entries.clear()
