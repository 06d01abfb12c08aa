"""What sdk/framework/backend.go HandleRequest does around a path's callback: validate the
declared fields' types first ("Field validation failed: ..."), then, only when the callback
returned a response, warn about request fields the path does not declare."""

from . import fields
from .errors import bad_request

CONVERTERS = {"string": lambda v, n: v if isinstance(v, str) else str(v), "bool": fields.parse_bool,
              "int": fields.parse_int, "duration": fields.duration_seconds, "slice": fields.comma_slice,
              "intslice": fields.comma_int_slice, "map": fields.parse_map}


def parse(data, schema):
    """Convert the fields present in `data` by `schema` ({name: type}); unknown names are kept
    aside. Returns (values, ignored sorted)."""
    values, ignored = {}, []
    for k, v in data.items():
        typ = schema.get(k)
        if typ is None:
            ignored.append(k)
            continue
        try:
            values[k] = CONVERTERS[typ](v, k)
        except fields.FieldError as e:
            raise bad_request("Field validation failed: %s" % e)
    return values, sorted(ignored)


def finish(resp, ignored):
    """The unrecognized-parameters warning is added only to a non-nil response."""
    if resp is not None and ignored:
        resp.add_warning("Endpoint ignored these unrecognized parameters: [%s]" % " ".join(ignored))
    return resp
