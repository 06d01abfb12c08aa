"""A small HCL (v1) reader for ACL policies, plus the policy rules Vault derives from it.

Vault parses policies with hashicorp/hcl v1 and then vault/policy.go (ParseACLPolicy,
parsePaths). Covered here: comments (#, //, /* */), quoted strings with escapes, heredocs,
numbers, booleans, lists, nested objects, `key = value` and `key "label" { ... }` blocks, and
the JSON form (`{"path": {"x": {"capabilities": [...]}}}`). Parse-error texts are approximate
("At LINE:COL: ..."); the rule-level errors (invalid capability, invalid key) follow
vault/policy.go.
"""

import json
import re

CAPABILITIES = ("deny", "create", "read", "update", "delete", "list", "sudo", "patch", "subscribe",
                "recover")
# vault/policy.go: the legacy `policy = "read"` shorthand
LEGACY_POLICY = {"deny": ["deny"], "read": ["read", "list"],
                 "write": ["create", "read", "update", "delete", "list"],
                 "sudo": ["create", "read", "update", "delete", "list", "sudo"]}
PATH_KEYS = ("comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
             "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods",
             "control_group", "subscribe_event_types")


class HCLError(ValueError):
    pass


_TOKEN = re.compile(r'''
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<heredoc><<-?(?P<tag>[A-Za-z_][A-Za-z0-9_]*)\n)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?[0-9]+(?:\.[0-9]+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.\-]*)
  | (?P<punct>[{}\[\]=,:])
''', re.S | re.X)


def _tokens(text):
    pos, line, col = 0, 1, 1
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise HCLError("At %d:%d: illegal char" % (line, col))
        kind = m.lastgroup if m.lastgroup != "tag" else "heredoc"
        raw = m.group(0)
        if m.group("heredoc"):
            tag = m.group("tag")
            end = re.compile(r"^[ \t]*%s[ \t]*$" % re.escape(tag), re.M)
            e = end.search(text, m.end())
            if not e:
                raise HCLError("At %d:%d: heredoc not terminated" % (line, col))
            value = text[m.end():e.start()]
            out.append(("string", value, line, col))
            raw = text[pos:e.end()]
        elif kind == "string":
            try:
                value = json.loads(raw)
            except ValueError:
                raise HCLError("At %d:%d: illegal char escape" % (line, col))
            out.append(("string", value, line, col))
        elif kind == "number":
            out.append(("number", float(raw) if "." in raw else int(raw), line, col))
        elif kind == "ident":
            out.append(("bool", raw == "true", line, col) if raw in ("true", "false") else ("ident", raw, line, col))
        elif kind == "punct":
            out.append((raw, raw, line, col))
        nl = raw.count("\n")
        line += nl
        col = len(raw) - raw.rfind("\n") if nl else col + len(raw)
        pos += len(raw)
    out.append(("eof", None, line, col))
    return out


class _Parser:
    def __init__(self, text):
        self.t = _tokens(text)
        self.i = 0

    def peek(self):
        return self.t[self.i]

    def take(self, kind=None):
        tok = self.t[self.i]
        if kind and tok[0] != kind:
            raise HCLError("At %d:%d: expected %s, got %s" % (tok[2], tok[3], kind, tok[0] if tok[0] != "eof" else "EOF"))
        self.i += 1
        return tok

    def body(self, end):
        """A list of (key, labels, value, line): keeps repeated blocks apart."""
        items = []
        while self.peek()[0] != end:
            tok = self.take()
            if tok[0] not in ("ident", "string"):
                raise HCLError("At %d:%d: expected: IDENT | STRING got: %s" % (tok[2], tok[3], tok[0].upper()))
            key, line = tok[1], tok[2]
            labels = []
            while self.peek()[0] == "string":
                labels.append(self.take()[1])
            if self.peek()[0] == "=":
                self.take()
                value = self.value()
            elif self.peek()[0] == "{":
                value = self.value()
            else:
                nt = self.peek()
                raise HCLError("At %d:%d: key '%s' expected start of object ('{') or assignment ('=')"
                               % (nt[2], nt[3], key))
            items.append((key, labels, value, line))
            if self.peek()[0] == ",":
                self.take()
        return items

    def value(self):
        tok = self.take()
        if tok[0] in ("string", "number", "bool"):
            return tok[1]
        if tok[0] == "[":
            out = []
            while self.peek()[0] != "]":
                out.append(self.value())
                if self.peek()[0] == ",":
                    self.take()
                elif self.peek()[0] != "]":
                    nt = self.peek()
                    raise HCLError("At %d:%d: expected ',' or ']'" % (nt[2], nt[3]))
            self.take("]")
            return out
        if tok[0] == "{":
            items = self.body("}")
            self.take("}")
            return ("object", items)
        raise HCLError("At %d:%d: Unknown token: %d:%d %s %s" % (tok[2], tok[3], tok[2], tok[3], tok[0].upper(), tok[1]))


def _plain(v):
    if isinstance(v, tuple) and v and v[0] == "object":
        return {k if not labels else labels[0]: _plain(val) for k, labels, val, _ in v[1]}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def parse_policy(text):
    """Returns [(path pattern, capabilities list)] in file order, or raises HCLError with the
    text Vault puts after "failed to parse policy: "."""
    stripped = text.strip()
    entries = []
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except ValueError as e:
            raise HCLError("At 1:1: %s" % e)
        paths = doc.get("path", {}) if isinstance(doc, dict) else {}
        for key, rule in (paths.items() if isinstance(paths, dict) else []):
            entries.append((key, rule if isinstance(rule, dict) else {}, 1))
    else:
        p = _Parser(text)
        items = p.body("eof")
        for key, labels, value, line in items:
            if key not in ("name", "path"):
                raise HCLError('invalid key "%s" on line %d' % (key, line))
            if key == "name":
                continue
            if isinstance(value, tuple) and labels:
                entries.append((labels[0], {k: _plain(v) for k, _l, v, _ln in value[1]}, line))
            elif isinstance(value, tuple):   # path = { "x" = { ... } }
                for k, _l, v, ln in value[1]:
                    entries.append((k, _plain(v) if isinstance(v, tuple) else {}, ln))
    rules = []
    for pattern, rule, line in entries:
        for k in rule:
            if k not in PATH_KEYS:
                raise HCLError('path "%s": invalid key "%s" on line %d' % (pattern, k, line))
        caps = []
        legacy = rule.get("policy")
        if legacy:
            if legacy not in LEGACY_POLICY:
                raise HCLError('path "%s": invalid policy "%s"' % (pattern, legacy))
            caps.extend(LEGACY_POLICY[legacy])
        raw_caps = rule.get("capabilities", [])
        if not isinstance(raw_caps, list):
            raw_caps = [raw_caps]
        for c in raw_caps:
            if c not in CAPABILITIES:
                raise HCLError('path "%s": invalid capability "%s"' % (pattern, c))
            caps.append(c)
        rules.append((pattern, caps))
    return rules
