"""WATCH: chunked NDJSON event streams with bookmarks, in-band errors and stream faults."""

import queue
import random
import select
import ssl
import time

from .errors import AbortConnection, invalid_list_options, bad_request, parse_bool, parse_rv
from .normalize import bookmark_obj, output_obj
from .store import Watcher
from .util import go_json


class WatchEnded(Exception):
    pass


class WatchMixin:
    def _watch(self, rdef, info, ns, params):
        labels, fields = self._selectors(rdef, params)
        if info.path_name:
            name = info.path_name
            fields.append((lambda o: o.get("metadata", {}).get("name", ""), "=", name, "metadata.name"))
        rv = params.get("resourceVersion")
        if rv not in (None, "", "0"):
            parse_rv(rv)
        allow_bm = bool(parse_bool(params.get("allowWatchBookmarks"), "allowWatchBookmarks"))
        send_initial = parse_bool(params.get("sendInitialEvents"), "sendInitialEvents")
        rvm = params.get("resourceVersionMatch")
        errs = []
        if send_initial is not None:
            if rvm != "NotOlderThan":
                errs.append(("resourceVersionMatch", "FieldValueForbidden",
                             "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            if not allow_bm:
                errs.append(("allowWatchBookmarks", "FieldValueRequired",
                             "Required value: sendInitialEvents requires allowWatchBookmarks=true"))
        elif rvm:
            errs.append(("resourceVersionMatch", "FieldValueForbidden",
                         "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        if errs:
            raise invalid_list_options(errs)
        ts = params.get("timeoutSeconds")
        if ts:
            try:
                timeout = int(ts)
            except ValueError:
                raise bad_request('invalid value for timeoutSeconds: "%s"' % ts)
        else:
            mrt = self.app.args.min_request_timeout
            timeout = random.uniform(mrt, 2 * mrt)
        deadline = time.monotonic() + max(0, timeout)
        st = self.app.store
        w = Watcher(rdef, info.version, ns, labels, fields, self.entry)
        initial, snap_rv, err = st.start_watch(w, rv, bool(send_initial))
        self.events_sent = 0
        self._head(200, sorted(self._std_headers("application/json") + [("Transfer-Encoding", "chunked")]))
        end_reason = "timeout"
        try:
            try:
                for o in initial:
                    self._event("ADDED", output_obj(o, rdef, info.version))
                if send_initial and err is None:
                    self._event("BOOKMARK", bookmark_obj(rdef, info.version, snap_rv, initial_end=True))
                if err is not None:
                    self._event("ERROR", err)
                    end_reason = "error"
                    raise WatchEnded()
                interval = self.app.args.bookmark_interval
                next_bm = time.monotonic() + interval if allow_bm else float("inf")
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        break
                    if now >= next_bm:
                        brv = st.bookmark_rv(w)
                        if brv is not None:
                            self._event("BOOKMARK", bookmark_obj(rdef, info.version, brv))
                            next_bm = now + interval
                        else:
                            next_bm = now + 0.01
                    wait = max(0.0, min(deadline, next_bm, now + 0.25) - now)
                    try:
                        item = w.q.get(timeout=wait)
                    except queue.Empty:
                        if self._client_gone():
                            end_reason = "client-closed"
                            raise AbortConnection()
                        continue
                    if item[0] == "event":
                        self._event(item[1], output_obj(item[2], rdef, info.version))
                    elif item[0] == "error":
                        self._event("ERROR", item[1])
                        end_reason = "error"
                        break
                    elif item[0] == "end":
                        end_reason = item[1]
                        break
                    elif item[0] == "abort":
                        end_reason = "outage"
                        raise AbortConnection()
            except WatchEnded:
                pass
            self.wfile.write(b"0\r\n\r\n")
            self._count(5)
        except AbortConnection as a:
            end_reason = self.entry.get("end_reason") or end_reason
            raise a
        except (OSError, ssl.SSLError):
            end_reason = "client-closed"
            raise AbortConnection()
        finally:
            st.stop_watch(w)
            if not self.entry.get("end_reason"):
                self.entry["end_reason"] = end_reason

    def _event(self, typ, obj):
        line = go_json({"type": typ, "object": obj})
        rule = self.app.faults.on_event(self.command, self.entry["path"], self.events_sent)
        if rule is not None:
            half = line[: max(1, len(line) // 2)]
            self.entry["fault"] = rule["type"]
            if rule["type"] == "truncate" and rule.get("end") == "eof":
                # a complete chunk holding half a line; the caller then ends the HTTP body cleanly
                data = b"%x\r\n%s\r\n" % (len(half), half)
                self.wfile.write(data)
                self._count(len(data))
                self.entry["end_reason"] = "fault-truncate-eof"
                raise WatchEnded()
            # the chunk header announces the whole line; the connection dies in the middle of it
            data = b"%x\r\n%s" % (len(line), half)
            self.wfile.write(data)
            self._count(len(data))
            self.entry["end_reason"] = "fault-" + rule["type"]
            if rule["type"] == "reset":
                time.sleep(float(rule.get("pause", 0.2)))   # let the client read what was sent before the RST
            raise AbortConnection(rst=rule["type"] == "reset")
        data = b"%x\r\n%s\r\n" % (len(line), line)
        self.wfile.write(data)
        self._count(len(data))
        self.events_sent += 1
        self.entry["events"] += 1
        self.entry["event_types"][typ] = self.entry["event_types"].get(typ, 0) + 1

    def _client_gone(self):
        try:
            r, _, _ = select.select([self.connection.fileno()], [], [], 0)
            return bool(r)
        except (OSError, ValueError):
            return True
