# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""NGINX Ingress Controller values, validated offline. The chart's values.schema.json (2.6.4)
refers to remote Kubernetes schemas, so the Application skips Helm's schema check
(helm.skipSchemaValidation); this test checks the same values instead: the component's
values.yaml merged with each layer's values (as Argo CD merges valueFiles and valuesObject)
against the chart's schema made local (data/nginx-ingress-2.6.4.values.schema.json, made by
extract-values-schema.mjs), the Kubernetes parts with the kubernetes-models validators."""
import json
import unittest

import platformtest as pt

SCHEMA = pt.HERE / "data" / "nginx-ingress-2.6.4.values.schema.json"


def merge(base, override):
    out = dict(base)
    for k, v in override.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def validate(values):
    return pt.run([pt.node(), str(pt.HERE / "validate-values.mjs"), str(SCHEMA), "-"], input=json.dumps(values), check=False)


class NginxIngressValues(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = pt.documents((pt.SOURCE / "k8s/system/nginx-ingress/values.yaml").read_text())[0]
        cls.layers = {}
        for layer, params in (("kind", {}), ("metal", {"layer": "metal", "git.repoURL": "https://g.example/x.git"})):
            app = pt.applications(params)["nginx-ingress"]
            source = next(s for s in app["spec"]["sources"] if s.get("chart") == "nginx-ingress")
            cls.layers[layer] = merge(cls.base, source["helm"].get("valuesObject", {}))

    def test_the_schema_is_the_pinned_charts_made_local(self):
        schema = json.loads(SCHEMA.read_text())
        self.assertIn("nginx-ingress 2.6.4", schema["$comment"])
        self.assertNotIn("raw.githubusercontent.com", SCHEMA.read_text())
        self.assertIn("x-k8s-definition", SCHEMA.read_text())

    def test_values_of_both_layers_are_valid(self):
        for layer, values in self.layers.items():
            with self.subTest(layer=layer):
                proc = validate(values)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_invalid_values_are_caught_by_the_chart_schema_and_the_kubernetes_definitions(self):
        values = json.loads(json.dumps(self.layers["kind"]))
        values["controller"]["kind"] = "replicaset"                          # chart enum
        values["controller"]["tolerations"][0]["effect"] = "Sometimes"       # io.k8s.api.core.v1.Toleration
        values["controller"]["resources"]["limits"]["memory"] = ["a", "list"]  # ResourceRequirements
        values["controller"]["ingresClass"] = {"name": "nginx"}             # misspelt key
        values["controller"]["service"]["type"] = 42                        # ServiceSpec/properties/type
        proc = validate(values)
        self.assertEqual(proc.returncode, 1)
        for needle in ("/controller/kind", "Toleration", "ResourceRequirements", "ingresClass", "ServiceSpec/properties/type"):
            self.assertIn(needle, proc.stdout)


if __name__ == "__main__":
    unittest.main()
