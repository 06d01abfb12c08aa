"""Status errors (k8s.io/apimachinery pkg/api/errors, meta/v1 Status) and query parameter parsing."""

from emulator_common.listener import AbortConnection  # noqa: F401 (raised by handler, watch, proxy)

from .util import go_json

# ---------------------------------------------------------------------------------------------
# Status errors (k8s.io/apimachinery pkg/api/errors, meta/v1 Status)

class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None, metadata=None):
        super().__init__(message)
        self.code = code
        self.headers = dict(headers or {})
        self.status = status_obj(code, reason, message, details, metadata)


class AdminError(Exception):
    def __init__(self, message, code=400):
        super().__init__(message)
        self.code = code


def status_obj(code, reason, message, details=None, metadata=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": metadata or {}, "status": "Failure",
          "message": message, "reason": reason}
    if details is not None:
        st["details"] = details
    st["code"] = code
    return st


def obj_details(rdef, name):
    d = {}
    if name:
        d["name"] = name
    if rdef.group:
        d["group"] = rdef.group
    d["kind"] = rdef.resource
    return d


def not_found_generic():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def not_found_obj(rdef, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (rdef.qualified, name), obj_details(rdef, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid_list_options(field_errors):
    causes = [{"reason": r, "message": m, "field": f} for f, r, m in field_errors]
    msg = 'ListOptions.meta.k8s.io "" is invalid: ' + ", ".join(
        "%s: %s" % (f, m) for f, _, m in field_errors)
    return ApiError(422, "Invalid", msg, {"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes})


def expired(message, metadata=None):
    return status_obj(410, "Expired", message, None, metadata)


def too_large_rv(requested, current):
    return status_obj(504, "Timeout", "Timeout: Too large resource version: %d, current: %d" % (requested, current),
                      {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                       "retryAfterSeconds": 1})


_FAULT_REASONS = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden: injected fault"),
    404: ("NotFound", "the server could not find the requested resource"),
    409: ("Conflict", "Operation cannot be fulfilled: injected fault"),
    410: ("Expired", "The resourceVersion for the provided list is too old."),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    502: ("InternalError", "an error on the server (\"\") has prevented the request from succeeding"),
    503: ("ServiceUnavailable", "The server is currently unable to handle the request"),
    504: ("Timeout", "Timeout: request did not complete within the allotted timeout"),
}


def fault_error(rule):
    code = int(rule.get("code", 500))
    reason, message = _FAULT_REASONS.get(code, ("InternalError", "injected fault"))
    reason = rule.get("reason", reason)
    message = rule.get("message", message)
    retry = rule.get("retry_after")
    if retry is None and code == 429:
        retry = 1
    details = {}
    if code == 500:
        details["causes"] = [{"message": message}]
    if retry is not None:
        details["retryAfterSeconds"] = int(retry)
    headers = {"Retry-After": str(int(retry))} if retry is not None else {}
    err = ApiError(code, reason, message, details or ({} if code in (404, 500) else None), headers)
    if "body" in rule:
        err.raw_body = rule["body"].encode() if isinstance(rule["body"], str) else go_json(rule["body"])
        err.raw_type = rule.get("content_type", "text/plain; charset=utf-8")
    return err


def parse_bool(value, name):
    """Go strconv.ParseBool, as the apiserver decodes boolean query parameters."""
    if value is None or value == "":
        return None
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise bad_request('strconv.ParseBool: parsing "%s": invalid syntax (query parameter %s)' % (value, name))


def parse_rv(value):
    try:
        n = int(value)
        if n < 0 or str(n) != value.lstrip("+"):
            raise ValueError
        return n
    except (ValueError, AttributeError):
        raise bad_request('invalid resource version "%s"' % value)
