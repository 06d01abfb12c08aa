# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""NetworkPolicies of every namespace (k8s/baseline, with the rules of argocd/root): default deny in
both directions, DNS, and each flow the platform needs, allowed on both ends (the egress of the
client and the ingress of the server), with the run-time addresses from the root parameters."""
import os
import re
import unittest

import platformtest as pt

CONTROL_PLANE = ["192.0.2.10/32"]
NODES = ["192.0.2.0/24"]


def selector_matches(selector, labels):
    """Does a matchLabels selector ({} = everything) select pods with these labels?"""
    return all(labels.get(k) == v for k, v in (selector or {}).items())


class Policies:
    def __init__(self, params=None):
        params = dict(params or {})
        params.setdefault("network.controlPlaneCIDRs", CONTROL_PLANE)
        params.setdefault("network.nodeCIDRs", NODES)
        self.apps = pt.applications(params)
        texts = []
        for app in self.apps.values():
            for source, text in pt.render_local_sources(app):
                if source["path"] == "k8s/baseline":
                    texts.append(text)
        self.by_namespace = {}
        for doc in pt.documents("\n---\n".join(texts)):
            if doc["kind"] == "NetworkPolicy":
                self.by_namespace.setdefault(doc["metadata"]["namespace"], []).append(doc)

    def rules(self, namespace, direction):
        """(pod selector, peers, ports) of every rule of a direction in a namespace."""
        out = []
        for p in self.by_namespace.get(namespace, []):
            if direction not in p["spec"].get("policyTypes", []):
                continue
            for rule in p["spec"].get(direction.lower(), []) or []:
                peers = rule.get("from" if direction == "Ingress" else "to", [])
                ports = {(x.get("protocol", "TCP"), x["port"]) for x in rule.get("ports", [])}
                out.append((pt.dig(p, "spec.podSelector.matchLabels") or {}, peers, ports))
        return out

    def allows(self, namespace, direction, pod_labels, peer_namespace=None, peer_labels=None, cidr=None, port=None,
               protocol="TCP"):
        """Is there a rule in `namespace` letting pods with pod_labels talk (direction) with the peer on port?"""
        for selector, peers, ports in self.rules(namespace, direction):
            if not selector_matches(selector, pod_labels):
                continue
            if ports and (protocol, port) not in ports:
                continue
            for peer in peers:
                if cidr is not None and pt.dig(peer, "ipBlock.cidr") == cidr:
                    return True
                if peer_namespace is None:
                    continue
                if "ipBlock" in peer and peer["ipBlock"]["cidr"] in ("0.0.0.0/0",):
                    return True
                ns_sel = pt.dig(peer, "namespaceSelector.matchLabels")
                if ns_sel is None and "podSelector" in peer and peer_namespace == namespace:
                    ns_sel = {}
                if ns_sel is None or not selector_matches(ns_sel, {"kubernetes.io/metadata.name": peer_namespace}):
                    continue
                if selector_matches(pt.dig(peer, "podSelector.matchLabels"), peer_labels or {}):
                    return True
        return False

    def flow(self, client_ns, client_labels, server_ns, server_labels, port):
        return (self.allows(client_ns, "Egress", client_labels, server_ns, server_labels, port=port),
                self.allows(server_ns, "Ingress", server_labels, client_ns, client_labels, port=port))


class NetworkPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Policies()

    def test_every_namespace_denies_by_default_and_allows_dns_and_its_own_pods(self):
        namespaces = {a["spec"]["destination"]["namespace"] for a in self.p.apps.values()}
        self.assertEqual(set(self.p.by_namespace), namespaces)
        for ns, policies in self.p.by_namespace.items():
            with self.subTest(namespace=ns):
                names = {p["metadata"]["name"]: p for p in policies}
                deny = names["default-deny"]["spec"]
                self.assertEqual((deny["podSelector"], sorted(deny["policyTypes"])), ({}, ["Egress", "Ingress"]))
                self.assertNotIn("ingress", deny)
                self.assertNotIn("egress", deny)
                self.assertTrue(self.p.allows(ns, "Egress", {"any": "pod"}, "kube-system", {"k8s-app": "kube-dns"},
                                              port=53, protocol="UDP"))
                self.assertTrue(self.p.allows(ns, "Egress", {"a": "b"}, ns, {"c": "d"}, port=1234))
                self.assertTrue(self.p.allows(ns, "Ingress", {"a": "b"}, ns, {"c": "d"}, port=1234))
                self.assertFalse(self.p.allows(ns, "Ingress", {"a": "b"}, "elsewhere", {"c": "d"}, port=1234),
                                 "an unrelated namespace gets in")

    def test_the_platform_flows_are_allowed_on_both_ends(self):
        repo = {"app.kubernetes.io/name": "argocd-repo-server"}
        server = {"app.kubernetes.io/name": "argocd-server"}
        nic = {"app.kubernetes.io/name": "nginx-ingress"}
        eso = {"app.kubernetes.io/name": "external-secrets"}
        vault = {"app.kubernetes.io/name": "vault"}
        prom = {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server"}
        oc = {"app.kubernetes.io/name": "opencost"}
        flows = [
            ("argocd", repo, "git-server", {"app.kubernetes.io/name": "git-server"}, 9418),
            ("nginx-ingress", nic, "argocd", server, 8080),
            ("nginx-ingress", nic, "opencost", oc, 9090),
            ("nginx-ingress", nic, "prometheus", prom, 9090),
            ("nginx-ingress", nic, "vault", vault, 8200),
            ("external-secrets", eso, "vault", vault, 8200),
            ("prometheus", prom, "opencost", oc, 9003),
            ("opencost", oc, "prometheus", prom, 9090),
        ]
        for flow in flows:
            with self.subTest(flow=flow):
                self.assertEqual(self.p.flow(*flow), (True, True))
        # And nothing broader than asked: the git server takes no one but the repo-server.
        self.assertEqual(self.p.flow("argocd", server, "git-server", {"app.kubernetes.io/name": "git-server"}, 9418),
                         (False, False))
        self.assertFalse(self.p.allows("vault", "Ingress", vault, "demo", {"app": "x"}, port=8200))

    def test_every_cross_namespace_egress_has_a_matching_ingress(self):
        for ns in self.p.by_namespace:
            for selector, peers, ports in self.p.rules(ns, "Egress"):
                for peer in peers:
                    target = (pt.dig(peer, "namespaceSelector.matchLabels") or {}).get("kubernetes.io/metadata.name")
                    if not target or target in (ns, "kube-system"):
                        continue
                    for _, port in ports:
                        with self.subTest(source=ns, target=target, port=port):
                            self.assertTrue(self.p.allows(target, "Ingress", pt.dig(peer, "podSelector.matchLabels") or {},
                                                          ns, selector, port=port))

    def test_api_server_egress_uses_the_control_plane_and_service_addresses(self):
        needs_api = {"argocd", "metallb-system", "nginx-ingress", "external-secrets", "vault", "prometheus", "opencost"}
        for ns in self.p.by_namespace:
            with self.subTest(namespace=ns):
                api = self.p.allows(ns, "Egress", {"x": "y"}, cidr=CONTROL_PLANE[0], port=6443)
                svc = self.p.allows(ns, "Egress", {"x": "y"}, cidr="10.96.0.1/32", port=443)
                self.assertEqual((api, svc), (ns in needs_api, ns in needs_api))

    def test_vault_seed_reaches_vault_from_the_control_plane_address_given(self):
        self.assertTrue(self.p.allows("vault", "Ingress", {"app.kubernetes.io/name": "vault"}, cidr=CONTROL_PLANE[0], port=8200))
        other = Policies({"network.controlPlaneCIDRs": ["198.51.100.7/32"]})
        self.assertTrue(other.allows("vault", "Ingress", {"app.kubernetes.io/name": "vault"}, cidr="198.51.100.7/32", port=8200))
        self.assertFalse(other.allows("vault", "Ingress", {"app.kubernetes.io/name": "vault"}, cidr=CONTROL_PLANE[0], port=8200))

    def test_prometheus_scrapes_node_exporter_and_kubelets_on_the_node_addresses(self):
        prom = {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server"}
        for port in (9100, 10250):
            self.assertTrue(self.p.allows("prometheus", "Egress", prom, cidr=NODES[0], port=port))
        self.assertFalse(self.p.allows("prometheus", "Egress", {"app.kubernetes.io/name": "kube-state-metrics"},
                                       cidr=NODES[0], port=9100))

    def test_the_ingress_controller_and_webhooks_accept_any_source_on_their_ports_only(self):
        for ns, port in (("nginx-ingress", 443), ("nginx-ingress", 80), ("metallb-system", 9443), ("external-secrets", 10250)):
            self.assertTrue(self.p.allows(ns, "Ingress", {"any": "pod"}, cidr="0.0.0.0/0", port=port), (ns, port))
        self.assertFalse(self.p.allows("nginx-ingress", "Ingress", {"any": "pod"}, cidr="0.0.0.0/0", port=8080))


class SmokeCheckDenialTarget(unittest.TestCase):
    """make infra-up's smoke check proves a NetworkPolicy denies the API server's connection to
    the target scripts/infra-up.sh names (kind-wait --expect-denied): that target must exist in
    the tree and no rule may admit an address from outside its namespace, or the check would
    fail on every real cluster (docs/infra-up.md, "The smoke check")."""

    def test_the_probed_service_exists_and_no_ip_block_admits_its_pods(self):
        with open(os.path.join(str(pt.SOURCE), "scripts", "infra-up.sh")) as f:
            found = re.findall(r"--expect-denied service/([a-z0-9-]+)/([a-z0-9-]+):([0-9]+)", f.read())
        self.assertEqual(len(found), 1, found)
        ns, name, port = found[0]
        p = Policies()
        services = []
        pods = []
        for app in p.apps.values():
            if app["spec"]["destination"]["namespace"] != ns:
                continue
            for _source, text in pt.render_local_sources(app):
                for doc in pt.documents(text):
                    if doc["kind"] == "Service" and doc["metadata"]["name"] == name:
                        services.append(doc)
                    if doc["kind"] in ("Deployment", "StatefulSet"):
                        pods.append(pt.dig(doc, "spec.template.metadata.labels") or {})
        self.assertEqual(len(services), 1, "no Service %s/%s in the tree" % (ns, name))
        svc = services[0]
        self.assertIn(int(port), [x["port"] for x in svc["spec"]["ports"]])
        selected = [labels for labels in pods if selector_matches(svc["spec"]["selector"], labels)]
        self.assertTrue(selected, "the Service selects no pod of the tree")
        for labels in selected:
            for selector, peers, ports in p.rules(ns, "Ingress"):
                if not selector_matches(selector, labels):
                    continue
                for peer in peers:
                    self.assertNotIn("ipBlock", peer, "an ipBlock admits %s (%s): the API server would connect" % (
                        labels, peer))
                    self.assertNotIn("namespaceSelector", peer, "another namespace reaches %s" % labels)
            for cidr in CONTROL_PLANE + NODES + ["0.0.0.0/0"]:
                self.assertFalse(p.allows(ns, "Ingress", labels, cidr=cidr, port=int(port)), cidr)


if __name__ == "__main__":
    unittest.main()
