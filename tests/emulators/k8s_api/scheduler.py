"""Scheduled control operations: run a list of ops after N seconds."""

import heapq
import threading
import time

from .util import log

class Scheduler:
    def __init__(self, run):
        self.run = run
        self.cond = threading.Condition()
        self.heap = []
        self.next_id = 1
        self.done = []
        threading.Thread(target=self._loop, name="scheduler", daemon=True).start()

    def add(self, after, ops):
        with self.cond:
            sid = self.next_id
            self.next_id += 1
            due = time.monotonic() + max(0.0, float(after))
            heapq.heappush(self.heap, (due, sid, ops, time.time() + max(0.0, float(after))))
            self.cond.notify()
            return sid

    def pending(self):
        with self.cond:
            return [{"id": sid, "due": wall, "ops": ops} for _, sid, ops, wall in sorted(self.heap)]

    def cancel(self, sid=None):
        with self.cond:
            before = len(self.heap)
            self.heap = [x for x in self.heap if sid is not None and x[1] != int(sid)]
            heapq.heapify(self.heap)
            return before - len(self.heap)

    def _loop(self):
        while True:
            with self.cond:
                while not self.heap or self.heap[0][0] > time.monotonic():
                    self.cond.wait(None if not self.heap else max(0.0, self.heap[0][0] - time.monotonic()))
                _, sid, ops, _ = heapq.heappop(self.heap)
            for op in ops:
                try:
                    self.run(op)
                    log("scheduled #%d ran %s" % (sid, op.get("op")))
                except Exception as e:   # a bad scheduled op must not kill the scheduler
                    log("scheduled #%d failed: %s: %s" % (sid, op.get("op"), e))
            with self.cond:
                self.done.append(sid)
