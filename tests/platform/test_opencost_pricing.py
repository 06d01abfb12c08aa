"""OpenCost gets opencost/pricing.json's prices as a file: the ConfigMap opencost-pricing (chart
opencost/pricing) holds default.json exactly as `price-calc pricing --emit json` makes it, and
opencost/values.yaml mounts it at the exporter's CONFIG_PATH, where OpenCost's loadConfig reads
default.json as hourly prices (opencost/README.md). The chart's customPricing ConfigMap path is
off, and no ConfigMap is named pricing-configs (the one OpenCost watches and divides by 730)."""
import json
import os
import unittest

import platformtest as pt

BIN = os.environ.get("SF_BIN_DIR", str(pt.SOURCE / "build" / "bin"))


class OpenCostPricing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = pt.applications()["opencost"]
        cls.values = pt.documents((pt.SOURCE / "opencost/values.yaml").read_text())[0]

    def test_generated_file_is_current(self):
        proc = pt.run([f"{BIN}/price-calc", "pricing", "--pricing", str(pt.SOURCE / "opencost/pricing.json"), "--emit", "json"])
        committed = (pt.SOURCE / "opencost/pricing/default.json").read_text()
        self.assertEqual(committed, proc.stdout, "opencost/pricing/default.json is stale: run `make opencost-pricing`")

    def test_prices_are_hourly_as_in_the_price_list(self):
        price_list = json.loads((pt.SOURCE / "opencost/pricing.json").read_text())
        generated = json.loads((pt.SOURCE / "opencost/pricing/default.json").read_text())
        for key in ("CPU", "RAM", "GPU", "spotCPU", "spotRAM", "storage"):
            self.assertEqual(float(generated[key]), float(price_list[key]), key)

    def test_the_opencost_application_deploys_the_configmap_with_that_file(self):
        paths = [s.get("path") for s in self.app["spec"]["sources"]]
        self.assertIn("opencost/pricing", paths)
        text = dict((s["path"], t) for s, t in pt.render_local_sources(self.app))["opencost/pricing"]
        cm = pt.documents(text)[0]
        self.assertEqual((cm["kind"], cm["metadata"]["name"], cm["metadata"]["namespace"]),
                         ("ConfigMap", "opencost-pricing", "opencost"))
        self.assertEqual(json.loads(cm["data"]["default.json"]),
                         json.loads((pt.SOURCE / "opencost/pricing/default.json").read_text()))

    def test_the_exporter_reads_it_at_config_path_and_the_watched_configmap_path_is_off(self):
        oc = self.values["opencost"]
        self.assertIs(oc["customPricing"]["enabled"], False)
        env = oc["exporter"]["extraEnv"]
        mount = next(m for m in oc["exporter"]["extraVolumeMounts"] if m["name"] == "pricing")
        volume = next(v for v in self.values["extraVolumes"] if v["name"] == "pricing")
        self.assertEqual(env["CONFIG_PATH"].rstrip("/"), mount["mountPath"])
        self.assertIs(mount["readOnly"], True)
        self.assertEqual(volume["configMap"]["name"], "opencost-pricing")
        self.assertEqual(env["USE_CUSTOM_PROVIDER"], "true")
        self.assertNotIn("PRICING_CONFIGMAP_NAME", env)

    def test_the_pricing_chart_refuses_the_watched_configmap_name(self):
        proc = pt.helm_template(pt.SOURCE / "opencost/pricing", "p", "opencost", values={"configMapName": "pricing-configs"},
                                check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("pricing-configs is the ConfigMap OpenCost watches", proc.stderr)


if __name__ == "__main__":
    unittest.main()
