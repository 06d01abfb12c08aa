"""vault-seed against the Vault emulator: what it writes. Create-only secrets (cas=0) and what
happens around them: --rotate, a key added to the spec, a file that changed, a soft-deleted
secret, another writer in the middle of a write, two runs at once; and the configuration steps:
a mount of the wrong kind, an audit device with other options, a role changed by hand, a
warning in Vault's answer, the KV upgrade window."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402

NEW_SECRET = "  - path: apps/race\n    keys:\n      password: {generate: password}\n"


def kv_creates(vault, since=0):
    return [w["path"] for w in vault.writes(since) if w["op"] == "kv-create"]


class SecretTests(unittest.TestCase):
    def seeded(self, ws, vault):
        r = ws.run("--keep-root-token", vault=vault)
        self.assertEqual(r.returncode, 0, r)
        return ws.init_material()["root_token"]

    def test_rotate_writes_a_new_version_of_that_secret_only(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.seeded(ws, vault)
            before = vault.kv("secret")
            seq = vault.write_seq()
            r = ws.run("--keep-root-token", "--rotate", "secret/apps/demo/db", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual((item["action"], item["version"]), ("update", 2))
            after = vault.kv("secret")
            old, new = before["apps/demo/db"]["versions"]["1"]["data"], after["apps/demo/db"]["versions"]["2"]["data"]
            self.assertEqual(set(new), {"username", "password", "database"})
            self.assertTrue(all(old[k] != new[k] for k in old), "every generated key gets a new value")
            self.assertEqual([w["op"] for w in vault.writes(since=seq)], ["kv-put"])
            for other in ("platform/ingress-tls", "platform/opencost/basic-auth"):
                self.assertEqual(after[other]["current_version"], 1)
            # A path the spec does not name is a usage error before any request.
            r = ws.run("--rotate", "secret/apps/nope", vault=vault)
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("--rotate secret/apps/nope: not a secret of", r.stderr)
            ws.scan_leaks(self, vault)

    def test_a_changed_source_file_is_reported_not_written_until_rotated(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.seeded(ws, vault)
            vstest.make_ingress_files(ws.state, domain="example.org")  # infra-up made a new certificate
            seq = vault.write_seq()
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            item = r.item("secret", "secret/platform/ingress-tls")
            self.assertEqual(item["action"], "unchanged")
            self.assertIn("differ from their sources", item["detail"])
            self.assertIn("--rotate secret/platform/ingress-tls", item["detail"])
            self.assertEqual(vault.write_count(since=seq), 0)
            r = ws.run("--keep-root-token", "--rotate", "secret/platform/ingress-tls", vault=vault)
            self.assertEqual(r.item("secret", "secret/platform/ingress-tls")["version"], 2)
            with open(os.path.join(ws.state, "ingress.crt")) as f:
                self.assertEqual(vault.kv("secret")["platform/ingress-tls"]["versions"]["2"]["data"]["tls.crt"], f.read())

    def test_a_key_added_to_the_spec_is_added_and_the_others_kept(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.seeded(ws, vault)
            old = vault.kv("secret")["apps/demo/db"]["versions"]["1"]["data"]
            ws.write_spec(ws.spec_text().replace("      database: {generate: {length: 12, alphabet: lower}}\n",
                                                 "      database: {generate: {length: 12, alphabet: lower}}\n"
                                                 "      api_key: {generate: {kind: hex, bytes: 24}}\n"))
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual((item["action"], item["version"]), ("update", 2))
            self.assertIn("adds {api_key}", item["detail"])
            new = vault.kv("secret")["apps/demo/db"]["versions"]["2"]["data"]
            self.assertEqual({k: new[k] for k in old}, old)
            self.assertRegex(new["api_key"], r"^[0-9a-f]{48}$")
            ws.scan_leaks(self, vault)

    def test_a_soft_deleted_secret_is_reported_with_what_to_do(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            root = self.seeded(ws, vault)
            self.assertEqual(vault.api("DELETE", "secret/data/apps/demo/db", token=root).status, 204)
            seq = vault.write_seq()
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 3, r)  # partial: the rest is fine
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual(item["action"], "error")
            self.assertIn("seed.yaml:", item["detail"])
            self.assertIn("is deleted (soft delete)", item["detail"])
            self.assertIn("vault kv undelete -mount=secret -versions=1 apps/demo/db", item["detail"])
            self.assertIn("vault kv metadata delete -mount=secret apps/demo/db", item["detail"])
            self.assertEqual(vault.write_count(since=seq), 0, "cas=0 is not forced into an overwrite")
            self.assertIn("1 item failed", r.stderr)
            r = ws.run("--keep-root-token", "--rotate", "secret/apps/demo/db", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.item("secret", "secret/apps/demo/db")["version"], 2)
            ws.scan_leaks(self, vault)

    def run_with_writer_in_between(self, ws, vault, path, theirs):
        """A vault-seed run whose create of `path` is held for a second, in which someone else
        writes `theirs` there."""
        vault.fault("delay", path_prefix="/v1/secret/data/" + path, method="POST", seconds=1.0, times=1)
        proc = ws.start("--keep-root-token", vault=vault)
        vault.wait_for(lambda: any(e["path"] == "/v1/secret/data/" + path and e["method"] == "POST"
                                   for e in vault.requests_log()), timeout=20, what="vault-seed's write")
        vault.put_kv("secret", path, theirs)
        return ws.finish(proc)

    def test_a_writer_in_between_keeps_its_secret(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.seeded(ws, vault)
            ws.write_spec(ws.spec_text() + NEW_SECRET)
            r = self.run_with_writer_in_between(ws, vault, "apps/race", {"password": "theirs-theirs-theirs"})
            self.assertEqual(r.returncode, 0, r)
            item = r.item("secret", "secret/apps/race")
            self.assertEqual(item["action"], "unchanged")
            self.assertIn("created by someone else", item["detail"])
            race = vault.kv("secret")["apps/race"]
            self.assertEqual(race["current_version"], 1)
            self.assertEqual(race["versions"]["1"]["data"], {"password": "theirs-theirs-theirs"})
            # Someone else's secret without a declared key is an error, still not an overwrite.
            ws.write_spec(ws.spec_text() + "  - path: apps/race2\n    keys:\n      a: {generate: uuid}\n      b: {generate: uuid}\n")
            r = self.run_with_writer_in_between(ws, vault, "apps/race2", {"a": "only-a-only-a"})
            self.assertEqual(r.returncode, 3, r)
            self.assertIn("created by someone else while this run was writing, without {b}",
                          r.item("secret", "secret/apps/race2")["detail"])
            self.assertEqual(vault.kv("secret")["apps/race2"]["current_version"], 1)
            ws.scan_leaks(self, vault)

    def test_two_runs_at_once_create_everything_exactly_once(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            # Two first runs against one uninitialised Vault: one initialises, the other waits
            # for its init file; every secret is created once.
            procs = [ws.start(vault=vault), ws.start(vault=vault)]
            runs = [ws.finish(p) for p in procs]
            for r in runs:
                self.assertEqual(r.returncode, 0, r)
            writes = vault.writes()
            self.assertEqual([w["op"] for w in writes].count("init"), 1)
            creates = kv_creates(vault)
            self.assertEqual(sorted(creates), sorted(set(creates)), creates)
            self.assertEqual(len(creates), 4)
            self.assertEqual(sum(1 for r in runs for i in r.items if i["step"] == "init" and i["action"] == "create"), 1)
            # One seed token survives, valid; no root token does (each run revokes only its own or
            # the file's, never the other's seed token).
            seed = ws.init_material()["vault_seed"]["seed_token"]
            self.assertEqual(vault.api("GET", "auth/token/lookup-self", token=seed).status, 200)
            self.assertEqual([t for t in vault.state()["tokens"] if "root" in t["policies"]], [])
            # Then new secrets, two runs at once again, through the seed token and root generation.
            ws.write_spec(ws.spec_text() + "".join(
                "  - path: apps/c%d\n    keys:\n      k: {generate: password}\n" % i for i in range(20)))
            seq = vault.write_seq()
            procs = [ws.start(vault=vault), ws.start(vault=vault)]
            runs = [ws.finish(p) for p in procs]
            for r in runs:
                self.assertIn(r.returncode, (0,), r)
            creates = kv_creates(vault, since=seq)
            self.assertEqual(sorted(creates), sorted(set(creates)), creates)
            self.assertEqual(len(creates), 20)
            for i in range(20):
                self.assertEqual(vault.kv("secret")["apps/c%d" % i]["current_version"], 1)
            self.assertEqual([t for t in vault.state()["tokens"] if "root" in t["policies"]], [])
            ws.scan_leaks(self, vault)

    def test_a_mount_of_the_wrong_kind_is_an_error_never_a_remount(self):
        with vstest.Workspace() as ws, VaultEmulator(initialized=True, unsealed=True) as vault:
            root = vault.init_material()["root_token"]
            self.assertEqual(vault.api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "1"}},
                                       token=root).status, 204)
            vault.api("PUT", "secret/keep", {"a": "b"}, token=root)
            seq = vault.write_seq()
            r = ws.run(vault=vault, env=ws.base_env(vault, **{"VAULT_TOKEN": root}))
            self.assertEqual(r.returncode, 3, r)
            item = r.item("mount", "secret/")
            self.assertEqual(item["action"], "error")
            self.assertIn("KV version 1 mount", item["detail"])
            self.assertIn("vault kv enable-versioning secret/", item["detail"])
            self.assertIn("skipped: mount secret/ is not usable", r.item("secret", "secret/apps/demo/db")["detail"])
            ops = [w["op"] for w in vault.writes(since=seq)]
            self.assertNotIn("mount", ops)
            self.assertNotIn("unmount", ops)
            self.assertEqual(vault.state()["mounts"]["secret/"]["options"], {"version": "1"})
            self.assertEqual(r.item("role", "auth/kubernetes/role/external-secrets")["action"], "create")

    def test_config_changed_by_hand_is_put_back_an_audit_device_is_not(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            root = self.seeded(ws, vault)
            vault.api("POST", "secret/config", {"cas_required": False}, token=root)
            vault.api("POST", "auth/kubernetes/role/external-secrets",
                      {"bound_service_account_names": ["default"], "audience": "vault"}, token=root)
            vault.api("DELETE", "sys/audit/stdout", token=root)
            vault.api("PUT", "sys/audit/stdout", {"type": "file", "options": {"file_path": "/var/log/vault.log"}},
                      token=root)
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 3, r)
            config = r.item("mount", "secret/config")
            self.assertEqual((config["action"], config["detail"]), ("update", "cas_required false -> true"))
            role = r.item("role", "auth/kubernetes/role/external-secrets")
            self.assertEqual(role["action"], "update")
            self.assertIn("bound_service_account_names {default} -> {external-secrets}", role["detail"])
            audit = r.item("audit", "stdout/")
            self.assertEqual(audit["action"], "error")
            self.assertIn("vault audit disable stdout/", audit["detail"])
            st = vault.state()
            self.assertTrue(st["kv"]["secret/"]["config"]["cas_required"])
            self.assertEqual(st["kubernetes"]["kubernetes/"]["roles"]["external-secrets"]["bound_service_account_names"],
                             ["external-secrets"])
            self.assertEqual(st["audit"]["stdout/"]["options"]["file_path"], "/var/log/vault.log")

    def test_a_warning_in_vaults_answer_is_an_error_of_the_spec_line(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.seeded(ws, vault)
            ws.write_spec(ws.spec_text().replace("token_ttl: 1h", "token_ttl: 2h"))
            vault.fault("status", path_prefix="/v1/auth/kubernetes/role/external-secrets", method="POST", code=200,
                        body={"request_id": "x", "data": None, "warnings": [
                            "Endpoint ignored these unrecognized parameters: [audiences]"]})
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 3, r)
            item = r.item("role", "auth/kubernetes/role/external-secrets")
            self.assertEqual(item["action"], "error")
            self.assertRegex(item["detail"], r"seed\.yaml:\d+: auth\[0\]\.roles\[0\]: Vault answered")
            self.assertIn("Endpoint ignored these unrecognized parameters: [audiences]", item["detail"])

    def test_the_kv_upgrade_window_is_waited_out(self):
        with vstest.Workspace() as ws, VaultEmulator(kv_upgrade_seconds=1.5) as vault:
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertTrue(any(e["status"] == 400 for e in vault.requests_log(path_prefix="/v1/secret/")),
                            "the upgrade window was not hit: the test proves nothing")
            self.assertEqual(len(kv_creates(vault)), 4)
            ws.scan_leaks(self, vault)


if __name__ == "__main__":
    unittest.main(verbosity=2)
