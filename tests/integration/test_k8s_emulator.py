#!/usr/bin/env python3
# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Self-tests for tests/emulators/k8s_api.py: prove the Kubernetes API emulator behaves like the
real API server on the wire (auth, Status errors, paging, watch events, bookmarks, 410, proxy)
and that every injected fault really happens. Standard library + the openssl and curl CLIs;
kubectl, when installed, is used as an independent real client.

Run: python3 tests/integration/test_k8s_emulator.py
"""

import base64
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EMU_DIR = os.path.join(os.path.dirname(HERE), "emulators")
sys.path.insert(0, EMU_DIR)

import k8s_harness as H  # noqa: E402
from k8s_harness import (Emulator, application, crd, deployment, kind_cluster, make_expired_client_cert,  # noqa: E402
                         make_other_ca, make_pki, node, pod)

TMP = None
PKI = None
OTHER = None
EXPIRED = None
TOKEN = "emulator-test-token-0123456789"


def setUpModule():
    global TMP, PKI, OTHER, EXPIRED
    TMP = tempfile.TemporaryDirectory(prefix="k8s-emu-test-")
    PKI = make_pki(os.path.join(TMP.name, "pki"))
    OTHER = make_other_ca(os.path.join(TMP.name, "other"), key="ec")
    EXPIRED = make_expired_client_cert(PKI)


def tearDownModule():
    TMP.cleanup()


def curl(*args, timeout=10):
    r = subprocess.run(["curl", "-sS", "--max-time", str(timeout)] + list(args), capture_output=True, timeout=timeout + 5)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def raw_get(emu, path, headers=(), read_timeout=5, cert="admin"):
    """Send one GET over a fresh TLS socket and return every byte until the server closes
    (or read_timeout), so tests can see framing exactly as sent."""
    ctx = ssl.create_default_context(cafile=PKI.ca_cert)
    if cert == "admin":
        ctx.load_cert_chain(PKI.client_cert, PKI.client_key)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", emu.port), timeout=read_timeout),
                        server_hostname="127.0.0.1", suppress_ragged_eofs=False)
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n" % (
        path, "".join("%s: %s\r\n" % h for h in headers))
    s.sendall(req.encode())
    data, err = b"", None
    deadline = time.monotonic() + read_timeout
    try:
        while time.monotonic() < deadline:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (OSError, ssl.SSLError) as e:
        err = e
    s.close()
    return data, err


def parse_chunked(data):
    """Split a raw HTTP/1.1 response into (head, [chunk payloads], complete, tail). `complete` is
    True when the zero-length terminating chunk arrived; `tail` holds bytes of a chunk that was
    announced but not fully delivered."""
    head, _, body = data.partition(b"\r\n\r\n")
    chunks, complete, tail = [], False, b""
    while body:
        line, sep, rest = body.partition(b"\r\n")
        if not sep:
            tail = body
            break
        size = int(line, 16)
        if size == 0:
            complete = True
            break
        if len(rest) < size + 2:
            tail = rest
            chunks.append(None)     # announced, cut short
            break
        chunks.append(rest[:size])
        body = rest[size + 2:]
    return head.decode("latin-1"), chunks, complete, tail


class EmulatorCase(unittest.TestCase):
    """One emulator (HTTPS, client certs + a token) shared by the tests of a class."""
    emu_kwargs = {}

    @classmethod
    def setUpClass(cls):
        kw = dict(pki=PKI, token=TOKEN, fixtures=kind_cluster(workers=2, ready=True), bookmark_interval=0.3)
        kw.update(cls.emu_kwargs)
        cls.emu = Emulator(**kw).start()
        cls.api = cls.emu.client()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def tearDown(self):
        self.emu.clear_faults()

    def get_json(self, path, **kw):
        r = self.api.get(path, **kw)
        return r.status, json.loads(r.body) if r.body else None, r


class TestAuth(EmulatorCase):
    def assert_401(self, rc, body):
        self.assertEqual(rc, 0)
        st = json.loads(body)
        self.assertEqual(st, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": "Unauthorized", "reason": "Unauthorized", "code": 401})

    def test_admin_client_cert_and_token_accepted(self):
        rc, out, err = curl("--cacert", PKI.ca_cert, "--cert", PKI.client_cert, "--key", PKI.client_key,
                            "-w", "\n%{http_code}", self.emu.url + "/api/v1/nodes")
        self.assertEqual(rc, 0, err)
        body, code = out.rsplit(b"\n", 1)
        self.assertEqual(code, b"200")
        self.assertEqual(json.loads(body)["kind"], "NodeList")
        rc, out, err = curl("--cacert", PKI.ca_cert, "-H", "Authorization: Bearer " + TOKEN, "-o", "/dev/null",
                            "-w", "%{http_code}", self.emu.url + "/api/v1/nodes")
        self.assertEqual(out, b"200")
        log = self.emu.requests_log(path_prefix="/api/v1/nodes")[-2:]
        self.assertEqual([(e["auth"], e["user"]) for e in log],
                         [("x509", "kubernetes-admin"), ("token", "kubernetes-admin")])

    def test_wrong_token_is_401(self):
        rc, out, err = curl("--cacert", PKI.ca_cert, "-H", "Authorization: Bearer wrong", "-w", "\n%{http_code}",
                            self.emu.url + "/api/v1/nodes")
        body, code = out.rsplit(b"\n", 1)
        self.assertEqual(code, b"401")
        self.assert_401(rc, body)
        self.assertEqual(self.emu.requests_log()[-1]["bearer"], "invalid")

    def test_client_cert_from_another_ca_is_401_not_anonymous(self):
        # kube-apiserver requests client certs without verifying them in the handshake
        # (tls.RequestClientCert); the x509 authenticator rejects them: 401, never anonymous.
        rc, out, err = curl("--cacert", PKI.ca_cert, "--cert", OTHER.client_cert, "--key", OTHER.client_key,
                            self.emu.url + "/api/v1/nodes")
        self.assert_401(rc, out)
        self.assertEqual(self.emu.requests_log()[-1]["client_cert"], "invalid")

    def test_expired_client_cert_is_401(self):
        out = subprocess.run(["openssl", "x509", "-in", EXPIRED[0], "-noout", "-enddate"], capture_output=True,
                             text=True).stdout
        self.assertIn("2020", out)
        rc, out, err = curl("--cacert", PKI.ca_cert, "--cert", EXPIRED[0], "--key", EXPIRED[1],
                            self.emu.url + "/api/v1/nodes")
        self.assert_401(rc, out)

    def test_bad_cert_with_good_token_authenticates_by_token(self):
        rc, out, err = curl("--cacert", PKI.ca_cert, "--cert", EXPIRED[0], "--key", EXPIRED[1],
                            "-H", "Authorization: Bearer " + TOKEN, "-o", "/dev/null", "-w", "%{http_code}",
                            self.emu.url + "/api/v1/nodes")
        self.assertEqual(out, b"200")

    def test_server_ca_mismatch_fails_tls_handshake(self):
        rc, out, err = curl("--cacert", OTHER.ca_cert, self.emu.url + "/version")
        self.assertEqual(rc, 60, err)      # curl: peer certificate cannot be authenticated
        self.assertTrue(any("unknown ca" in f["error"].lower() for f in self.emu.state()["tls_failures"]))

    def test_anonymous_gets_403_on_resources_but_public_paths(self):
        c = self.emu.client(cert=None)
        r = c.get("/api/v1/namespaces/kube-system/pods")
        self.assertEqual(r.status, 403)
        st = r.json()
        self.assertEqual(st["reason"], "Forbidden")
        self.assertEqual(st["message"], 'pods is forbidden: User "system:anonymous" cannot list resource "pods" '
                                        'in API group "" in the namespace "kube-system"')
        self.assertEqual(c.get("/api").status, 403)
        self.assertEqual(c.get("/version").status, 200)
        r = c.get("/readyz")
        self.assertEqual((r.status, r.body), (200, b"ok"))

    def test_non_admin_user_is_forbidden(self):
        crt, key = H.make_client_cert(PKI, "viewer", "jane", ("developers",))
        r = self.emu.client(cert=(crt, key)).get("/apis/apps/v1/namespaces/kube-system/deployments/coredns")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["details"], {"name": "coredns", "group": "apps", "kind": "deployments"})
        self.assertIn('User "jane" cannot get resource "deployments" in API group "apps"', r.json()["message"])


class TestReads(EmulatorCase):
    def test_get_list_shapes(self):
        status, n, r = self.get_json("/api/v1/nodes/kind-worker")
        self.assertEqual((status, n["kind"], n["apiVersion"]), (200, "Node", "v1"))
        self.assertEqual(list(n)[:3], ["kind", "apiVersion", "metadata"])
        self.assertTrue(r.body.endswith(b"}\n"))
        ready = [c for c in n["status"]["conditions"] if c["type"] == "Ready"]
        self.assertEqual(ready[0]["status"], "True")
        status, lst, _ = self.get_json("/api/v1/nodes")
        self.assertEqual(lst["kind"], "NodeList")
        self.assertTrue(lst["metadata"]["resourceVersion"].isdigit())
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]],
                         ["kind-control-plane", "kind-worker", "kind-worker2"])
        # like the real server, items of a built-in list carry no kind/apiVersion
        self.assertNotIn("kind", lst["items"][0])
        status, st, _ = self.get_json("/api/v1/nodes/nope")
        self.assertEqual(st, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": 'nodes "nope" not found', "reason": "NotFound",
                              "details": {"name": "nope", "kind": "nodes"}, "code": 404})
        status, st, _ = self.get_json("/apis/apps/v1/namespaces/kube-system/deployments/nope")
        self.assertEqual(st["message"], 'deployments.apps "nope" not found')

    def test_small_bodies_have_content_length_big_ones_are_chunked(self):
        data, _ = raw_get(self.emu, "/api/v1/nodes/nope")
        self.assertRegex(data.split(b"\r\n\r\n")[0].decode(), r"(?im)^content-length: \d+")
        data, _ = raw_get(self.emu, "/api/v1/nodes")
        head, chunks, complete, _ = parse_chunked(data)
        self.assertRegex(head, r"(?im)^transfer-encoding: chunked")
        self.assertTrue(complete)
        self.assertEqual(json.loads(b"".join(chunks))["kind"], "NodeList")

    def test_keep_alive(self):
        self.emu.clear_requests()
        c = self.api.connect()
        for _ in range(3):
            c.request("GET", "/api/v1/namespaces")
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        c.close()
        conns = {e["conn"] for e in self.emu.requests_log()}
        self.assertEqual(len(conns), 1)

    def test_label_and_field_selectors(self):
        _, lst, _ = self.get_json("/api/v1/nodes?labelSelector=node-role.kubernetes.io/control-plane")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["kind-control-plane"])
        _, lst, _ = self.get_json("/api/v1/nodes?labelSelector=!node-role.kubernetes.io/control-plane,"
                                  "kubernetes.io/os%3Dlinux")
        self.assertEqual(len(lst["items"]), 2)
        _, lst, _ = self.get_json("/api/v1/nodes?labelSelector=kubernetes.io/hostname%20in%20(kind-worker,x)")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["kind-worker"])
        _, lst, _ = self.get_json("/api/v1/nodes?fieldSelector=metadata.name%3Dkind-worker2")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["kind-worker2"])
        status, st, _ = self.get_json("/api/v1/nodes?fieldSelector=spec.bogus%3D1")
        self.assertEqual((status, st["reason"], st["message"]), (400, "BadRequest", "field label not supported: spec.bogus"))

    def test_paging_is_consistent_and_expires_after_compaction(self):
        for i in range(5):
            self.emu.apply(pod("paging", "p%d" % i, labels={"set": "paging"}))
        status, p1, _ = self.get_json("/api/v1/namespaces/paging/pods?limit=2")
        self.assertEqual([i["metadata"]["name"] for i in p1["items"]], ["p0", "p1"])
        self.assertEqual(p1["metadata"]["remainingItemCount"], 3)
        tok = p1["metadata"]["continue"]
        decoded = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
        self.assertEqual(decoded, {"v": "meta.k8s.io/v1", "rv": int(p1["metadata"]["resourceVersion"]),
                                   "start": "p1\u0000"})
        # a change between pages must not show: pages come from the snapshot of the first one
        self.emu.delete("Pod", "paging", "p3")
        self.emu.apply(pod("paging", "p2", phase="Failed", labels={"set": "paging"}))
        status, p2, _ = self.get_json("/api/v1/namespaces/paging/pods?limit=2&continue=" + tok)
        self.assertEqual([i["metadata"]["name"] for i in p2["items"]], ["p2", "p3"])
        self.assertEqual(p2["items"][0]["status"]["phase"], "Running")
        self.assertEqual(p2["metadata"]["resourceVersion"], p1["metadata"]["resourceVersion"])
        status, p3, _ = self.get_json("/api/v1/namespaces/paging/pods?limit=2&continue=" + p2["metadata"]["continue"])
        self.assertEqual([i["metadata"]["name"] for i in p3["items"]], ["p4"])
        self.assertNotIn("continue", p3["metadata"])
        # once history is compacted past the token's RV the server answers 410 Expired
        self.emu.compact()
        status, st, _ = self.get_json("/api/v1/namespaces/paging/pods?limit=2&continue=" + p2["metadata"]["continue"])
        self.assertEqual((status, st["reason"], st["code"]), (410, "Expired", 410))
        self.assertIn("continue", st["metadata"])
        self.assertTrue(st["message"].startswith("The provided continue parameter is too old"))
        # resourceVersion=0 is served from the watch cache, which ignores limit
        _, full, _ = self.get_json("/api/v1/namespaces/paging/pods?limit=2&resourceVersion=0")
        self.assertEqual(len(full["items"]), 4)
        self.assertNotIn("continue", full["metadata"])

    def test_discovery_and_version(self):
        _, v, r = self.get_json("/version")
        self.assertEqual((v["major"], v["minor"], v["gitVersion"]), ("1", "36", "v1.36.1"))
        _, apis, _ = self.get_json("/api")
        self.assertEqual(apis["versions"], ["v1"])
        _, rl, _ = self.get_json("/api/v1")
        names = {x["name"] for x in rl["resources"]}
        self.assertTrue({"nodes", "nodes/proxy", "pods", "namespaces", "services/proxy"} <= names)
        _, groups, _ = self.get_json("/apis")
        self.assertIn("apps", [g["name"] for g in groups["groups"]])

    def test_unsupported_media_and_methods(self):
        r = self.api.get("/api/v1/nodes", headers={"Accept": "application/vnd.kubernetes.protobuf"})
        self.assertEqual((r.status, r.json()["reason"]), (406, "NotAcceptable"))
        r = self.api.request("DELETE", "/api/v1/nodes/kind-worker")
        self.assertEqual((r.status, r.json()["reason"]), (405, "MethodNotAllowed"))


class TestCustomResources(EmulatorCase):
    PATH = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"

    def test_applications_404_until_crd_established(self):
        status, st, _ = self.get_json(self.PATH)
        self.assertEqual(st, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": "the server could not find the requested resource", "reason": "NotFound",
                              "details": {}, "code": 404})
        self.emu.apply(crd("applications.argoproj.io", established=False))
        self.assertEqual(self.api.get(self.PATH).status, 404)
        self.assertNotIn("argoproj.io", [g["name"] for g in self.get_json("/apis")[1]["groups"]])
        self.emu.apply(crd("applications.argoproj.io", established=True))
        status, lst, _ = self.get_json(self.PATH)
        self.assertEqual((status, lst["kind"], lst["items"]), (200, "ApplicationList", []))
        self.assertIn("argoproj.io", [g["name"] for g in self.get_json("/apis")[1]["groups"]])
        self.emu.apply(application("argocd", "root", sync="OutOfSync", health="Progressing",
                                   operation_phase="Running", operation=True))
        _, lst, _ = self.get_json(self.PATH)
        item = lst["items"][0]
        # unstructured objects keep apiVersion/kind in lists and have sorted keys
        self.assertEqual((item["apiVersion"], item["kind"]), ("argoproj.io/v1alpha1", "Application"))
        self.assertEqual(list(item), sorted(item))
        self.assertEqual(item["status"]["sync"]["status"], "OutOfSync")
        self.assertIn("operation", item)
        self.assertNotIn("finishedAt", item["status"]["operationState"])
        # deleting the CRD deletes its objects and the endpoint
        self.emu.delete("CustomResourceDefinition", None, "applications.argoproj.io")
        self.assertEqual(self.api.get(self.PATH).status, 404)

    def test_crd_without_status_is_established_by_the_server(self):
        stored = self.emu.apply(crd("externalsecrets.external-secrets.io", established=None, versions=("v1",)))
        self.assertNotIn("status", stored)
        got = self.get_json("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                            "externalsecrets.external-secrets.io")[1]
        self.assertEqual([c["type"] for c in got["status"]["conditions"]], ["NamesAccepted", "Established"])
        self.assertEqual(self.api.get("/apis/external-secrets.io/v1/externalsecrets").status, 200)


class TestWatch(EmulatorCase):
    def list_rv(self, path):
        return self.get_json(path)[1]["metadata"]["resourceVersion"]

    def test_watch_sees_scheduled_add_modify_delete(self):
        rv = self.list_rv("/api/v1/namespaces/w1/pods")
        self.emu.schedule(0.2, [{"op": "apply", "object": pod("w1", "a", phase="Pending", node_name=None)},
                                {"op": "apply", "object": pod("w1", "a", phase="Running")},
                                {"op": "delete", "kind": "Pod", "namespace": "w1", "name": "a"}])
        w = self.api.watch("/api/v1/namespaces/w1/pods?watch=1&resourceVersion=%s&timeoutSeconds=5" % rv)
        self.assertEqual(w.status, 200)
        self.assertEqual(dict((k.lower(), v) for k, v in w.headers)["transfer-encoding"], "chunked")
        evs = list(w.events(limit=3, deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual([e["type"] for e in evs], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(evs[0]["object"]["kind"], "Pod")
        self.assertEqual([e["object"]["status"]["phase"] for e in evs], ["Pending", "Running", "Running"])
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
        self.assertEqual(rvs, sorted(rvs))
        self.assertGreater(rvs[0], int(rv))
        self.assertEqual(len(set(rvs)), 3)

    def test_watch_from_zero_starts_with_synthetic_added_and_ends_at_timeout(self):
        self.emu.clear_requests()
        w = self.api.watch("/api/v1/nodes?watch=true&resourceVersion=0&timeoutSeconds=1")
        t0 = time.monotonic()
        evs = list(w.events(deadline=t0 + 5))
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "kind-control-plane"), ("ADDED", "kind-worker"), ("ADDED", "kind-worker2")])
        self.assertTrue(w.complete)          # clean end: terminating chunk, no ERROR event
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        w.close()
        # the request log tells a watch from polling
        e = self.emu.wait_for_request(lambda e: e["watch"] and not e["in_progress"])
        self.assertEqual((e["verb"], e["status"], e["end_reason"], e["event_types"]),
                         ("watch", 200, "timeout", {"ADDED": 3}))

    def test_bookmarks(self):
        rv = self.list_rv("/api/v1/nodes")
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=2" % rv)
        evs = list(w.events(limit=1, deadline=time.monotonic() + 3))
        w.close()
        self.assertEqual([e["type"] for e in evs], ["BOOKMARK"])
        obj = evs[0]["object"]
        self.assertEqual((obj["kind"], obj["apiVersion"]), ("Node", "v1"))
        self.assertNotIn("name", obj["metadata"])
        self.assertEqual(set(k for k, v in obj["metadata"].items() if v is not None), {"resourceVersion"})
        self.assertGreaterEqual(int(obj["metadata"]["resourceVersion"]), int(rv))
        # without allowWatchBookmarks no bookmark comes
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=%s&timeoutSeconds=1" % rv)
        self.assertEqual(list(w.events(deadline=time.monotonic() + 3)), [])
        self.assertTrue(w.complete)
        w.close()

    def test_stale_resource_version_gets_in_band_410(self):
        rv = self.list_rv("/api/v1/namespaces")
        self.emu.apply(H.namespace("stale-test"))
        self.emu.compact()
        w = self.api.watch("/api/v1/namespaces?watch=1&resourceVersion=%s" % rv)
        self.assertEqual(w.status, 200)      # errors arrive in-band once the watch is established
        evs = list(w.events(deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual(len(evs), 1)
        self.assertEqual(evs[0]["type"], "ERROR")
        st = evs[0]["object"]
        self.assertEqual((st["kind"], st["status"], st["reason"], st["code"]), ("Status", "Failure", "Expired", 410))
        self.assertRegex(st["message"], r"^too old resource version: %s \(\d+\)$" % rv)
        self.assertTrue(w.complete)

    def test_node_turns_ready_after_scheduled_patches(self):
        self.emu.apply(node("late-worker", ready=False))
        rv = self.list_rv("/api/v1/nodes")
        ready = node("late-worker", ready=True)
        self.emu.schedule(0.2, [{"op": "patch_status", "kind": "Node", "name": "late-worker",
                                 "status": {"conditions": ready["status"]["conditions"]}},
                                {"op": "patch", "kind": "Node", "name": "late-worker", "patch": {"spec": {"taints": None}}}])
        w = self.api.watch("/api/v1/nodes?watch=1&fieldSelector=metadata.name%%3Dlate-worker&resourceVersion=%s"
                           "&timeoutSeconds=5" % rv)
        evs = list(w.events(limit=2, deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual([e["type"] for e in evs], ["MODIFIED", "MODIFIED"])
        cond = {c["type"]: c["status"] for c in evs[0]["object"]["status"]["conditions"]}
        self.assertEqual(cond["Ready"], "True")
        self.assertEqual(evs[0]["object"]["spec"]["taints"][0]["key"], "node.kubernetes.io/not-ready")
        self.assertNotIn("taints", evs[1]["object"]["spec"])
        self.emu.delete("Node", None, "late-worker")

    def test_generation_follows_spec_not_status(self):
        d = self.emu.apply(deployment("gen", "web", replicas=2, available=0))
        self.assertEqual(d["metadata"]["generation"], 1)
        self.assertNotIn("availableReplicas", d["status"])       # zero counters are omitted
        d = self.emu.patch("Deployment", "gen", "web", {"spec": {"replicas": 3}})
        self.assertEqual((d["metadata"]["generation"], d["status"]["observedGeneration"]), (2, 1))
        d = self.emu.patch_status("Deployment", "gen", "web", {"observedGeneration": 2, "availableReplicas": 3})
        self.assertEqual((d["metadata"]["generation"], d["status"]["observedGeneration"]), (2, 2))
        again = self.emu.apply(self.get_json("/apis/apps/v1/namespaces/gen/deployments/web")[1])
        self.assertEqual(again["metadata"]["resourceVersion"], d["metadata"]["resourceVersion"])   # no-op

    def test_selector_watch_turns_leaving_objects_into_deleted(self):
        self.emu.apply(pod("sel", "s", labels={"tier": "web"}))
        rv = self.list_rv("/api/v1/namespaces/sel/pods")
        w = self.api.watch("/api/v1/namespaces/sel/pods?watch=1&labelSelector=tier%%3Dweb&resourceVersion=%s"
                           "&timeoutSeconds=5" % rv)
        self.emu.schedule(0.1, "apply", object=pod("sel", "s", labels={"tier": "db"}))
        evs = list(w.events(limit=1, deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual(evs[0]["type"], "DELETED")
        self.assertEqual(evs[0]["object"]["metadata"]["labels"], {"tier": "web"})    # the previous state

    def test_end_and_expire_current_watches(self):
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=20")
        list(w.events(limit=3, deadline=time.monotonic() + 5))
        self.emu.wait_for_watchers(1, "nodes")
        self.assertGreaterEqual(self.emu.end_watches("nodes"), 1)
        self.assertEqual(list(w.events(deadline=time.monotonic() + 5)), [])
        self.assertTrue(w.complete)
        w.close()
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=20")
        list(w.events(limit=3, deadline=time.monotonic() + 5))
        self.emu.wait_for_watchers(1, "nodes")
        self.emu.expire_watches("nodes")
        evs = list(w.events(deadline=time.monotonic() + 5))
        w.close()
        self.assertEqual([(e["type"], e["object"]["code"]) for e in evs], [("ERROR", 410)])



class TestFaults(EmulatorCase):
    def test_truncated_watch_is_cut_mid_line(self):
        self.emu.fault("truncate", path_prefix="/api/v1/nodes", after_events=1, times=1)
        data, err = raw_get(self.emu, "/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=5")
        head, chunks, complete, tail = parse_chunked(data)
        self.assertTrue(head.startswith("HTTP/1.1 200"))
        self.assertFalse(complete)
        self.assertEqual(len(chunks), 2)
        first = json.loads(chunks[0])
        self.assertEqual(first["type"], "ADDED")
        self.assertIsNone(chunks[1])                       # the second chunk was announced, not delivered
        self.assertTrue(tail.startswith(b'{"type":"ADDED"'))
        self.assertNotIn(b"\n", tail)
        with self.assertRaises(ValueError):
            json.loads(tail)
        self.assertEqual([(f["type"], f["remaining"], f["hits"]) for f in self.emu.faults()], [("truncate", 0, 1)])
        self.assertEqual(self.emu.requests_log()[-1]["end_reason"], "fault-truncate")

    def test_truncated_watch_clean_http_end(self):
        self.emu.fault("truncate", path_prefix="/api/v1/nodes", after_events=0, end="eof", times=1)
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=5")
        self.assertEqual(list(w.events(deadline=time.monotonic() + 5)), [])
        self.assertTrue(w.complete)
        self.assertTrue(w.leftover.startswith(b'{"type":"ADDED"'))
        w.close()

    def test_429_with_retry_after_then_recovery(self):
        self.emu.fault("status", code=429, retry_after=3, times=2, path_prefix="/api/v1/nodes")
        for _ in range(2):
            status, st, r = self.get_json("/api/v1/nodes")
            self.assertEqual(status, 429)
            self.assertEqual(r.header("Retry-After"), "3")
            self.assertEqual((st["reason"], st["details"], st["code"]),
                             ("TooManyRequests", {"retryAfterSeconds": 3}, 429))
        self.assertEqual(self.api.get("/api/v1/nodes").status, 200)
        self.assertEqual(self.api.get("/api/v1/namespaces").status, 200)

    def test_5xx_skip_and_method_filters(self):
        self.emu.fault("status", code=503, skip=1, times=1, path_prefix="/api/v1/namespaces")
        codes = [self.api.get("/api/v1/namespaces").status for _ in range(3)]
        self.assertEqual(codes, [200, 503, 200])
        self.emu.fault("status", code=500, times=1, watch=True)
        self.assertEqual(self.api.get("/api/v1/namespaces").status, 200)
        r = self.api.get("/api/v1/namespaces?watch=1&timeoutSeconds=1")
        self.assertEqual((r.status, r.json()["reason"]), (500, "InternalError"))

    def test_close_without_response(self):
        self.emu.fault("close", times=1, path_prefix="/api/v1/nodes")
        rc, out, err = curl("--cacert", PKI.ca_cert, "-H", "Authorization: Bearer " + TOKEN,
                            self.emu.url + "/api/v1/nodes")
        self.assertEqual(rc, 52, err)            # curl: empty reply from server
        self.assertEqual(self.emu.requests_log()[-1]["end_reason"], "fault-close")

    def test_reset_mid_body(self):
        self.emu.fault("reset", times=1, path_prefix="/api/v1/nodes", after_bytes=100)
        rc, out, err = curl("--cacert", PKI.ca_cert, "-H", "Authorization: Bearer " + TOKEN,
                            self.emu.url + "/api/v1/nodes")
        self.assertEqual(rc, 56, err)            # curl: recv failure, connection reset by peer
        self.assertIn("reset", err.lower())
        e = self.emu.requests_log()[-1]
        self.assertEqual((e["status"], e["bytes"], e["end_reason"]), (200, 100, "fault-reset"))
        self.assertEqual(self.api.get("/api/v1/nodes").status, 200)

    def test_reset_watch_after_events(self):
        self.emu.fault("reset", path_prefix="/api/v1/nodes", after_events=2, times=1)
        rc, out, err = curl("--cacert", PKI.ca_cert, "-H", "Authorization: Bearer " + TOKEN,
                            self.emu.url + "/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=5")
        self.assertEqual(rc, 56, err)
        lines = out.split(b"\n")
        self.assertEqual([json.loads(x)["type"] for x in lines[:2]], ["ADDED", "ADDED"])
        self.assertTrue(lines[2].startswith(b'{"type":"ADDED"'))     # third event cut short
        with self.assertRaises(ValueError):
            json.loads(lines[2])

    def test_delay(self):
        self.emu.fault("delay", seconds=0.5, times=1, path_prefix="/api/v1/namespaces/kube-system")
        t0 = time.monotonic()
        self.assertEqual(self.api.get("/api/v1/namespaces/kube-system").status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)

    def test_outage_then_recovery(self):
        w = self.api.watch("/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=20")
        list(w.events(limit=3, deadline=time.monotonic() + 5))
        self.emu.outage(0.6)
        list(w.events(deadline=time.monotonic() + 5))
        self.assertFalse(w.complete)             # dropped, not a clean end
        w.close()
        time.sleep(0.2)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.emu.port), timeout=2).close()
        self.emu.wait_for(lambda: port_open(self.emu.port), timeout=5, what="listening again")
        self.assertEqual(self.api.get("/api/v1/nodes").status, 200)


class TestProxy(EmulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seen = cls.seen = []

        class Exporter(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_PUT(self):  # a write Vault answers 204: headers only
                seen.append((self.path, self.headers.get("Authorization")))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()

            def do_GET(self):
                seen.append((self.path, self.headers.get("Authorization")))
                body = b"# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.42\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        cls.exporter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
        threading.Thread(target=cls.exporter.serve_forever, daemon=True).start()
        cls.exporter_url = "http://127.0.0.1:%d" % cls.exporter.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.exporter.shutdown()
        cls.exporter.server_close()
        super().tearDownClass()

    def test_node_proxy_forwards(self):
        self.emu.proxy_node("kind-worker", 9100, self.exporter_url)
        r = self.api.get("/api/v1/nodes/kind-worker:9100/proxy/metrics?x=1", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status, 200)
        self.assertIn(b"node_load1 0.42", r.body)
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        self.assertEqual(self.seen[-1], ("/metrics?x=1", None))      # credentials are not forwarded
        r = self.api.get("/api/v1/nodes/kind-worker2:9100/proxy/metrics")
        self.assertEqual((r.status, r.json()["reason"]), (503, "ServiceUnavailable"))
        self.assertIn("dial tcp 172.18.0.4:9100", r.json()["message"])
        r = self.api.get("/api/v1/nodes/ghost:9100/proxy/metrics")
        self.assertEqual((r.status, r.json()["message"]), (404, 'nodes "ghost" not found'))

    def test_service_proxy_forwards(self):
        self.emu.proxy_service("vault", "vault", "8200", self.exporter_url)
        r = self.api.get("/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1/sys/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.seen[-1][0], "/v1/sys/health")
        r = self.api.get("/api/v1/namespaces/vault/services/nope:8200/proxy/")
        self.assertEqual(r.status, 404)

    def test_service_proxy_204_keeps_the_connection_usable(self):
        # A 204 ends with its headers: framing it chunked left "0" on the connection, which the
        # next answer's reader then took for its status line (curl: "Received HTTP/0.9").
        self.emu.proxy_service("vault", "vault", "8200", self.exporter_url)
        base = "/api/v1/namespaces/vault/services/vault:8200/proxy"
        conn = self.api.connect()
        try:
            conn.request("PUT", base + "/v1/sys/audit/x", body=b"{}", headers={"Authorization": "Bearer " + TOKEN})
            r = conn.getresponse()
            self.assertEqual((r.status, r.getheader("Transfer-Encoding"), r.read()), (204, None, b""))
            conn.request("GET", base + "/v1/sys/health", headers={"Authorization": "Bearer " + TOKEN})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertIn(b"node_load1", r.read())
        finally:
            conn.close()

class TestStartup(unittest.TestCase):
    def test_listen_delay_refuses_then_serves_plain_http(self):
        with Emulator(listen_delay=0.6, fixtures=[node("n1")]) as emu:
            self.assertEqual(emu.scheme, "http")
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", emu.port), timeout=2).close()
            emu.wait_for(lambda: port_open(emu.port), timeout=5, what="listening")
            r = emu.client().get("/api/v1/nodes/n1")
            self.assertEqual((r.status, r.json()["metadata"]["name"]), (200, "n1"))
            t0 = time.monotonic()
        self.assertLess(time.monotonic() - t0, 3)      # SIGTERM ends it quickly
        self.assertEqual(emu.proc.returncode, 0)

    def test_watch_window_and_cli_faults(self):
        with Emulator(pki=PKI, watch_window=3, faults=[{"type": "status", "code": 503, "times": 1}]) as emu:
            api = emu.client()
            self.assertEqual(api.get("/api/v1/configmaps").status, 503)
            rv0 = api.get("/api/v1/configmaps").json()["metadata"]["resourceVersion"]
            for i in range(5):
                emu.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c%d" % i}, "data": {}})
            w = api.watch("/api/v1/configmaps?watch=1&resourceVersion=%s" % rv0)
            evs = list(w.events(deadline=time.monotonic() + 5))
            w.close()
            self.assertEqual([(e["type"], e["object"]["code"]) for e in evs], [("ERROR", 410)])
            w = api.watch("/api/v1/configmaps?watch=1&resourceVersion=%d&timeoutSeconds=5" % (int(rv0) + 2))
            names = [e["object"]["metadata"]["name"] for e in w.events(limit=3, deadline=time.monotonic() + 5)]
            w.close()
            self.assertEqual(names, ["c2", "c3", "c4"])

    def test_kubeconfig_inline_and_paths(self):
        d = tempfile.mkdtemp(dir=TMP.name)
        p = H.write_kubeconfig(os.path.join(d, "kc"), "https://127.0.0.1:1234", ca=PKI.ca_cert,
                               client_cert=PKI.client_cert, client_key=PKI.client_key)
        self.assertEqual(os.stat(p).st_mode & 0o777, 0o600)
        text = read(p)
        m = re.search(r"certificate-authority-data: (\S+)", text)
        self.assertEqual(base64.b64decode(m.group(1)), read(PKI.ca_cert, "rb"))
        self.assertIn("current-context: kind-kind", text)
        p = H.write_kubeconfig(os.path.join(d, "kc2"), "https://127.0.0.1:1234", ca=PKI.ca_cert, inline=False,
                               token="t", name="kind-dev")
        text = read(p)
        self.assertIn("certificate-authority: " + PKI.ca_cert, text)
        self.assertIn("    token: t", text)

    def test_fixture_file_matches_builders(self):
        path = os.path.join(EMU_DIR, "fixtures", "kind-cluster-2-workers.json")
        with open(path) as f:
            data = json.load(f)
        self.assertEqual(data["items"], kind_cluster(workers=2, ready=True, created="2026-01-01T00:00:00Z"))


@unittest.skipUnless(shutil.which("kubectl"), "kubectl not installed")
class TestKubectlCompat(EmulatorCase):
    """kubectl, a real client-go program, must be able to use the emulator."""

    def kubectl(self, *args):
        home = tempfile.mkdtemp(dir=TMP.name)
        kc = self.emu.kubeconfig(os.path.join(home, "config"))
        env = dict(os.environ, KUBECONFIG=kc, HOME=home)
        r = subprocess.run(["kubectl", "--request-timeout=5s"] + list(args), capture_output=True, text=True,
                           env=env, timeout=20)
        return r.returncode, r.stdout, r.stderr

    def test_kubectl_get(self):
        rc, out, err = self.kubectl("get", "nodes", "-o", "name")
        self.assertEqual((rc, out.split()), (0, ["node/kind-control-plane", "node/kind-worker", "node/kind-worker2"]),
                         err)
        self.emu.apply(crd())
        self.emu.apply(application("argocd", "root", health="Degraded"))
        rc, out, err = self.kubectl("get", "applications", "-n", "argocd", "-o", "jsonpath={.items[0].status.health.status}")
        self.assertEqual((rc, out), (0, "Degraded"), err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
