"""FOCUS 1.0 conformance of `price-calc --format focus`: every mandatory column present, value
types and formats (decimals, UTC date-times, ISO 4217, unit format), allowed values, the
nullability rules for Usage rows, and the cost identities (ListCost = ListUnitPrice x
PricingQuantity, ContractedCost = ContractedUnitPrice x PricingQuantity). Checked against the
FOCUS 1.0 column definitions (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/columns)."""
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
GIB = 1024 ** 3

MANDATORY = {
    # column: (type, nullable)
    "BilledCost": ("decimal", False),
    "BillingAccountId": ("string", False),
    "BillingAccountName": ("string", True),
    "BillingCurrency": ("currency", False),
    "BillingPeriodEnd": ("datetime", False),
    "BillingPeriodStart": ("datetime", False),
    "ChargeCategory": ("string", False),
    "ChargeClass": ("string", True),
    "ChargeDescription": ("string", True),
    "ChargePeriodEnd": ("datetime", False),
    "ChargePeriodStart": ("datetime", False),
    "ContractedCost": ("decimal", False),
    "EffectiveCost": ("decimal", False),
    "InvoiceIssuerName": ("string", False),
    "ListCost": ("decimal", False),
    "PricingQuantity": ("decimal", True),
    "PricingUnit": ("unit", True),
    "ProviderName": ("string", False),
    "PublisherName": ("string", False),
    "ServiceCategory": ("string", False),
    "ServiceName": ("string", False),
}
CONDITIONAL_TYPES = {
    "ConsumedQuantity": "decimal", "ConsumedUnit": "unit", "ContractedUnitPrice": "decimal",
    "ListUnitPrice": "decimal", "PricingCategory": "string", "ChargeFrequency": "string", "ResourceId": "string",
    "ResourceName": "string", "ResourceType": "string", "SkuId": "string", "SkuPriceId": "string", "Tags": "json",
}
CHARGE_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
SERVICE_CATEGORIES = {
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other"}
PRICING_CATEGORIES = {"Standard", "Dynamic", "Committed", "Other"}
CHARGE_FREQUENCIES = {"One-Time", "Recurring", "Usage-Based"}
DECIMAL = re.compile(r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$")       # numeric_format.md: no symbols, no separators
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")       # datetime_format.md
# unit_format.md: base units capitalised (data sizes by their abbreviations), compound with '-', ratio with '/'.
BASE_UNIT = r"(?:[KMGTPE]i?[Bb]|[Bb]|[A-Z][A-Za-z]*)"
UNIT = re.compile(rf"^(\d+ )?{BASE_UNIT}(-{BASE_UNIT})?(/(\d+ )?{BASE_UNIT})?$")
TIME_UNITS = {"Year", "Years", "Month", "Months", "Day", "Days", "Hour", "Hours", "Minute", "Minutes", "Second",
              "Seconds", "Millisecond", "Milliseconds", "Microsecond", "Microseconds"}


def usage(node, start, end, **kw):
    line = {"kind": "node_usage", "node": node, "source": f"http://{node}:9100/metrics", "window_start": start,
            "window_end": end, "cpu_cores": 4, "cpu_busy_cores": 1.5, "memory_bytes": 16 * GIB,
            "memory_used_bytes": 6 * GIB, "filesystem_bytes": 200 * GIB, "filesystem_used_bytes": 50 * GIB,
            "gpus": 0, "labels": {"kubernetes.io/hostname": node}}
    line.update(kw)
    return json.dumps(line)


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


class FocusConformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pc-focus-")
        prices = {"CPU": "0.031611", "spotCPU": "0.006655", "RAM": "0.004237", "spotRAM": "0.000892", "GPU": "0.95",
                  "storage": "0.00005479452", "spotLabel": "lifecycle", "spotLabelValue": "spot",
                  "currencyCode": "EUR", "discount": "10%", "negotiatedDiscount": "5", "clusterName": "lab"}
        cls.prices = os.path.join(cls.dir, "prices.json")
        with open(cls.prices, "w") as f:
            json.dump(prices, f)
        lines = [
            usage("cp-1", "2026-11-26T07:00:00.120Z", "2026-11-26T07:00:10.370Z"),
            usage("spot-1", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z", labels={"lifecycle": "spot"}),
            usage("gpu-1", "2026-11-30T23:30:00Z", "2026-12-01T00:30:00Z", gpus=2, labels={"team": "ml, \"vision\""}),
            usage("once-1", "2026-11-26T07:00:00Z", "2026-11-26T07:00:00Z", cpu_busy_cores=None),
            json.dumps({"kind": "node_usage", "node": "dead-1", "window_start": "2026-11-26T07:00:00Z",
                        "window_end": "2026-11-26T07:00:10Z", "error": "timeout"}),
        ]
        cls.input = "\n".join(lines) + "\n"
        r = subprocess.run([PRICE_CALC, "--pricing", cls.prices, "--format", "focus"], input=cls.input.encode(),
                           capture_output=True, timeout=60)
        cls.returncode, cls.stderr = r.returncode, r.stderr.decode()
        cls.raw = r.stdout.decode("utf-8")
        reader = csv.DictReader(io.StringIO(cls.raw, newline=""))
        cls.header = reader.fieldnames
        cls.rows = list(reader)
        s = subprocess.run([PRICE_CALC, "--pricing", cls.prices, "--format", "summary"], input=cls.input,
                           capture_output=True, text=True, timeout=60)
        cls.summary = json.loads(s.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_ran_as_partial(self):
        self.assertEqual(self.returncode, 3, self.stderr)  # dead-1 is unpriced
        self.assertIn("dead-1", self.stderr)

    def test_every_mandatory_column_is_present(self):
        missing = [c for c in MANDATORY if c not in self.header]
        self.assertEqual(missing, [])
        self.assertEqual(len(MANDATORY), 21)
        self.assertEqual(len(set(self.header)), len(self.header), "no duplicate columns")

    def test_custom_columns_are_prefixed(self):
        known = set(MANDATORY) | set(CONDITIONAL_TYPES)
        for c in self.header:
            self.assertTrue(c in known or c.startswith("x_"), f"custom column {c} must start with x_")

    def test_records_are_rfc4180(self):
        self.assertTrue(self.raw.endswith("\r\n"))
        self.assertEqual(self.raw.count("\r\n"), len(self.rows) + 1)

    def test_rows_one_per_node_and_resource(self):
        got = sorted((r["ResourceId"], r["PricingUnit"], r["SkuId"]) for r in self.rows)
        self.assertEqual(got, sorted([
            ("cp-1", "Core-Hours", "CPU"), ("cp-1", "GiB-Hours", "RAM"), ("cp-1", "GiB-Hours", "storage"),
            ("spot-1", "Core-Hours", "spotCPU"), ("spot-1", "GiB-Hours", "spotRAM"), ("spot-1", "GiB-Hours", "storage"),
            ("gpu-1", "Core-Hours", "CPU"), ("gpu-1", "GiB-Hours", "RAM"), ("gpu-1", "GiB-Hours", "storage"),
            ("gpu-1", "GPU-Hours", "GPU")]))  # once-1 (zero-length) and dead-1 (failed) have no charge

    def test_types_and_nullability(self):
        for i, row in enumerate(self.rows, start=2):
            for col, (kind, nullable) in MANDATORY.items():
                value = row[col]
                if value == "":
                    self.assertTrue(nullable, f"line {i}: {col} must not be null")
                    continue
                self.check_type(kind, value, f"line {i} {col}")
            for col, kind in CONDITIONAL_TYPES.items():
                if row.get(col):
                    self.check_type(kind, row[col], f"line {i} {col}")
            # Usage rows that are not corrections: PricingQuantity, PricingUnit, PricingCategory,
            # ConsumedQuantity (positive) and ConsumedUnit are required.
            self.assertEqual(row["ChargeCategory"], "Usage")
            self.assertEqual(row["ChargeClass"], "")
            for col in ("PricingQuantity", "PricingUnit", "PricingCategory", "ConsumedQuantity", "ConsumedUnit"):
                self.assertNotEqual(row[col], "", f"line {i}: {col} is required on Usage rows")
            self.assertGreater(float(row["ConsumedQuantity"]), 0)
            self.assertGreaterEqual(float(row["PricingQuantity"]), 0)

    def check_type(self, kind, value, where):
        if kind == "decimal":
            self.assertRegex(value, DECIMAL, where)
            self.assertTrue(math.isfinite(float(value)), where)
        elif kind == "datetime":
            self.assertRegex(value, DATETIME, where)
        elif kind == "currency":
            self.assertRegex(value, r"^[A-Z]{3}$", where)
        elif kind == "unit":
            self.assertRegex(value, UNIT, where)
            self.assertTrue(value.split("-")[-1] in TIME_UNITS, f"{where}: {value} is a usage over time")
        elif kind == "json":
            tags = json.loads(value)
            self.assertIsInstance(tags, dict, where)
            for k, v in tags.items():
                self.assertIsInstance(k, str, where)
                self.assertIsInstance(v, str, where)
        else:
            self.assertIsInstance(value, str, where)
            self.assertEqual(value, value.strip(), where)

    def test_allowed_values(self):
        for row in self.rows:
            self.assertIn(row["ChargeCategory"], CHARGE_CATEGORIES)
            self.assertIn(row["ChargeClass"], {"", "Correction"})
            self.assertIn(row["ServiceCategory"], SERVICE_CATEGORIES)
            self.assertIn(row["PricingCategory"], PRICING_CATEGORIES)
            self.assertIn(row["ChargeFrequency"], CHARGE_FREQUENCIES)
            self.assertEqual(row["BillingCurrency"], "EUR")
            self.assertEqual(row["BillingAccountId"], "lab")  # the price list's clusterName
            self.assertEqual(row["PricingCategory"], "Dynamic" if row["ResourceId"] == "spot-1" else "Standard")
            for col in ("BillingAccountId", "InvoiceIssuerName", "ProviderName", "PublisherName", "ServiceName"):
                self.assertNotEqual(row[col].strip(), "", col)

    def test_periods(self):
        for row in self.rows:
            cs, ce = parse_time(row["ChargePeriodStart"]), parse_time(row["ChargePeriodEnd"])
            bs, be = parse_time(row["BillingPeriodStart"]), parse_time(row["BillingPeriodEnd"])
            self.assertLess(cs, ce, "ChargePeriodStart is inclusive, ChargePeriodEnd exclusive")
            self.assertLessEqual(bs, cs)
            self.assertLess(cs, be)
            self.assertEqual((bs.day, bs.hour, bs.minute, bs.second), (1, 0, 0, 0), "billing period = month")
            self.assertEqual((be.day, be.hour), (1, 0))
        cp = [r for r in self.rows if r["ResourceId"] == "cp-1"][0]
        self.assertEqual(cp["ChargePeriodStart"], "2026-11-26T07:00:00Z")   # .120 floored
        self.assertEqual(cp["ChargePeriodEnd"], "2026-11-26T07:00:11Z")     # .370 ceiled
        gpu = [r for r in self.rows if r["ResourceId"] == "gpu-1"][0]
        self.assertEqual(gpu["BillingPeriodStart"], "2026-11-01T00:00:00Z")  # the month of the start
        self.assertEqual(gpu["BillingPeriodEnd"], "2026-12-01T00:00:00Z")

    def test_cost_identities(self):
        for row in self.rows:
            qty = float(row["PricingQuantity"])
            self.assertTrue(math.isclose(float(row["ListCost"]), float(row["ListUnitPrice"]) * qty, rel_tol=1e-12,
                                         abs_tol=1e-18), row)
            self.assertTrue(math.isclose(float(row["ContractedCost"]), float(row["ContractedUnitPrice"]) * qty,
                                         rel_tol=1e-12, abs_tol=1e-18), row)
            self.assertEqual(row["BilledCost"], row["EffectiveCost"])
            self.assertLessEqual(float(row["ContractedCost"]), float(row["ListCost"]) * (1 + 1e-12))
            self.assertEqual(row["ConsumedQuantity"], row["PricingQuantity"])
            self.assertEqual(row["ConsumedUnit"], row["PricingUnit"])

    def test_discount_on_cpu_and_ram_only(self):
        discount = 1 - (1 - 0.10) * (1 - 0.05)
        for row in self.rows:
            ratio = float(row["ContractedUnitPrice"]) / float(row["ListUnitPrice"])
            if row["SkuId"] in ("CPU", "RAM", "spotCPU", "spotRAM"):
                self.assertAlmostEqual(ratio, 1 - discount, places=12)
            else:
                self.assertEqual(ratio, 1.0)

    def test_hand_computed_quantities_and_prices(self):
        by = {(r["ResourceId"], r["SkuId"]): r for r in self.rows}
        spot_cpu = by[("spot-1", "spotCPU")]
        self.assertEqual(float(spot_cpu["PricingQuantity"]), 4.0)          # 4 cores x 1 h
        self.assertEqual(float(spot_cpu["ListUnitPrice"]), 0.006655)
        self.assertAlmostEqual(float(spot_cpu["ListCost"]), 4 * 0.006655, places=15)
        gpu = by[("gpu-1", "GPU")]
        self.assertEqual(float(gpu["PricingQuantity"]), 2.0)               # 2 GPUs x 1 h
        self.assertAlmostEqual(float(gpu["BilledCost"]), 1.9, places=12)
        ram = by[("cp-1", "RAM")]
        self.assertAlmostEqual(float(ram["PricingQuantity"]), 16 * 10.25 / 3600, places=15)
        self.assertEqual(json.loads(by[("gpu-1", "CPU")]["Tags"]), {"team": "ml, \"vision\""})

    def test_billed_total_matches_the_summary(self):
        billed = sum(float(r["BilledCost"]) for r in self.rows)
        self.assertTrue(math.isclose(billed, self.summary["total_cost"], rel_tol=1e-9), (billed, self.summary))
        listed = sum(float(r["ListCost"]) for r in self.rows)
        self.assertGreater(listed, billed)


if __name__ == "__main__":
    unittest.main()
