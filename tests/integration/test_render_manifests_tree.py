"""The project's own tree passes render-manifests: lint is clean on whichever of argocd/, k8s/,
vault/, opencost/ and bootstrap/ exist, their images and charts are all readable and pinned, and
the bootstrap templates render with a laptop's and an air gap's values into files that lint
clean too. This test fails until the tree is clean: that is its job. Python 3 stdlib only."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
ROOTS = ["argocd", "k8s", "vault", "opencost", "bootstrap"]
VALUES = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "values")


def present():
    return [r for r in ROOTS if os.path.isdir(os.path.join(sftest.SOURCE_DIR, r))]


def run_in_tree(*args):
    return subprocess.run([RM, *args], cwd=sftest.SOURCE_DIR, capture_output=True, text=True, timeout=120)


class ProjectTree(unittest.TestCase):
    def test_the_tree_lints_clean(self):
        roots = present()
        self.assertIn("bootstrap", roots)  # render-manifests' own templates are always there
        r = run_in_tree("lint", *roots)
        self.assertEqual(r.returncode, 0, "render-manifests lint " + " ".join(roots) + ":\n" + r.stdout + r.stderr)

    def test_every_image_and_chart_is_readable_and_pinned(self):
        for what in ("images", "charts"):
            r = run_in_tree(what, *present())
            self.assertEqual(r.returncode, 0, r.stderr)
            for row in sftest.json_lines(r.stdout):
                self.assertTrue(row.get("pinned"), row)

    def test_rendered_bootstrap_lints_clean(self):
        out = tempfile.mkdtemp(prefix="rm-tree-")
        try:
            for template_set in ("cluster", "platform"):
                for values in ("laptop.yaml", "air-gap.yaml"):
                    target = os.path.join(out, template_set + "-" + values)
                    r = run_in_tree("render", "bootstrap/" + template_set, "-f",
                                    os.path.join(VALUES, template_set + "-" + values), "-o", target)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    lint = run_in_tree("lint", target)
                    self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
