"""kind-wait under faults injected by the API emulator: server down at start, connection reset
and truncation mid-watch, 410 Expired and re-LIST, outages, 5xx/429, TLS CA mismatch (never an
insecure fallback), expired client certificate and bad tokens, timeout accuracy."""
# ctest: serial  (timeout accuracy and reconnect timings are asserted)
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_kind_wait as T  # noqa: E402  (shared helpers; its test classes are not collected here)

H = T.H
NODES = "/api/v1/nodes"


def ready_nodes():
    return [H.node("kind-control-plane"), H.node("kind-worker"), H.node("kind-worker2")]


class ApiServerDownTest(T.KindWaitCase):
    def test_down_at_start_then_up(self):
        t0 = time.monotonic()  # the outage runs from here, whenever kind-wait starts
        emu = self.emulator(H.kind_cluster(workers=2), listen_delay=2)
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(r.finished - t0, 1.9, r)
        self.assertLess(r.seconds, 6, r)  # bounded backoff: noticed within about 2 s of coming up

    def test_never_answers(self):
        emu = self.emulator(H.kind_cluster(workers=2), listen_delay=60)
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "2s"])
        self.assertEqual(r.rc, 1, r)
        self.assertLess(r.seconds, 4, r)
        self.assertIn("the API server %s never answered" % emu.url, r.err)
        self.assertIn("cannot connect", r.err)

    def test_list_nodes_retries_until_up(self):
        emu = self.emulator(H.kind_cluster(workers=1), listen_delay=1.5)
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--list", "nodes", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.lines()), 2)
        emu2 = self.emulator(H.kind_cluster(workers=1), listen_delay=60)
        r = T.run(["--kubeconfig", self.kubeconfig(emu2), "--list", "nodes", "--timeout", "1s"])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("no node list after 1.0s: the API server %s never answered" % emu2.url, r.err)
        self.assertIn("cannot connect", r.err)

    def test_outage_mid_watch(self):
        emu = self.emulator(H.kind_cluster(workers=2, ready=False))
        p = T.start(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "30s"])
        emu.wait_for_watchers(1, resource="nodes")
        emu.outage(1.5)  # an API server restart: every connection dropped, refused for 1.5 s
        time.sleep(2)
        emu.apply(ready_nodes())
        r = T.finish(p)
        self.assertEqual(r.rc, 0, r)
        self.assertLess(r.seconds, 10, r)


class WatchFaultsTest(T.KindWaitCase):
    def wait_then_change(self, fault=None, action=None):
        """Starts kind-wait on a not-ready cluster, waits until its nodes watch is open, applies
        the fault or action, then makes the nodes Ready; returns the run and the request log."""
        emu = self.emulator(H.kind_cluster(workers=2, ready=False))
        p = T.start(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "30s"])
        emu.wait_for_watchers(1, resource="nodes")
        if fault:
            emu.fault(**fault)
        if action:
            action(emu)
        emu.apply(ready_nodes())
        r = T.finish(p)
        return emu, r

    def test_connection_reset_mid_watch_resumes_from_last_resource_version(self):
        emu, r = self.wait_then_change(fault={"type": "reset", "path_prefix": NODES, "watch": True, "times": 1})
        self.assertEqual(r.rc, 0, r)
        watches = self.watches(emu, NODES)
        self.assertGreaterEqual(len(watches), 2, watches)
        self.assertEqual(watches[0]["end_reason"], "fault-reset")
        # Resumed with a resourceVersion, without a new LIST.
        self.assertTrue(watches[1]["params"].get("resourceVersion"))
        self.assertEqual(len(self.lists(emu, NODES)), 1)

    def test_stream_cut_inside_an_event_resumes(self):
        emu, r = self.wait_then_change(fault={"type": "truncate", "path_prefix": NODES, "watch": True, "times": 1})
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(len(self.watches(emu, NODES)), 2)

    def test_watch_ended_by_the_server_is_resumed(self):
        emu, r = self.wait_then_change(action=lambda e: e.end_watches("nodes"))
        self.assertEqual(r.rc, 0, r)
        watches = self.watches(emu, NODES)
        self.assertGreaterEqual(len(watches), 2)
        self.assertEqual(len(self.lists(emu, NODES)), 1)

    def test_410_expired_in_band_relists(self):
        emu, r = self.wait_then_change(action=lambda e: e.expire_watches("nodes"))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(self.lists(emu, NODES)), 2, "a re-LIST after the in-band 410")

    def test_410_on_rewatch_after_compaction_relists(self):
        def compact_while_away(e):
            # Hold the next watch request back, end the open one, then change and compact what
            # kind-wait has not seen: its re-watch from the old resourceVersion gets 410.
            e.fault("delay", seconds=1, path_prefix=NODES, watch=True, times=1)
            e.end_watches("nodes")
            e.wait_for_request(lambda r: r["watch"] and r["in_progress"] and r["seq"] > 2)
            e.apply(H.node("kind-worker", ready=False, labels={"bump": "1"}))
            e.compact()
        emu, r = self.wait_then_change(action=compact_while_away)
        self.assertEqual(r.rc, 0, r)
        self.assertGreaterEqual(len(self.lists(emu, NODES)), 2)

    def test_5xx_and_429_on_list_are_retried(self):
        emu = self.emulator(H.kind_cluster(workers=2), faults=[
            {"type": "status", "code": 503, "path_prefix": NODES, "watch": False, "times": 2},
            {"type": "status", "code": 429, "retry_after": 1, "path_prefix": NODES, "watch": False, "times": 1}])
        r = T.run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "20s"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([e["status"] for e in self.lists(emu, NODES)], [503, 503, 429, 200])

    def test_timeout_accuracy(self):
        emu = self.emulator(H.kind_cluster(workers=2, ready=False))
        for timeout in (1, 3):
            r = T.run(["--kubeconfig", self.kubeconfig(emu), "--for", "nodes=3", "--timeout", "%ds" % timeout])
            self.assertEqual(r.rc, 1, r)
            # The process exits within a few hundred ms of the deadline (startup included).
            self.assertGreaterEqual(r.seconds, timeout, r)
            self.assertLess(r.seconds, timeout + 1.0, r)


class CredentialsTest(T.KindWaitCase):
    def test_ca_mismatch_is_a_clear_error_never_an_insecure_fallback(self):
        emu = self.emulator(H.kind_cluster(workers=2))
        other = H.make_other_ca(os.path.join(self.tmp.name, "other-ca"))
        kc = self.kubeconfig(emu, "wrong-ca", ca=other.ca_cert)
        r = T.run(["--kubeconfig", kc, "--for", "nodes=3", "--timeout", "20s"])
        self.assertEqual(r.rc, 2, r)
        self.assertLess(r.seconds, 5, r)  # fatal at once, not retried until the timeout
        self.assertIn("cannot verify the API server %s" % emu.url, r.err)
        self.assertIn('certificate-authority-data of cluster "kind-kind" in %s' % kc, r.err)
        self.assertIn("never turned off silently", r.err)
        # Nothing got through: no request reached the API.
        self.assertEqual(emu.requests_log(path_prefix="/api"), [])
        self.assertGreaterEqual(len(emu.state().get("tls_failures", [])), 1)

    def test_a_certificate_for_another_name_blames_the_name_not_the_ca(self):
        pki = H.make_pki(os.path.join(self.tmp.name, "pki-localhost-only"), hosts=("localhost",), key="ec")
        emu = H.Emulator(pki=pki, fixtures=H.kind_cluster(workers=1)).start()
        self.addCleanup(emu.stop)
        kc = self.kubeconfig(emu, "wrong-name")  # https://127.0.0.1:PORT: not a name the certificate holds
        r = T.run(["--kubeconfig", kc, "--for", "nodes=2", "--timeout", "20s"])
        self.assertEqual(r.rc, 2, r)
        self.assertLess(r.seconds, 5, r)
        self.assertIn("the server's certificate is not for this host name", r.err)
        self.assertIn("The CA is right, the name is not", r.err)
        self.assertIn("tls-server-name", r.err)
        self.assertNotIn("The CA used was", r.err)

    def test_ca_mismatch_with_a_ca_file(self):
        emu = self.emulator(H.kind_cluster(workers=1))
        other = H.make_other_ca(os.path.join(self.tmp.name, "other-ca2"))
        kc = self.kubeconfig(emu, "wrong-ca-file", ca=other.ca_cert, inline=False)
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("certificate-authority file %s" % other.ca_cert, r.err)

    def test_expired_client_certificate(self):
        emu = self.emulator(H.kind_cluster(workers=1))
        crt, key = H.make_expired_client_cert(self.pki)
        kc = self.kubeconfig(emu, "expired", client_cert=crt, client_key=key)
        r = T.run(["--kubeconfig", kc, "--for", "nodes=2", "--timeout", "20s"])
        self.assertEqual(r.rc, 2, r)
        self.assertLess(r.seconds, 5, r)
        self.assertIn("HTTP 401 Unauthorized", r.err)
        self.assertIn('rejected the credentials of user "kind-kind"', r.err)
        self.assertIn("expired client certificate", r.err)
        log = emu.requests_log(path_prefix=NODES)
        self.assertEqual(log[0]["client_cert"], "invalid")

    def test_wrong_token_and_forbidden(self):
        emu = self.emulator(H.kind_cluster(workers=1), token="right-token")
        kc = self.kubeconfig(emu, "bad-token", auth="token", token="wrong-token")
        r = T.run(["--kubeconfig", kc, "--list", "nodes"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("401", r.err)
        self.assertNotIn("wrong-token", r.err)  # secrets never in messages
        # No credentials at all: anonymous, which RBAC forbids.
        kc = self.kubeconfig(emu, "anonymous", auth="none")
        r = T.run(["--kubeconfig", kc, "--for", "nodes=1", "--timeout", "10s"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("HTTP 403 Forbidden", r.err)
        self.assertIn('User "system:anonymous" cannot list resource "nodes"', r.err)


if __name__ == "__main__":
    unittest.main()
