"""What a logical handler returns (the emulator's logical.Response), and the HTTP envelope
Vault writes for it (sdk/logical/translate_response.go HTTPResponse, in field order)."""

import uuid

from . import gojson


class Response:
    def __init__(self, data=None, warnings=None, auth=None, lease_duration=0, renewable=False):
        self.data = data
        self.warnings = list(warnings or [])
        self.auth = auth
        self.lease_duration = lease_duration
        self.renewable = renewable

    def add_warning(self, text):
        self.warnings.append(text)


class Raw:
    """logical.RespondWithStatusCode or a raw HTTP body (snapshots)."""

    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def envelope(resp, request_id, mount_type):
    """logical.HTTPResponse: request_id, lease_id, renewable, lease_duration, data, wrap_info,
    warnings, auth, mount_type."""
    return {
        "request_id": request_id,
        "lease_id": "",
        "renewable": resp.renewable,
        "lease_duration": resp.lease_duration,
        "data": gojson.all_maps(resp.data) if resp.data is not None else None,
        "wrap_info": None,
        "warnings": resp.warnings or None,
        "auth": resp.auth,
        "mount_type": mount_type,
    }


def with_status(req, resp, status):
    """RespondWithStatusCode: the envelope marshalled by the plugin itself (json.Marshal, no
    newline, mount_type not yet known), sent with `status`."""
    if resp is None:
        return Raw(status, b"")
    body = gojson.dumps(envelope(resp, req.id if req is not None else str(uuid.uuid4()), ""), newline=False)
    return Raw(status, body)


def list_response(keys):
    """logical.ListResponse; an empty list is nil keys, which RespondErrorCommon turns into 404."""
    if not keys:
        return Response({})
    return Response({"keys": list(keys)})
