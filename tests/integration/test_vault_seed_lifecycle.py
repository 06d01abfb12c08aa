"""vault-seed against the Vault emulator: the lifecycle. A first run from an uninitialised
Vault, a second run that writes nothing, a restart (sealed again) that only unseals, --plan,
--unseal-only, an old init file next to a fresh Vault, an init file from another Vault, a sealed
Vault without its init file, no token, the seed token and root revocation, a root token
generated on demand when the spec changes, and PGP-encrypted shares with a real gpg key."""
import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import vstest  # noqa: E402
from vault_harness import VaultEmulator, decode_root_token, pgp_decrypt  # noqa: E402

SECRETS = ["secret/platform/opencost/basic-auth", "secret/platform/prometheus/basic-auth",
           "secret/platform/ingress-tls", "secret/apps/demo/db"]


class LifecycleTests(unittest.TestCase):
    def test_first_run_second_run_and_restart(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            first = ws.run(vault=vault)
            self.assertEqual(first.returncode, 0, first)
            self.assertEqual(first.item("init", ws.init_file)["action"], "create")
            self.assertEqual(first.item("unseal", "sys/seal")["action"], "update")
            for path in SECRETS:
                item = first.item("secret", path)
                self.assertEqual((item["action"], item["version"]), ("create", 1), item)
            self.assertEqual(first.item("role", "auth/kubernetes/role/external-secrets")["action"], "create")
            self.assertEqual(first.item("token", "vault-seed")["action"], "create")
            self.assertEqual(first.item("token", "root")["action"], "revoke")

            # The init file: 0600 in a 0700 folder, the vault CLI's fields, no root token left.
            self.assertEqual(stat.S_IMODE(os.stat(ws.init_file).st_mode), 0o600)
            self.assertEqual(stat.S_IMODE(os.stat(ws.state).st_mode), 0o700)
            m = ws.init_material()
            self.assertEqual((m["unseal_shares"], m["unseal_threshold"]), (5, 3))
            self.assertEqual(len(m["unseal_keys_b64"]), 5)
            self.assertNotIn("root_token", m)
            self.assertTrue(m["vault_seed"]["root_token_revoked"])
            self.assertEqual(m["vault_seed"]["cluster_id"], vault.state()["cluster_id"])
            root = vault.init_material()["root_token"]
            self.assertEqual(vault.api("GET", "auth/token/lookup-self", token=root).status, 403, "root not revoked")

            # What Vault holds: the declared state, with generated values of the declared shapes.
            st = vault.state()
            self.assertEqual(st["mounts"]["secret/"]["options"], {"version": "2"})
            self.assertTrue(st["kv"]["secret/"]["config"]["cas_required"])
            self.assertIn("external-secrets-read", st["policies"])
            self.assertIn("vault-seed", st["policies"])
            role = st["kubernetes"]["kubernetes/"]["roles"]["external-secrets"]
            self.assertEqual(role["audience"], "vault")
            self.assertEqual(role["token_policies"], ["external-secrets-read"])
            self.assertEqual(role["token_ttl"], 3600)
            self.assertEqual(st["kubernetes"]["kubernetes/"]["config"]["kubernetes_host"], "https://kubernetes.default.svc")
            self.assertIn("stdout/", st["audit"])
            kv = vault.kv("secret")
            db = kv["apps/demo/db"]["versions"]["1"]["data"]
            self.assertRegex(db["username"], r"^[a-z]{12}$")
            self.assertRegex(db["password"], r"^[A-Za-z0-9]{32}$")
            self.assertRegex(db["database"], r"^[a-z]{12}$")
            opencost = kv["platform/opencost/basic-auth"]["versions"]["1"]["data"]
            prometheus = kv["platform/prometheus/basic-auth"]["versions"]["1"]["data"]
            self.assertNotEqual(opencost["password"], prometheus["password"])
            tls = kv["platform/ingress-tls"]["versions"]["1"]["data"]
            with open(os.path.join(ws.state, "ingress.crt")) as f:
                self.assertEqual(tls["tls.crt"], f.read())
            with open(os.path.join(ws.state, "ingress.key")) as f:
                self.assertEqual(tls["tls.key"], f.read())

            # Second run: reads only.
            seq = vault.write_seq()
            request_seq = vault.requests_log()[-1]["seq"]
            second = ws.run(vault=vault)
            self.assertEqual(second.returncode, 0, second)
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
            self.assertEqual(set(second.actions().values()), {"unchanged"}, second.items)
            tokens = {r["token"] for r in vault.requests_log(since=request_seq)}
            self.assertEqual(tokens, {"none", "valid"}, "later runs use the seed token, never a root token")

            # A restart: sealed again; the run unseals it and writes nothing else.
            vault.restart()
            seq = vault.write_seq()
            third = ws.run(vault=vault)
            self.assertEqual(third.returncode, 0, third)
            self.assertFalse(vault.state()["sealed"])
            self.assertEqual(third.item("unseal", "sys/seal")["action"], "update")
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
            self.assertEqual(ws.init_material(), m, "the init file changed")
            ws.scan_leaks(self, vault)

    def test_plan_changes_nothing_and_detailed_exitcode(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            plan = ws.run("--plan", "--detailed-exitcode", vault=vault)
            self.assertEqual(plan.returncode, 2, plan)
            self.assertFalse(os.path.exists(ws.init_file))
            self.assertEqual(vault.write_count(), 0)
            self.assertFalse(vault.state()["initialized"])
            self.assertEqual(plan.item("init", ws.init_file)["action"], "create")
            for path in SECRETS:
                self.assertEqual(plan.item("secret", path)["action"], "create")
            self.assertTrue(all(i["plan"] for i in plan.items))
            self.assertEqual(ws.run("--plan", vault=vault).returncode, 0, "without --detailed-exitcode a plan exits 0")
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            seq = vault.write_seq()
            again = ws.run("--plan", "--detailed-exitcode", vault=vault)
            self.assertEqual(again.returncode, 0, again)
            self.assertEqual(set(again.actions().values()), {"unchanged"})
            # A spec change shows as a plan item, and the plan still writes nothing.
            ws.write_spec(ws.spec_text() + "  - path: apps/demo/cache\n    keys:\n      password: {generate: password}\n")
            changed = ws.run("--plan", "--detailed-exitcode", vault=vault)
            self.assertEqual(changed.returncode, 2, changed)
            self.assertEqual(changed.item("token", "root (generated)")["action"], "create")
            self.assertEqual(changed.item("policy", "policy vault-seed")["action"], "update")
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
            # On a sealed Vault a plan says so and unseals nothing.
            vault.seal()
            sealed = ws.run("--plan", "--detailed-exitcode", vault=vault)
            self.assertEqual(sealed.returncode, 2, sealed)
            self.assertEqual(sealed.item("unseal", "sys/seal")["action"], "update")
            self.assertTrue(vault.state()["sealed"])
            ws.scan_leaks(self, vault)

    def test_unseal_only_changes_nothing_else(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            vault.seal()
            ws.write_spec(ws.spec_text() + "  - path: apps/new\n    keys:\n      k: {generate: uuid}\n")
            seq = vault.write_seq()
            r = ws.run("--unseal-only", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertFalse(vault.state()["sealed"])
            self.assertEqual(vault.write_count(since=seq), 0)
            self.assertEqual([i["step"] for i in r.items], ["init", "unseal"])
            self.assertNotIn("apps/new", vault.kv("secret"))
            ws.scan_leaks(self, vault)

    def test_sealed_without_init_file_and_initialised_without_token_fail_at_once(self):
        with vstest.Workspace() as ws, VaultEmulator(initialized=True) as vault:
            t = time.monotonic()
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 10, "a sealed Vault without keys must not be waited on")
            self.assertIn("is sealed and there is no init file at " + ws.init_file, r.stderr)
        with vstest.Workspace() as ws, VaultEmulator(initialized=True, unsealed=True) as vault:
            seq = vault.write_seq()
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("is initialised but vault-seed has no valid token", r.stderr)
            self.assertIn("VAULT_TOKEN is unset", r.stderr)
            self.assertEqual(vault.write_count(since=seq), 0)
            # A given but invalid VAULT_TOKEN is named as such.
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_TOKEN="hvs." + "notvalid" * 3))
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("VAULT_TOKEN is not a valid token", r.stderr)
            self.assertIn("invalid token", r.stderr)
            # With a valid token (an operator's), it seeds; no init file is made or needed.
            operator_token = vault.init_material()["root_token"]
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_TOKEN=operator_token))
            self.assertEqual(r.returncode, 0, r)
            self.assertFalse(os.path.exists(ws.init_file))
            self.assertIn("apps/demo/db", vault.kv("secret"))

    def test_old_init_file_next_to_a_fresh_vault_is_moved_aside(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            old = ws.init_material()
            vault.reset()  # the cluster was rebuilt: a new, uninitialised Vault
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("moved aside to %s.stale-" % ws.init_file, r.stderr)
            self.assertIn(old["vault_seed"]["cluster_id"], r.stderr)
            stale = [n for n in os.listdir(ws.state) if n.startswith("vault-init.json.stale-")]
            self.assertEqual(len(stale), 1)
            with open(os.path.join(ws.state, stale[0])) as f:
                self.assertEqual(json.load(f), old, "the old file must be kept as it was")
            self.assertNotEqual(ws.init_material()["unseal_keys_b64"], old["unseal_keys_b64"])
            self.assertEqual(ws.init_material()["vault_seed"]["cluster_id"], vault.state()["cluster_id"])
            ws.scan_leaks(self, vault)

    def test_an_init_file_of_another_vault_is_refused(self):
        with vstest.Workspace() as ws, VaultEmulator() as a, VaultEmulator() as b:
            self.assertEqual(ws.run(vault=a).returncode, 0)
            b.setup()  # another, initialised and unsealed Vault
            r = ws.run(vault=b)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("belongs to Vault cluster %s" % a.state()["cluster_id"], r.stderr)
            b.seal()
            r = ws.run(vault=b)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("do not unseal", r.stderr)
            self.assertIn("message authentication failed", r.stderr)
            self.assertTrue(b.state()["sealed"])
            self.assertEqual(b.state()["unseal_progress"], 0)

    def test_keep_root_token_and_root_generated_when_the_spec_changes(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            r = ws.run("--keep-root-token", vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(ws.init_material()["root_token"], vault.init_material()["root_token"])
            self.assertEqual([i for i in r.items if i["action"] == "revoke"], [])
            # Without the flag the next run revokes it (the seed token exists).
            r = ws.run(vault=vault)
            self.assertEqual(r.item("token", "root")["action"], "revoke")
            self.assertNotIn("root_token", ws.init_material())
            # A new secret: the seed token's policy does not cover it, so a root token is made from
            # the unseal keys (authenticated with the seed token, as Vault 2.0 wants), used, revoked.
            ws.write_spec(ws.spec_text() + "  - path: apps/demo/cache\n    keys:\n      password: {generate: password}\n")
            seq = vault.write_seq()
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.item("secret", "secret/apps/demo/cache")["action"], "create")
            self.assertEqual(r.item("policy", "policy vault-seed")["action"], "update")
            generated = [i["action"] for i in r.items if i["path"] == "root (generated)"]
            self.assertEqual(generated, ["create", "revoke"])
            ops = [w["op"] for w in vault.writes(since=seq)]
            self.assertIn("generate-root", ops)
            self.assertIn("revoke", ops)
            roots = [t for t in vault.state()["tokens"] if "root" in t["policies"]]
            self.assertEqual(roots, [], "a root token outlived the run")
            # The run after that needs no root token.
            seq = vault.write_seq()
            r = ws.run(vault=vault)
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
            ws.scan_leaks(self, vault)

    def test_root_generation_without_any_token_needs_the_server_option(self):
        with vstest.Workspace() as ws, VaultEmulator(enable_unauthenticated_access=["generate-root"]) as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            accessor = ws.init_material()["vault_seed"]["seed_token_accessor"]
            seed = ws.init_material()["vault_seed"]["seed_token"]
            self.assertEqual(vault.api("POST", "auth/token/revoke-self", {}, token=seed).status, 204)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("the seed token in the init file is not valid", r.stderr)
            self.assertEqual([i["action"] for i in r.items if i["path"] == "root (generated)"], ["create", "revoke"])
            # The revoked seed token is replaced, so the next run needs no root token.
            self.assertEqual(r.item("token", "vault-seed")["action"], "create")
            self.assertNotEqual(ws.init_material()["vault_seed"]["seed_token_accessor"], accessor)
            seq = vault.write_seq()
            again = ws.run(vault=vault)
            self.assertEqual(again.returncode, 0, again)
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run("--keep-root-token", vault=vault).returncode, 0)
            root = ws.init_material()["root_token"]
            ws.run(vault=vault)  # revokes the kept root token
            seed = ws.init_material()["vault_seed"]["seed_token"]
            vault.api("POST", "auth/token/revoke-self", {}, token=seed)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("Vault 2.0 needs a valid token even to generate a root token", r.stderr)
            # An operator's root token (VAULT_TOKEN) repairs it: the dead seed token is replaced.
            self.assertEqual(vault.api("GET", "auth/token/lookup-self", token=root).status, 403)
            operator = self.operator_root(vault, ws.init_material()["unseal_keys_hex"][:3])
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_TOKEN=operator))
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.item("token", "vault-seed")["action"], "create")
            self.assertNotEqual(ws.init_material()["vault_seed"]["seed_token"], seed)
            seq = vault.write_seq()
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            self.assertEqual(vault.write_count(since=seq), 0)

    def operator_root(self, vault, keys):
        """What an operator does by hand: a root token from the unseal keys (the test lets the
        server skip Vault 2.0's token check for this, as enable_unauthenticated_access does)."""
        vault.configure(enable_unauthenticated_access=["generate-root"])
        start = vault.api("PUT", "sys/generate-root/attempt", {}).json()
        for k in keys:
            done = vault.api("PUT", "sys/generate-root/update", {"key": k, "nonce": start["nonce"]}).json()
        vault.configure(enable_unauthenticated_access=[])
        return decode_root_token(done["encoded_token"], start["otp"])

    def test_vault_token_and_home_token_file_take_precedence(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            with open(os.path.join(ws.home, ".vault-token"), "w") as f:
                f.write("hvs." + "Stale" * 5 + "\n")  # assembled: the secret scan finds no token-like literal
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("the token in ~/.vault-token is not valid", r.stderr)
            ns = ws.run(vault=vault, env=ws.base_env(vault, VAULT_NAMESPACE="team-a"))
            self.assertEqual(ns.returncode, 0, ns)
            self.assertTrue(all(e["namespace"] == "team-a" for e in vault.requests_log()[-5:]))
            ws.scan_leaks(self, vault)

    def test_pgp_shares_with_a_real_gpg_key(self):
        gpg = shutil.which("gpg")
        if gpg is None:
            self.fail("gpg is missing: install Debian's gnupg (scripts/install-deps.sh)")
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            gnupg = tempfile.mkdtemp(prefix="gnupg-", dir=ws.tmp)
            env = dict(os.environ, GNUPGHOME=gnupg)
            try:
                self.check_pgp_shares(ws, vault, gpg, env)
            finally:
                # gpg started an agent for this GNUPGHOME: end it before the folder goes.
                subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, timeout=30)

    def check_pgp_shares(self, ws, vault, gpg, env):
        subprocess.run([gpg, "--batch", "--passphrase", "", "--quick-gen-key", "holder@example.org", "ed25519",
                        "cert", "1d"], env=env, check=True, capture_output=True, timeout=60)
        binary = subprocess.run([gpg, "--export", "holder@example.org"], env=env, check=True,
                                capture_output=True, timeout=30).stdout
        armored = subprocess.run([gpg, "--export", "--armor", "holder@example.org"], env=env, check=True,
                                 capture_output=True, timeout=30).stdout
        self.assertTrue(armored.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"))
        keys = []
        for i, data in enumerate([binary, armored, binary]):
            path = os.path.join(ws.tmp, "holder%d.%s" % (i, "asc" if data is armored else "gpg"))
            with open(path, "wb") as f:
                f.write(data)
            keys.append(path)
        text = ws.spec_text().replace("  shares: 5\n  threshold: 3\n",
                                      "  shares: 3\n  threshold: 2\n  pgp_keys: [%s]\n" % ", ".join(keys))
        ws.write_spec(text)
        r = ws.run(vault=vault)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("encrypted to the spec's PGP keys", r.stderr)
        m = ws.init_material()
        self.assertTrue(m["vault_seed"]["pgp_encrypted"])
        # What vault-seed sent is exactly base64 of the binary export, for the armoured file too:
        # the stand-in encryption is keyed on those bytes, so only that key decrypts every share.
        want = base64.b64encode(binary).decode()
        shares = [pgp_decrypt(want, k) for k in m["unseal_keys_b64"]]
        self.assertEqual(len(shares), 3)
        self.assertEqual(len(set(shares)), 3)
        # The holders decrypt and pipe their shares in; then the seeding goes on.
        r = ws.run("--unseal-keys-stdin", vault=vault, input="".join(s.hex() + "\n" for s in shares[:2]))
        self.assertEqual(r.returncode, 0, r)
        self.assertFalse(vault.state()["sealed"])
        self.assertIn("apps/demo/db", vault.kv("secret"))
        ws.scan_leaks(self, vault, extra_secrets=[s.hex() for s in shares])

if __name__ == "__main__":
    unittest.main(verbosity=2)
