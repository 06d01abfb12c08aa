"""vault/seed.yaml and the platform's External Secrets objects agree: every ExternalSecret and
ClusterSecretStore the tree makes (k8s/, argocd/, vault/, rendered with the real Helm as Argo
CD would: tests/integration/platform_render.py) is checked with `vault-seed check-manifests
--exact`: each remoteRef key and property is a secret and key of the spec, the store's role,
service account and audience are the spec's role's, the role's policies grant the reads, and
the spec holds nothing no ExternalSecret reads. Finding no ExternalSecret is a failure.

The self-test runs the same renderer and check on a small tree under tests/vault-seed/ and
shows that they find every object and catch a missing key, a wrong role and a wrong audience."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platform_render  # noqa: E402
import sftest  # noqa: E402
import tfsupport  # noqa: E402

FIXTURE = os.path.join(sftest.SOURCE_DIR, "tests", "vault-seed", "platform-tree")


def check(tree, spec=None):
    """Renders `tree` and runs check-manifests on everything; returns (rc, items, stderr, inputs)."""
    inputs, _apps = platform_render.render(tree, tfsupport.helm())
    work = tempfile.mkdtemp(prefix="agree-")
    try:
        files = []
        for i, (name, text) in enumerate(inputs):
            path = os.path.join(work, "%02d-%s.yaml" % (i, name.split(" ")[0].replace("/", "_")))
            with open(path, "w") as f:
                f.write("# rendered from %s\n%s" % (name, text))
            files.append(path)
        env = dict(os.environ, HOME=work)
        r = subprocess.run([sftest.binary("vault-seed"), "--spec", spec or os.path.join(tree, "vault", "seed.yaml"),
                            "-o", "jsonl", "check-manifests", "--exact", *files],
                           capture_output=True, text=True, timeout=60, env=env)
        items = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        return r.returncode, items, r.stderr, inputs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def errors(items):
    return [i["detail"] for i in items if i["action"] == "error"]


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if old not in text:
        raise AssertionError("%r not in %s" % (old, path))
    with open(path, "w") as f:
        f.write(text.replace(old, new))


class SeedSpecAgreesTests(unittest.TestCase):
    def test_the_tree_and_vault_seed_yaml_agree(self):
        tree = sftest.SOURCE_DIR
        missing = [d for d in ("k8s", "argocd") if not os.path.isdir(os.path.join(tree, d))]
        self.assertEqual(missing, [], "the platform tree (%s) is not in this checkout, so its ExternalSecrets cannot "
                                      "be checked against vault/seed.yaml: this test needs the platform branch merged"
                         % ", ".join(d + "/" for d in missing))
        rc, items, stderr, inputs = check(tree)
        shown = "\n".join("%s %s: %s" % (i["action"], i["path"], i["detail"]) for i in items)
        self.assertEqual(rc, 0, "vault/seed.yaml and the tree disagree (%d inputs rendered):\n%s\n%s"
                         % (len(inputs), shown, stderr))
        kinds = [i["path"].split(" ")[0] for i in items if i["action"] == "agrees"]
        self.assertGreaterEqual(kinds.count("ExternalSecret"), 1, shown)
        self.assertGreaterEqual(kinds.count("ClusterSecretStore"), 1, shown)

    def test_self_test_on_the_fixture_tree(self):
        work = tempfile.mkdtemp(prefix="agree-fixture-")
        self.addCleanup(shutil.rmtree, work, True)
        tree = os.path.join(work, "tree")
        shutil.copytree(FIXTURE, tree)

        rc, items, stderr, inputs = check(tree)
        self.assertEqual(rc, 0, (items, stderr))
        names = [n for n, _ in inputs]
        self.assertIn("argocd/root (layer kind)", names)
        self.assertIn("argocd/root (layer metal)", names)
        self.assertIn("k8s/plain/externalsecret.yaml", names)
        self.assertFalse(any("prometheus" in n for n in names), "an upstream chart was rendered: %s" % names)
        agreed = sorted(i["path"] for i in items if i["action"] == "agrees")
        self.assertEqual(agreed, ["ClusterSecretStore vault", "ExternalSecret demo/demo-db",
                                  "ExternalSecret demo/demo-db-metal", "ExternalSecret demo/extra",
                                  "ExternalSecret demo/ingress-tls"])

        # A key the spec does not declare (the demo chart asks for one more).
        edit(os.path.join(tree, "argocd", "root", "values.yaml"), "keys: [username, password]",
             "keys: [username, password, database]")
        rc, items, _, _ = check(tree)
        self.assertEqual(rc, 1)
        self.assertTrue(any("remoteRef.property database is not a key of secret/apps/demo/db" in e
                            and "(demo/templates/externalsecret.yaml)" in e for e in errors(items)), errors(items))
        edit(os.path.join(tree, "argocd", "root", "values.yaml"), "keys: [username, password, database]",
             "keys: [username, password]")

        # A wrong role in the store.
        store_values = os.path.join(tree, "vault", "config", "values.yaml")
        edit(store_values, "role: external-secrets", "role: eso")
        rc, items, _, _ = check(tree)
        self.assertEqual(rc, 1)
        self.assertTrue(any("role eso is not a role of auth/kubernetes" in e for e in errors(items)), errors(items))
        edit(store_values, "role: eso", "role: external-secrets")

        # A wrong audience.
        edit(store_values, "audience: vault", "audience: https://kubernetes.default.svc")
        rc, items, _, _ = check(tree)
        self.assertEqual(rc, 1)
        self.assertTrue(any("lacks the role's audience \"vault\"" in e for e in errors(items)), errors(items))
        edit(store_values, "audience: https://kubernetes.default.svc", "audience: vault")

        # A secret of the spec that nothing reads (--exact): the baseline chart's ExternalSecret
        # exists only where the root enables it.
        edit(os.path.join(tree, "argocd", "root", "values.yaml"), "      tls:\n        enabled: true",
             "      tls:\n        enabled: false")
        rc, items, _, _ = check(tree)
        self.assertEqual(rc, 1)
        self.assertTrue(any("secret secret/platform/ingress-tls is read by no ExternalSecret" in e
                            for e in errors(items)), errors(items))

        # No ExternalSecret at all: loud, never agreement.
        empty = os.path.join(work, "empty")
        os.makedirs(os.path.join(empty, "k8s"))
        os.makedirs(os.path.join(empty, "vault"))
        with open(os.path.join(empty, "k8s", "configmap.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: demo}\n")
        shutil.copy(os.path.join(FIXTURE, "vault", "seed.yaml"), os.path.join(empty, "vault", "seed.yaml"))
        shutil.copytree(os.path.join(FIXTURE, "vault", "policies"), os.path.join(empty, "vault", "policies"))
        rc, items, _, _ = check(empty)
        self.assertEqual(rc, 1)
        self.assertTrue(any("found 0 ExternalSecrets and 0 secret stores" in e for e in errors(items)), errors(items))


if __name__ == "__main__":
    unittest.main(verbosity=2)
