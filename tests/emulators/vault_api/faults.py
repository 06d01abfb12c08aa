"""Fault rules and the request log, shared with the Kubernetes emulator (emulator_common).

A rule: {"type": T, "path_prefix": "/v1/", "path_regex": "...", "method": "GET", "times": N,
"skip": N, ...}. Types: delay (seconds), status (code, message, body, retry_after),
close (rst), reset (after_bytes, pause). Delays add up; the first terminal rule applies."""

from emulator_common.faults import FaultRules
from emulator_common.requestlog import RequestLog as _RequestLog

FAULT_TYPES = ("delay", "status", "close", "reset")


class FaultError(ValueError):
    pass


class Faults(FaultRules):
    TYPES = FAULT_TYPES
    DEFAULT_STATUS = 503
    error = FaultError


class RequestLog(_RequestLog):
    """With `changes`: how many stored changes the request made."""

    def __init__(self, limit=10000):
        super().__init__(limit, changes=0)
