"""render-manifests lint from the command line: the per-rule fixtures (bad ones fail with
file:line: rule: message, good ones pass), secrets made at test time by openssl and Python's
secrets module found without being printed, stdin, --domain, --list-rules. Python 3 stdlib only."""
import glob
import os
import re
import secrets
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
LINT = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "lint")
FINDING = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<rule>[a-z0-9-]+): (?P<message>.+)$")


class Lint(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rm-lint-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def rules(self):
        r = sftest.run([RM, "lint", "--list-rules"])
        self.assertEqual(r.returncode, 0)
        return [line.split()[0] for line in r.stdout.splitlines()]

    def test_good_fixtures_are_clean(self):
        r = sftest.run([RM, "lint", *sorted(glob.glob(os.path.join(LINT, "*.good.yaml")))])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout, "")
        self.assertIn("no findings", r.stderr)

    def test_bad_fixtures_fail_with_one_line_per_finding(self):
        r = sftest.run([RM, "lint", LINT])
        self.assertEqual(r.returncode, 1)
        seen = set()
        for line in r.stdout.splitlines():
            m = FINDING.match(line)
            self.assertIsNotNone(m, line)
            self.assertTrue(m["file"].endswith(".bad.yaml"), line)
            self.assertTrue(os.path.basename(m["file"]).startswith(m["rule"]) or m["rule"] in ("lint-allow", "unpinned-image"),
                            line)
            seen.add(m["rule"])
        self.assertEqual(seen, set(self.rules()) - {"secret-literal"})
        self.assertRegex(r.stderr, r"\d+ findings in \d+ files")

    def test_stdin(self):
        with open(os.path.join(LINT, "resources.bad.yaml")) as f:
            r = sftest.run([RM, "lint", "-"], input=f.read())
        self.assertEqual(r.returncode, 1)
        self.assertEqual([l.split(": ")[0] for l in r.stdout.splitlines()], ["stdin:10", "stdin:13", "stdin:32"])

    def test_secrets_made_now_are_found_and_never_printed(self):
        openssl = sftest.require_program("openssl", "openssl")
        key_file = os.path.join(self.dir, "key.pem")
        k = sftest.run([openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key_file])
        self.assertEqual(k.returncode, 0, k.stderr)
        with open(key_file) as f:
            key = f.read()
        password = secrets.token_urlsafe(18) + "7"
        body = "".join("      " + line + "\n" for line in key.splitlines())
        values = os.path.join(self.dir, "values.yaml")
        with open(values, "w") as f:
            f.write("server:\n  adminPassword: " + password + "\n  tls:\n    key: |\n" + body +
                    "  existingSecret: vault-tls\n")
        r = sftest.run([RM, "lint", values])
        self.assertEqual(r.returncode, 1)
        self.assertEqual([l.split(": ")[0] for l in r.stdout.splitlines()], [f"{values}:2", f"{values}:5"])
        self.assertIn("'server.adminPassword' holds what looks like a literal credential", r.stdout)
        self.assertIn("a private key (PEM)", r.stdout)
        for secret in [password] + [line for line in key.splitlines() if "-----" not in line]:
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_domain(self):
        with open(os.path.join(LINT, "ingress-host.bad.yaml")) as f:
            text = f.read().replace("argocd.local ", "argocd.example.com ").replace("argocd.internal", "argocd.example.com")
        path = os.path.join(self.dir, "i.yaml")
        with open(path, "w") as f:
            f.write(text)
        self.assertEqual(sftest.run([RM, "lint", path]).returncode, 1)
        r = sftest.run([RM, "lint", "--domain", "example.com", path])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(sftest.run([RM, "lint", "--domain", "a b", path]).returncode, 2)

    def test_unreadable_input(self):
        r = sftest.run([RM, "lint", os.path.join(self.dir, "missing")])
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such file or folder", r.stderr)

    def test_list_rules(self):
        self.assertEqual(self.rules(), ["yaml", "duplicate-key", "unpinned-image", "invalid-image", "unpinned-chart",
                                        "invalid-chart", "secret-literal", "resources", "namespace-psa", "psa-level",
                                        "ingress-host", "eso-v1beta1", "ingress-nginx", "lint-allow"])


if __name__ == "__main__":
    unittest.main()
