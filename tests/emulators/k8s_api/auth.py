"""Authentication: the x509 and bearer token authenticators, unioned as kube-apiserver does."""

import csv

from .util import ADMIN_GROUPS

class AuthResult:
    def __init__(self, ok, method, user=None, groups=(), cert="none", bearer="none", error=None):
        self.ok, self.method, self.user, self.groups = ok, method, user, list(groups)
        self.cert, self.bearer, self.error = cert, bearer, error

    @property
    def anonymous(self):
        return self.method == "anonymous"

    @property
    def admin(self):
        return bool(ADMIN_GROUPS & set(self.groups))


def load_tokens(path):
    """kube-apiserver --token-auth-file CSV (token,user,uid[,"group1,group2"]) or a bare token."""
    tokens = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "," not in line:
                tokens[line] = ("admin", ["system:masters"])
                continue
            row = next(csv.reader([line]))
            if len(row) < 3:
                raise SystemExit("%s:%d: token file rows are token,user,uid[,\"groups\"]" % (path, n))
            groups = [g.strip() for g in row[3].split(",") if g.strip()] if len(row) > 3 else []
            tokens[row[0]] = (row[1], groups)
    return tokens


class Authenticator:
    def __init__(self, tokens, anonymous, tls):
        self.tokens = tokens or {}
        self.anonymous = anonymous
        self.insecure = not tls and not self.tokens   # plain HTTP without tokens: the old insecure port

    def authenticate(self, cert, headers):
        if self.insecure:
            return AuthResult(True, "insecure", "system:admin", ["system:masters"])
        errors = []
        cert_state = bearer_state = "none"
        # union of authenticators: x509 first, then bearer tokens (kube-apiserver order)
        if cert is not None:
            if cert["valid"]:
                return AuthResult(True, "x509", cert["user"], cert["groups"] + ["system:authenticated"], "valid")
            errors.append(cert["error"] or "x509: certificate rejected")
            cert_state = "invalid"
        auth = headers.get("Authorization")
        if auth:
            parts = auth.strip().split(" ", 2)
            if len(parts) >= 2 and parts[0].lower() == "bearer" and parts[1]:
                hit = self.tokens.get(parts[1])
                if hit:
                    return AuthResult(True, "token", hit[0], hit[1] + ["system:authenticated"], cert_state, "valid")
                errors.append("invalid bearer token")
                bearer_state = "invalid"
        if errors:
            # union.NewFailOnError: a bad credential is not anonymous. The text is Go's
            # utilerrors.NewAggregate: one error alone, several as "[a, b]".
            text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            return AuthResult(False, "failed", None, [], cert_state, bearer_state, text)
        if self.anonymous:
            return AuthResult(True, "anonymous", "system:anonymous", ["system:unauthenticated"])
        return AuthResult(False, "failed", None, [], error="no credentials")
