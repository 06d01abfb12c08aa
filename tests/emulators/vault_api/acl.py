"""Vault's ACL decision for one request (vault/acl.go: NewACL, AllowOperation,
CheckAllowedFromNonExactPaths; vault/policy.go for the rules).

- Rules of all the token's policies are merged per path pattern (capabilities are a union;
  `deny` anywhere in the merged rule denies everything on it).
- An exact pattern wins. For LIST, "a/b/" also matches the exact pattern "a/b".
- Otherwise among the matching glob (`*`, a prefix) and segment-wildcard (`+`) patterns the
  one with the highest priority applies: a later first wildcard/glob wins, then a non-glob over
  a glob, then fewer `+`, then the longer pattern, then the lexicographically larger one.
- `root` allows everything. Paths that require root privileges (router RootPath) also need
  the `sudo` capability.
"""

OPERATION_CAPABILITY = {"read": "read", "list": "list", "create": "create", "update": "update",
                        "delete": "delete", "patch": "patch"}


def _merge(into, caps):
    s = into.setdefault("caps", set())
    s.update(caps)


class ACL:
    def __init__(self, policies):
        """policies: list of (name, [(pattern, caps)])."""
        self.root = any(name == "root" for name, _ in policies)
        self.exact, self.prefix, self.wild = {}, {}, {}
        for _name, rules in policies:
            for pattern, caps in rules:
                if "+" in pattern.split("/") or any(seg == "+" for seg in pattern.split("/")):
                    _merge(self.wild.setdefault(pattern, {}), caps)
                elif pattern.endswith("*"):
                    _merge(self.prefix.setdefault(pattern[:-1], {}), caps)
                else:
                    _merge(self.exact.setdefault(pattern, {}), caps)

    @staticmethod
    def _wild_matches(pattern, path):
        is_prefix = pattern.endswith("*")
        pat = pattern[:-1] if is_prefix else pattern
        psegs, segs = pat.split("/"), path.split("/")
        if is_prefix:
            if len(segs) < len(psegs):
                return False
            for i, ps in enumerate(psegs):
                last = i == len(psegs) - 1
                if ps == "+":
                    continue
                if last:
                    if not segs[i].startswith(ps):
                        return False
                elif ps != segs[i]:
                    return False
            return True
        if len(segs) != len(psegs):
            return False
        return all(ps == "+" or ps == s for ps, s in zip(psegs, segs))

    def _rule(self, path, op):
        if path in self.exact:
            return self.exact[path]
        if op == "list" and path.endswith("/") and path[:-1] in self.exact:
            return self.exact[path[:-1]]
        candidates = []   # (first wildcard/glob index, is_prefix, wildcards, pattern, rule)
        best_prefix = None
        for pre in self.prefix:
            if path.startswith(pre) and (best_prefix is None or len(pre) > len(best_prefix)):
                best_prefix = pre
        if best_prefix is not None:
            candidates.append((len(best_prefix), True, 0, best_prefix + "*", self.prefix[best_prefix]))
        for pattern, rule in self.wild.items():
            if self._wild_matches(pattern, path):
                first = min([i for i, ch in enumerate(pattern) if ch in "+*"])
                candidates.append((first, pattern.endswith("*"), pattern.split("/").count("+"), pattern, rule))
        if not candidates:
            return None

        def key(c):
            first, is_prefix, wildcards, pattern, _ = c
            return (first, not is_prefix, -wildcards, len(pattern), pattern)
        return max(candidates, key=key)[4]

    def allowed(self, path, op, sudo_required=False):
        if self.root:
            return True
        rule = self._rule(path, op)
        if rule is None:
            return False
        caps = rule.get("caps", set())
        if "deny" in caps:
            return False
        if sudo_required and "sudo" not in caps:
            return False
        return OPERATION_CAPABILITY.get(op) in caps

    def capabilities(self, path):
        """What sys/capabilities-self reports for a path."""
        if self.root:
            return ["root"]
        rule = self._rule(path, "read")
        if rule is None:
            return ["deny"]
        caps = rule.get("caps", set())
        if "deny" in caps:
            return ["deny"]
        return sorted(caps) or ["deny"]
