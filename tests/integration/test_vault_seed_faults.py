"""vault-seed against a Vault emulator that misbehaves: 5xx bursts, connections closed or reset
mid-answer, a Vault not listening yet, a standby, answers slower than VAULT_CLIENT_TIMEOUT, no
Vault at all; and TLS with VAULT_CACERT, VAULT_CAPATH and VAULT_SKIP_VERIFY, certificates made
by openssl at test time. Retries must heal what is transient, every wait must end at --timeout,
and the message must name the culprit."""
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import tlsutil  # noqa: E402
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402


class FaultTests(unittest.TestCase):
    def test_bursts_closes_and_resets_are_retried(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", code=503, times=2,
                        message="upstream unavailable")
            vault.fault("status", path_prefix="/v1/sys/mounts", method="GET", code=500, times=1, message="internal")
            vault.fault("close", path_prefix="/v1/sys/policies/acl/external-secrets-read", times=1)
            vault.fault("reset", path_prefix="/v1/auth/kubernetes/role/", method="GET", times=1)
            vault.fault("status", path_prefix="/v1/sys/auth", method="GET", code=429, times=1, retry_after=0)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.item("secret", "secret/apps/demo/db")["action"], "create")
            self.assertEqual([f["remaining"] for f in vault.faults()], [0, 0, 0, 0, 0], "every fault was hit")
            self.assertEqual(len(vstest_kv_creates(vault)), 4)
            ws.scan_leaks(self, vault)

    def test_vault_max_retries_zero_means_one_attempt(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", method="POST", code=503, times=1,
                        message="upstream unavailable")
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_MAX_RETRIES="0"))
            self.assertEqual(r.returncode, 3, r)
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual(item["action"], "error")
            self.assertIn("HTTP 503: upstream unavailable", item["detail"])
            self.assertNotIn("apps/demo/db", vault.kv("secret"))
            # The next run creates it: nothing half-written stood in the way.
            r = ws.run(vault=vault)
            self.assertEqual(r.item("secret", "secret/apps/demo/db")["action"], "create")

    def test_a_vault_not_listening_yet_or_in_standby_is_waited_for(self):
        with vstest.Workspace() as ws, VaultEmulator(listen_delay=2) as vault:
            t = time.monotonic()
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertGreater(time.monotonic() - t, 1.5)
            self.assertIn("waiting for Vault", r.stderr)
            self.assertIn("cannot connect", r.stderr)
        with vstest.Workspace() as ws, VaultEmulator(standby=True) as vault:
            timer = threading.Timer(1.5, vault.set_standby, args=(False,))
            timer.start()
            try:
                r = ws.run(vault=vault)
            finally:
                timer.cancel()
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("Vault answers as a standby (health 429)", r.stderr)

    def test_every_wait_ends_at_the_timeout_naming_the_culprit(self):
        port = sftest.free_port()
        with vstest.Workspace() as ws:
            env = ws.base_env(VAULT_ADDR="http://127.0.0.1:%d" % port)
            t = time.monotonic()
            r = ws.run(env=env, timeout="3s")
            elapsed = time.monotonic() - t
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(elapsed, 8, "the --timeout was not kept")
            self.assertIn("Vault did not come up before the time given ran out", r.stderr)
            self.assertIn("127.0.0.1:%d" % port, r.stderr)
            self.assertIn("cannot connect", r.stderr)
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            vault.fault("delay", path_prefix="/v1/secret/data/", seconds=3)
            t = time.monotonic()
            r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CLIENT_TIMEOUT="1s"))
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 10)
            self.assertIn("timed out", r.stderr)
            self.assertIn("secret/data/platform/opencost/basic-auth", r.stderr)
            vault.clear_faults()
            vault.fault("delay", path_prefix="/v1/", seconds=1)
            t = time.monotonic()
            r = ws.run(vault=vault, timeout="2500ms")
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 6, "a slow Vault kept the run past --timeout")
            self.assertIn("ran out", r.stderr)

    def test_tls_with_vault_cacert_capath_and_skip_verify(self):
        with vstest.Workspace() as ws:
            pki = os.path.join(ws.tmp, "pki")
            os.mkdir(pki)
            ca_crt, _ = tlsutil.make_ca(pki)
            crt, key = tlsutil.make_server_cert(pki)
            with VaultEmulator(tls_cert=crt, tls_key=key) as vault:
                self.assertTrue(vault.url.startswith("https://"))
                r = ws.run(vault=vault)
                self.assertEqual(r.returncode, 2, r)  # an unknown CA is a configuration problem, not waited on
                self.assertIn("TLS", r.stderr)
                self.assertEqual(vault.requests_log(), [])
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt))
                self.assertEqual(r.returncode, 0, r)
                cas = os.path.join(ws.tmp, "cas")
                os.mkdir(cas)
                with open(ca_crt) as src, open(os.path.join(cas, "ca.pem"), "w") as dst:
                    dst.write(src.read())
                seq = vault.write_seq()
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CAPATH=cas))
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(vault.write_count(since=seq), 0)
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_SKIP_VERIFY="true"))
                self.assertEqual(r.returncode, 0, r)
                ws.scan_leaks(self, vault)

    def test_a_retry_after_is_waited_for_and_one_past_the_timeout_ends_the_run_at_once(self):
        path = "/v1/secret/data/platform/opencost/basic-auth"
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            since = vault.requests_log()[-1]["seq"]
            vault.fault("status", path_prefix=path, method="GET", code=429, times=1, retry_after=2)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            reads = [e for e in vault.requests_log(since=since, path_prefix=path) if e["method"] == "GET"]
            self.assertEqual([e["status"] for e in reads], [429, 200])
            # Retry-After: 2 is kept; vault-seed's own first backoff is at most 0.6 s.
            self.assertGreaterEqual(reads[1]["start"] - reads[0]["start"], 1.9)
            # A Retry-After too large for any integer (it used to be cast to one: undefined, in
            # practice a negative delay and a retry at once) saturates, past the --timeout: the
            # run ends at once, naming what it was doing, and does not hammer Vault.
            vault.clear_faults()
            since = vault.requests_log()[-1]["seq"]
            vault.fault("status", path_prefix=path, method="GET", code=503, retry_after="99999999999999999999")
            t = time.monotonic()
            r = ws.run(vault=vault, timeout="3s")
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 3, "ended before the --timeout, not at it")
            self.assertIn("ran out", r.stderr)
            self.assertIn("secret/platform/opencost/basic-auth", r.stderr)
            reads = [e for e in vault.requests_log(since=since, path_prefix=path) if e["method"] == "GET"]
            self.assertEqual(len(reads), 1, "no retry before the time Vault asked for")

    def test_a_redirect_is_not_followed_and_names_its_location_redacted(self):
        location = "https://user:pw-in-location@active.example:8200/v1/secret/data/apps/demo/db"
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", code=307, location=location)
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 3, r)
            item = r.item("secret", "secret/apps/demo/db")
            self.assertEqual(item["action"], "error")
            self.assertIn("HTTP 307", item["detail"])
            self.assertIn("redirects to https://***@active.example:8200/", item["detail"])
            self.assertIn("does not follow redirects", item["detail"])
            self.assertNotIn("pw-in-location", r.stdout + r.stderr)
            self.assertNotIn("apps/demo/db", vault.kv("secret"))
            self.assertEqual(r.item("secret", "secret/platform/opencost/basic-auth")["action"], "create")

    def test_an_answer_over_the_body_cap_is_refused_naming_the_cap(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            # 65 MiB of answer to a secret read, past vault-seed's 64 MiB cap.
            vault.fault("status", path_prefix="/v1/secret/data/apps/demo/db", method="GET", code=200,
                        body="x" * (1 << 20), body_repeat=65, content_type="application/json")
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("response larger than the 67108864-byte cap", r.stderr)
            self.assertIn("secret/apps/demo/db", r.stderr)
            self.assertIn("an answer this large is not Vault's: is VAULT_ADDR (or --via-kube-service) Vault?", r.stderr)
            self.assertNotIn("raise the cap", r.stderr)  # vault-seed has no flag for it
            self.assertLess(len(r.stderr), 4000, "the body is not echoed")

    def test_a_vault_addr_that_does_not_resolve_is_named_within_the_timeout(self):
        with vstest.Workspace() as ws:
            env = ws.base_env(VAULT_ADDR="http://sf-no-such-host.invalid:8200")  # RFC 6761: never resolves
            t = time.monotonic()
            r = ws.run(env=env, timeout="2s")
            self.assertEqual(r.returncode, 1, r)
            self.assertLess(time.monotonic() - t, 6, "the --timeout was not kept")
            self.assertIn("Vault did not come up before the time given ran out", r.stderr)
            self.assertIn("cannot resolve the host name", r.stderr)
            self.assertIn("sf-no-such-host.invalid", r.stderr)
            self.assertEqual(r.stdout, "")

    def test_tls_with_a_certificate_for_another_name_or_plain_http_behind_https(self):
        with vstest.Workspace() as ws:
            pki = os.path.join(ws.tmp, "pki")
            os.mkdir(pki)
            ca_crt, _ = tlsutil.make_ca(pki)
            crt, key = tlsutil.make_server_cert(pki, sans=("DNS:vault.elsewhere.example",))
            with VaultEmulator(tls_cert=crt, tls_key=key) as vault:
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt))
                self.assertEqual(r.returncode, 2, r)  # a configuration problem, not waited on
                self.assertIn("not for this host name", r.stderr)
                self.assertIn("'127.0.0.1'", r.stderr)
                self.assertNotIn("not trusted", r.stderr, "the CA is right: the name is not")
                self.assertEqual(vault.requests_log(), [])
                # The name the certificate holds, given as the TLS server name, is accepted.
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt,
                                                        VAULT_TLS_SERVER_NAME="vault.elsewhere.example"))
                self.assertEqual(r.returncode, 0, r)
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            t = time.monotonic()
            r = ws.run(env=ws.base_env(VAULT_ADDR=vault.url.replace("http://", "https://")))
            self.assertEqual(r.returncode, 2, r)
            self.assertLess(time.monotonic() - t, 10, "not waited on")
            self.assertIn("is this port TLS (https://) at all?", r.stderr)
            self.assertEqual(vault.requests_log(), [], "nothing reached Vault in clear")

    def test_a_client_certificate_vault_rejects_in_the_handshake_is_named_at_once(self):
        # A Vault listener with tls_require_and_verify_client_cert: a certificate another CA
        # signed, or none, fails the handshake; nothing reaches Vault and waiting fixes nothing.
        with vstest.Workspace() as ws:
            pki, other = os.path.join(ws.tmp, "pki"), os.path.join(ws.tmp, "other")
            os.mkdir(pki)
            os.mkdir(other)
            ca_crt, _ = tlsutil.make_ca(pki)
            crt, key = tlsutil.make_server_cert(pki)
            good = tlsutil.make_client_cert(pki, name="seeder")
            tlsutil.make_ca(other, cn="another CA")
            bad_crt, bad_key = tlsutil.make_client_cert(other, name="stranger")
            with VaultEmulator(tls_cert=crt, tls_key=key, tls_client_ca=ca_crt, own_client_cert=good) as vault:
                t = time.monotonic()
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt, VAULT_CLIENT_CERT=bad_crt,
                                                        VAULT_CLIENT_KEY=bad_key), timeout="20s")
                self.assertEqual(r.returncode, 2, r)  # configuration, not waited on
                self.assertLess(time.monotonic() - t, 5, r)
                self.assertIn("VAULT_CLIENT_CERT", r.stderr)
                self.assertIn(bad_crt, r.stderr)
                self.assertRegex(r.stderr, r"TLS alert (unknown_ca|bad_certificate|certificate_unknown)")
                self.assertNotIn("not trusted", r.stderr, "the server's certificate is fine")
                self.assertEqual(r.stdout, "")
                self.assertNotIn("PRIVATE KEY", r.stdout + r.stderr)
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt), timeout="20s")
                self.assertEqual(r.returncode, 2, r)
                self.assertIn("TLS alert certificate_required", r.stderr)
                self.assertIn("VAULT_CLIENT_CERT", r.stderr)  # what to set
                self.assertEqual(vault.requests_log(), [], "no request reached Vault")
                self.assertIn("TLS handshake", vault.log_text())
                # The certificate Vault's CA signed is accepted: the setup is not what fails.
                r = ws.run(vault=vault, env=ws.base_env(vault, VAULT_CACERT=ca_crt, VAULT_CLIENT_CERT=good[0],
                                                        VAULT_CLIENT_KEY=good[1]))
                self.assertEqual(r.returncode, 0, r)

    def test_a_report_into_a_closed_pipe_or_onto_a_full_disk_is_an_error(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            with open("/dev/full", "w") as full:
                p = subprocess.run(ws.argv(), stdout=full, stderr=subprocess.PIPE, text=True,
                                   env=ws.base_env(vault), cwd=ws.tmp, timeout=90)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("stdout: write failed: No space left on device", p.stderr)
            read_end, write_end = os.pipe()
            os.close(read_end)  # the reader is gone before the report starts
            try:
                p = subprocess.run(ws.argv(), stdout=write_end, stderr=subprocess.PIPE, text=True,
                                   env=ws.base_env(vault), cwd=ws.tmp, timeout=90)
            finally:
                os.close(write_end)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("stdout: the reader closed the pipe", p.stderr)
            # Nothing half-done stands in the way of the next run.
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(set(r.actions("secret").values()) - {"create", "unchanged"}, set())

    def test_a_deeply_nested_or_oversized_spec_is_refused_before_any_request(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            seq = vault.write_seq()
            ws.write_spec("init:\n  shares: " + "[" * 100000 + "]" * 100000 + "\n")
            r = ws.run(vault=vault)
            self.assertEqual((r.returncode, r.stdout), (2, ""), r)
            self.assertIn("%s:2:" % ws.spec, r.stderr)
            self.assertIn("not valid YAML", r.stderr)
            ws.write_spec("# padding\n" + ("#" * 1023 + "\n") * 1100)
            r = ws.run(vault=vault)
            self.assertEqual((r.returncode, r.stdout), (2, ""), r)
            self.assertIn("more than the 1 MiB a vault-seed spec may have", r.stderr)
            self.assertEqual(vault.write_count(since=seq), 0)
            self.assertFalse(vault.state()["initialized"], "no request changed Vault")

    def test_a_token_with_cr_lf_is_refused_before_any_request(self):
        injected = "hvs.abc\r\nX-Injected: yes"
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            for where in ("VAULT_TOKEN", "~/.vault-token"):
                with self.subTest(where=where):
                    vault.clear_requests()
                    if where == "VAULT_TOKEN":
                        env = ws.base_env(vault, VAULT_TOKEN=injected)
                    else:
                        env = ws.base_env(vault)
                        with open(os.path.join(ws.home, ".vault-token"), "w") as f:
                            f.write(injected + "\n")
                    r = ws.run(vault=vault, env=env)
                    self.assertEqual(r.returncode, 2, r)
                    self.assertIn(f"{where} holds a control character", r.stderr)
                    self.assertNotIn("X-Injected", r.stdout + r.stderr)
                    self.assertNotIn("hvs.abc", r.stdout + r.stderr)
                    self.assertEqual(vault.requests_log(), [], "no request was sent")

    def test_credentials_in_vault_addr_are_never_shown(self):
        password = "pw-in-vault-addr"
        port = sftest.free_port()
        with vstest.Workspace() as ws:
            r = ws.run(env=ws.base_env(VAULT_ADDR=f"http://admin:{password}@127.0.0.1:{port}"), timeout="2s")
            self.assertEqual(r.returncode, 1, r)
            self.assertIn(f"http://***@127.0.0.1:{port}", r.stderr)
            self.assertNotIn(password, r.stdout + r.stderr)
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            addr = vault.url.replace("http://", f"http://admin:{password}@")
            r = ws.run("-v", env=ws.base_env(VAULT_ADDR=addr))
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("http://***@127.0.0.1", r.stderr, "-v names the address, redacted")
            self.assertNotIn(password, r.stdout + r.stderr)
            r = ws.run("-v", env=ws.base_env(VAULT_ADDR=f"ftp://admin:{password}@127.0.0.1:1"))
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("ftp://***@127.0.0.1:1", r.stderr)
            self.assertNotIn(password, r.stdout + r.stderr)
            ws.scan_leaks(self, vault)

    def test_an_empty_spec_is_refused_before_any_request(self):
        with vstest.Workspace(spec_text="") as ws, VaultEmulator() as vault:
            r = ws.run(vault=vault)
            self.assertEqual(r.returncode, 2, r)
            self.assertIn(f"{ws.spec}: the spec must be a mapping", r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertEqual(vault.requests_log(), [], "nothing was asked of Vault")

def vstest_kv_creates(vault):
    return [w["path"] for w in vault.writes() if w["op"] == "kv-create"]


if __name__ == "__main__":
    unittest.main(verbosity=2)
