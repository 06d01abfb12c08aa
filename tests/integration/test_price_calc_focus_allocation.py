"""FOCUS 1.0 of `price-calc --by ... --format focus`: the allocation rows as FOCUS records, with
the same conformance checks as the node records (test_price_calc_focus.py: columns, types,
allowed values, periods, cost identities), plus the Tags column: what price-calc derives
(namespace, workload, pod, node, idle) under its key prefix "sovereign-finops/", as FOCUS
requires for provider-defined tags, and the pods' own labels passed through unchanged."""
import csv
import io
import json
import math
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import test_price_calc_focus as node_focus  # noqa: E402
from test_price_calc_focus import CHARGE_CATEGORIES, CONDITIONAL_TYPES, MANDATORY, SERVICE_CATEGORIES  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
PRICING = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")
GIB = 1024 ** 3
PREFIX = "sovereign-finops/"
START, END = "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z"


def lines():
    out = [{"kind": "pod", "namespace": "shop", "name": "api-1", "node": "n1", "phase": "Running",
            "controller_kind": "Deployment", "controller": "api",
            "labels": {"app.kubernetes.io/name": "api", "cost-center": "CC-42, \"retail\""},
            "containers": [{"name": "app", "cpu_request_cores": 1, "memory_request_bytes": 2 * GIB}]},
           {"kind": "pod", "namespace": "shop", "name": "api-2", "node": "n1", "phase": "Running",
            "controller_kind": "Deployment", "controller": "api",
            "labels": {"app.kubernetes.io/name": "api", "cost-center": "CC-42, \"retail\""},
            "containers": [{"name": "app", "cpu_request_cores": 1, "memory_request_bytes": 2 * GIB}]},
           {"kind": "pod", "namespace": "ml", "name": "train-0", "node": "n2", "phase": "Running",
            "controller_kind": "StatefulSet", "controller": "train", "labels": {"=cmd": "@SUM(1)"},
            "containers": [{"name": "app", "cpu_request_cores": 6, "memory_request_bytes": GIB}]},
           {"kind": "node_usage", "node": "n1", "window_start": START, "window_end": END, "cpu_cores": 4,
            "memory_bytes": 16 * GIB},
           {"kind": "node_usage", "node": "n2", "window_start": START, "window_end": END, "cpu_cores": 4,
            "memory_bytes": 16 * GIB}]
    for ns, pod, node, cpu in (("shop", "api-1", "n1", 0.5), ("shop", "api-2", "n1", 1.5), ("ml", "train-0", "n2", 6)):
        out.append({"kind": "pod_usage", "node": node, "namespace": ns, "pod": pod, "container": "app",
                    "window_start": START, "window_end": END, "running_seconds": 3600, "cpu_usage_cores": cpu,
                    "memory_working_set_bytes": GIB})
    return "".join(json.dumps(l) + "\n" for l in out)


class AllocationFocus(unittest.TestCase):
    check_type = node_focus.FocusConformance.check_type  # the node records' type checks

    @classmethod
    def setUpClass(cls):
        cls.records = {}
        for by in ("controller", "pod"):
            r = subprocess.run([PRICE_CALC, "--pricing", PRICING, "--by", by, "--idle-by", "node", "-f", "focus"],
                               input=lines(), capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr
            cls.records[by] = (r.stdout, list(csv.DictReader(io.StringIO(r.stdout, newline=""))))

    def test_columns_types_and_allowed_values(self):
        raw, rows = self.records["controller"]
        header = raw.split("\r\n", 1)[0].split(",")
        self.assertEqual([c for c in MANDATORY if c not in header], [])
        for i, row in enumerate(rows, start=2):
            for col, (kind, nullable) in MANDATORY.items():
                if row[col] == "":
                    self.assertTrue(nullable, f"line {i}: {col}")
                else:
                    self.check_type(kind, row[col], f"line {i} {col}")
            for col, kind in CONDITIONAL_TYPES.items():
                if row.get(col):
                    self.check_type(kind, row[col], f"line {i} {col}")
            self.assertIn(row["ChargeCategory"], CHARGE_CATEGORIES)
            self.assertIn(row["ServiceCategory"], SERVICE_CATEGORIES)
            self.assertEqual(row["ChargePeriodStart"], START)
            self.assertEqual(row["ChargePeriodEnd"], END)
            self.assertEqual(row["BillingPeriodStart"], "2026-11-01T00:00:00Z")
            qty = float(row["PricingQuantity"])
            self.assertTrue(math.isclose(float(row["ListCost"]), float(row["ListUnitPrice"]) * qty, rel_tol=1e-9))
            self.assertTrue(math.isclose(float(row["ContractedCost"]), float(row["ContractedUnitPrice"]) * qty,
                                         rel_tol=1e-9))

    def test_tags_carry_our_prefix_and_the_labels_unchanged(self):
        _, rows = self.records["controller"]
        api = [r for r in rows if r["ResourceId"] == "shop/Deployment/api"]
        self.assertEqual({r["SkuId"] for r in api}, {"CPU", "RAM"})
        tags = json.loads(api[0]["Tags"])
        self.assertEqual(tags, {PREFIX + "namespace": "shop", PREFIX + "controller-kind": "Deployment",
                                PREFIX + "controller": "api", "app.kubernetes.io/name": "api",
                                "cost-center": "CC-42, \"retail\""})
        self.assertEqual(api[0]["ResourceType"], "Kubernetes Workload")
        # A label that looks like a formula stays the label (the cell is neutralised, the JSON is not).
        train = [r for r in rows if r["ResourceId"] == "ml/StatefulSet/train"][0]
        self.assertEqual(json.loads(train["Tags"])["=cmd"], "@SUM(1)")
        pods = {r["ResourceId"]: json.loads(r["Tags"]) for r in self.records["pod"][1]}
        self.assertEqual(pods["shop/api-2"][PREFIX + "pod"], "api-2")
        self.assertEqual(pods["shop/api-2"][PREFIX + "node"], "n1")

    def test_idle_records_and_the_total_is_the_hardware(self):
        _, rows = self.records["controller"]
        idle = {r["ResourceId"]: r for r in rows if r["ResourceType"] == "Kubernetes Idle Capacity" and r["SkuId"] == "CPU"}
        self.assertEqual(set(idle), {"n1/__idle__", "n2/__idle__"})
        self.assertEqual(json.loads(idle["n1/__idle__"]["Tags"]), {PREFIX + "node": "n1", PREFIX + "idle": "true"})
        # n2 has 4 cores and train-0 uses 6: its CPU idle is negative, an Adjustment.
        self.assertLess(float(idle["n2/__idle__"]["BilledCost"]), 0)
        self.assertEqual(idle["n2/__idle__"]["ChargeCategory"], "Adjustment")
        self.assertEqual(idle["n1/__idle__"]["ChargeCategory"], "Usage")
        total = sum(float(r["BilledCost"]) for r in rows)
        self.assertAlmostEqual(total, 2 * (4 * 0.031611 + 16 * 0.004237), places=9)


if __name__ == "__main__":
    unittest.main()
