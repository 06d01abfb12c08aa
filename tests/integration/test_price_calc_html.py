"""`price-calc --format html` rendered by a real browser: Debian's chromium in headless mode
loads the page from a file, takes a screenshot and dumps the DOM it built; the test checks the
screenshot is a real image and the DOM holds the totals, the node names and the SVG charts.
Chromium is required: without it the test fails and says how to install it."""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
CHROMIUM = "/usr/bin/chromium"
GIB = 1024 ** 3
NODES = ["worker-a", "worker-b", "gpu-node-1"]


def usage(node, **kw):
    line = {"kind": "node_usage", "node": node, "source": f"http://{node}:9100/metrics",
            "window_start": "2026-11-26T07:00:00Z", "window_end": "2026-11-26T08:00:00Z", "cpu_cores": 8,
            "cpu_busy_cores": 2.0, "memory_bytes": 32 * GIB, "memory_used_bytes": 20 * GIB,
            "filesystem_bytes": 500 * GIB, "filesystem_used_bytes": 100 * GIB, "gpus": 0, "labels": {}}
    line.update(kw)
    return json.dumps(line)


class DomFacts(html.parser.HTMLParser):
    """Collects what the test asserts on: element counts, ids' text, table cells, scripts."""

    def __init__(self):
        super().__init__()
        self.counts = {}
        self.by_id = {}
        self.text = []
        self.node_cells = []
        self._capture = None
        self._node_cell = False

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        attrs = dict(attrs)
        if "id" in attrs:
            self._capture = attrs["id"]
            self.by_id[self._capture] = ""
        self._node_cell = tag == "td" and attrs.get("class") == "node"

    def handle_endtag(self, tag):
        if tag in ("div", "td", "ul", "table"):
            self._capture = None
        self._node_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._capture:
            self.by_id[self._capture] += data
        if self._node_cell:
            self.node_cells.append(data)


def run_chromium(profile, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, timeout=120)


class HtmlInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CHROMIUM, os.X_OK):
            raise AssertionError(f"{CHROMIUM} is missing: the HTML report is tested in a real browser; run "
                                 "scripts/install-deps.sh (it installs Debian's chromium)")
        cls.dir = tempfile.mkdtemp(prefix="pc-html-")
        lines = [usage(NODES[0]), usage(NODES[1], cpu_busy_cores=7.5, memory_used_bytes=30 * GIB),
                 usage(NODES[2], gpus=2, cpu_cores=16, memory_bytes=64 * GIB),
                 json.dumps({"kind": "node_usage", "node": "lost-node", "window_start": "2026-11-26T07:00:00Z",
                             "window_end": "2026-11-26T08:00:00Z", "error": "context deadline exceeded"})]
        data = os.path.join(cls.dir, "usage.jsonl")
        with open(data, "w") as f:
            f.write("\n".join(lines) + "\n")
        cls.page = os.path.join(cls.dir, "costs.html")
        pricing = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")
        r = subprocess.run([PRICE_CALC, "--pricing", pricing, "--title", "Lab <costs>", "-o", cls.page, data],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, r.stderr  # lost-node is unpriced
        s = subprocess.run([PRICE_CALC, "--pricing", pricing, "-f", "summary", data], capture_output=True,
                           text=True, timeout=60)
        cls.summary = json.loads(s.stdout)
        with open(cls.page) as f:
            cls.source = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_screenshot(self):
        png = os.path.join(self.dir, "costs.png")
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        r = run_chromium(profile, "--window-size=1400,1200", f"--screenshot={png}", "file://" + self.page)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-2000:])
        self.assertTrue(os.path.exists(png), "chromium wrote no screenshot")
        size = os.path.getsize(png)
        self.assertGreater(size, 20_000, "a rendered report is more than a blank page")
        with open(png, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", head[16:24])
        self.assertEqual((width, height), (1400, 1200))

    def test_dom(self):
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        r = run_chromium(profile, "--dump-dom", "file://" + self.page)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-2000:])
        dom = r.stdout.decode()
        self.assertIn("<svg", dom)
        facts = DomFacts()
        facts.feed(dom)
        self.assertGreaterEqual(facts.counts.get("svg", 0), 2, "two SVG charts")
        self.assertGreaterEqual(facts.counts.get("rect", 0), 3 * 3, "bars for every node and resource")
        self.assertEqual(facts.counts.get("script", 0), 0, "no JavaScript")
        self.assertEqual(facts.counts.get("link", 0), 0, "no external stylesheet")
        self.assertEqual(facts.counts.get("img", 0), 0, "no external image")
        for node in NODES:
            self.assertIn(node, facts.node_cells)
        text = " ".join(facts.text)
        self.assertIn("lost-node", text)
        self.assertIn("context deadline exceeded", text)
        self.assertIn("Lab <costs>", text)  # escaped in the source, shown as text
        # Totals: the same figures as --format summary.
        total = float(facts.by_id["total-cost"].split()[0])
        self.assertAlmostEqual(total, self.summary["total_cost"], places=2)
        self.assertIn(self.summary["currency"], facts.by_id["total-cost"])
        monthly = float(facts.by_id["monthly"].split()[0])
        self.assertAlmostEqual(monthly, self.summary["monthly_cost"], places=1)
        self.assertAlmostEqual(float(facts.by_id["total-monthly"]), self.summary["monthly_cost"], places=1)
        self.assertIn("3", facts.by_id["nodes"])
        self.assertIn("1 unpriced", facts.by_id["nodes"])

    def test_self_contained_source(self):
        for external in ("<script", "src=", "href=", "<link", "url(", "@import"):
            self.assertNotIn(external, self.source)
        self.assertIn("Lab &lt;costs&gt;", self.source)


if __name__ == "__main__":
    unittest.main()
