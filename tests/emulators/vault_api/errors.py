"""How a Vault handler result becomes an HTTP status and {"errors":[...]} body
(sdk/logical/response_util.go RespondErrorCommon, http/handler.go respondError).

- A handler's ErrorResponse text replaces the error and the status is 400, unless a coded
  error chose another one.
- Bare sentinel errors that reach the router are wrapped by go-multierror in
  vault/request_handling.go, so their text reads "1 error occurred:\\n\\t* permission denied\\n\\n".
- A nil response to a read or list is 404 with {"errors":[]}.
"""


def multierror(*errs):
    """go-multierror's ListFormatFunc."""
    if len(errs) == 1:
        return "1 error occurred:\n\t* %s\n\n" % errs[0]
    return "%d errors occurred:\n%s\n\n" % (len(errs), "\n".join("\t* " + e for e in errs))


class VaultError(Exception):
    """An error response: status plus the texts of the "errors" list (possibly empty)."""

    def __init__(self, status, *texts, headers=None):
        super().__init__(texts[0] if texts else "")
        self.status = status
        self.texts = list(texts)
        self.headers = headers or {}


def bad_request(text):
    """logical.ErrorResponse(text) (+ ErrInvalidRequest or nil): 400 with that text."""
    return VaultError(400, text)


def permission_denied():
    """ACL refused a valid token: multierror-wrapped logical.ErrPermissionDenied."""
    return VaultError(403, multierror("permission denied"))


def no_token():
    """fetchACLTokenEntryAndEntity with an empty token: the bare sentinel."""
    return VaultError(403, "permission denied")


def invalid_token():
    """A revoked, expired or unknown token: ErrPermissionDenied with ErrInvalidToken
    (Vault >= 1.17, docs/concepts/tokens.mdx "Error responses": both texts, 403)."""
    return VaultError(403, multierror("permission denied", "invalid token"))


def not_found():
    return VaultError(404)


def unsupported_path():
    return VaultError(404, multierror("unsupported path"))


def unsupported_operation():
    return VaultError(405, multierror("unsupported operation"))


def no_route(path):
    """vault/router.go routeCommon when no mount matches."""
    return VaultError(404, 'no handler for route "%s". route entry not found.' % path)


SEALED = "Vault is sealed"


def sealed():
    return VaultError(503, SEALED)
