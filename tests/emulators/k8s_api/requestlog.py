"""The request log (emulator_common.requestlog), with the watch fields of this emulator: how
many events a watch sent, by type."""

from emulator_common.requestlog import RequestLog as _RequestLog


class RequestLog(_RequestLog):
    def __init__(self, limit=10000):
        super().__init__(limit, events=0, event_types={})
