# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""The Lua health check for argoproj.io/Application in argocd/argo-cd/values.yaml, run by a real
Lua 5.1 interpreter (Argo CD runs it with gopher-lua, a Lua 5.1 implementation) in an environment
like Argo CD's when resource.customizations.useOpenLibs is off: the base and table libraries,
no string, io or os functions (argo-cd util/lua/lua.go, runLua)."""
import copy
import json
import shutil
import subprocess
import unittest

import platformtest as pt

HARNESS = r"""
local script, obj = ...
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  table = table, obj = obj,
}
local chunk = assert(loadstring(script, "health.lua"))
setfenv(chunk, env)
local hs = chunk()
io.write(hs.status, "\n", hs.message or "", "\n")
"""


def lua_literal(value):
    """A Python value (decoded JSON) as a Lua table constructor."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid Lua for this test data
    if isinstance(value, list):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    return "{" + ", ".join(f"[{json.dumps(k)}] = {lua_literal(v)}" for k, v in value.items()) + "}"


SPEC = {
    "project": "default",
    "destination": {"server": "https://kubernetes.default.svc", "namespace": "vault"},
    "sources": [
        {"repoURL": "https://helm.releases.hashicorp.com", "chart": "vault", "targetRevision": "0.34.1",
         "helm": {"valueFiles": ["$values/vault/values.yaml"], "valuesObject": {"server": {"image": {"tag": "2.0.4"}}}}},
        {"repoURL": "git://git-server/sf.git", "targetRevision": "HEAD", "ref": "values"},
    ],
}


def application(health="Healthy", sync="Synced", compared_spec=SPEC, operation=None):
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "vault"},
           "spec": copy.deepcopy(SPEC)}
    if health is None:
        return app
    app["status"] = {
        "health": {"status": health},
        "sync": {"status": sync, "revisions": ["0.34.1", "abc123"],
                 "comparedTo": {"sources": copy.deepcopy(compared_spec["sources"]),
                                "destination": copy.deepcopy(compared_spec["destination"])}},
    }
    if operation:
        app["status"]["operationState"] = operation
    return app


class ApplicationHealth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lua = shutil.which("lua5.1")
        if not cls.lua:
            raise pt.ToolMissing("lua5.1 is missing: run scripts/install-deps.sh")
        values = pt.documents((pt.SOURCE / "argocd" / "argo-cd" / "values.yaml").read_text())[0]
        cls.script = values["configs"]["cm"]["resource.customizations.health.argoproj.io_Application"]

    def health(self, app):
        proc = subprocess.run([self.lua, "-e", f"_obj = {lua_literal(app)}",
                               "-e", f"local f = assert(loadstring({json.dumps(HARNESS)})); f({json.dumps(self.script)}, _obj)"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        status, message = proc.stdout.split("\n", 1)
        return status, message.strip()

    def test_no_status_yet_is_progressing(self):
        self.assertEqual(self.health(application(health=None))[0], "Progressing")

    def test_current_healthy_status_is_healthy(self):
        self.assertEqual(self.health(application()), ("Healthy", ""))

    def test_the_childs_own_health_is_passed_on(self):
        for status in ("Degraded", "Progressing", "Missing", "Suspended"):
            self.assertEqual(self.health(application(health=status))[0], status)

    def test_a_status_compared_against_an_older_spec_is_not_healthy(self):
        # The stale-status guard (argo-cd PR #29649): the spec changed (a new chart value), the
        # controller has not compared again yet, so the Healthy verdict is about the old spec.
        older = copy.deepcopy(SPEC)
        older["sources"][0]["helm"]["valuesObject"]["server"]["image"]["tag"] = "2.0.3"
        status, message = self.health(application(compared_spec=older))
        self.assertEqual(status, "Progressing")
        self.assertIn("older spec", message)
        older = copy.deepcopy(SPEC)
        older["destination"]["namespace"] = "old"
        self.assertEqual(self.health(application(compared_spec=older))[0], "Progressing")
        older = copy.deepcopy(SPEC)
        older["sources"].append({"repoURL": "x", "path": "y"})
        self.assertEqual(self.health(application(compared_spec=older))[0], "Progressing")

    def test_how_go_writes_comparedto_does_not_make_a_status_stale(self):
        # A multi-source app's comparedTo also carries the unused single source as {repoURL: ""}
        # (controller/state.go CompareAppState leaves ComparedTo.Source zero), and omitempty drops
        # false and "" fields the spec may spell out.
        app = application()
        app["status"]["sync"]["comparedTo"]["source"] = {"repoURL": ""}
        app["spec"]["sources"][0]["helm"]["skipCrds"] = False
        self.assertEqual(self.health(app)[0], "Healthy")
        app["spec"]["sources"][0]["helm"]["skipCrds"] = True
        self.assertEqual(self.health(app)[0], "Progressing")

    def test_key_order_does_not_make_a_status_stale(self):
        app = application()
        compared = app["status"]["sync"]["comparedTo"]["sources"][0]
        app["status"]["sync"]["comparedTo"]["sources"][0] = dict(reversed(list(compared.items())))
        self.assertEqual(self.health(app)[0], "Healthy")

    def test_a_running_sync_is_progressing(self):
        op = {"phase": "Running", "message": "waiting for healthy state of apps/StatefulSet/vault"}
        status, message = self.health(application(operation=op))
        self.assertEqual(status, "Progressing")
        self.assertIn("StatefulSet/vault", message)

    def test_a_failed_sync_of_the_current_revision_is_degraded_even_if_resources_look_healthy(self):
        op = {"phase": "Failed", "message": "one or more objects failed to apply",
              "syncResult": {"revisions": ["0.34.1", "abc123"]}}
        status, message = self.health(application(operation=op))
        self.assertEqual(status, "Degraded")
        self.assertIn("failed to apply", message)

    def test_a_failed_sync_of_an_older_revision_does_not_count(self):
        op = {"phase": "Failed", "message": "old failure", "syncResult": {"revisions": ["0.34.0", "0ld"]}}
        self.assertEqual(self.health(application(operation=op))[0], "Healthy")

    def test_out_of_sync_keeps_the_health_and_says_so(self):
        status, message = self.health(application(sync="OutOfSync"))
        self.assertEqual(status, "Healthy")
        self.assertIn("OutOfSync", message)


if __name__ == "__main__":
    unittest.main()
