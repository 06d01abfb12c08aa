"""`price-calc report -f html` over a generated month, in real headless Chromium: the node ledger
and the allocation ledger each draw the cost per day (and per hour with --step hour) stacked by
node or namespace with idle on top, the days on a time axis, and keep their wide tables inside
the page. The month is priced here from generated lines; each day's stack must add up to the
hardware's cost of that day, computed independently in the test."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
from test_price_calc_html import CHROMIUM, run_chromium  # noqa: E402

PRICE_CALC = sftest.binary("price-calc")
PRICING = os.path.join(sftest.SOURCE_DIR, "opencost", "pricing.json")
GIB = 1024 ** 3
CPU, RAM = 0.031611, 0.004237
NODES = {"kind-worker": (8, 32), "kind-worker2": (8, 32), "kind-worker3": (4, 16)}
NAMESPACES = ["payments", "search", "team-a", "team-b", "team-c"]
DAYS = 30
WIDTH = 800


def month_lines():
    out = []
    pods = [(NAMESPACES[i % 5], "svc-%d-%d" % (i % 7, i), list(NODES)[i % 3], 0.1 + (i % 6) * 0.1,
             (0.25 + (i % 4) * 0.25) * GIB) for i in range(24)]
    for ns, name, node, cpu, mem in pods:
        out.append({"kind": "pod", "namespace": ns, "name": name, "node": node, "phase": "Running",
                    "controller_kind": "Deployment", "controller": name.rsplit("-", 1)[0], "labels": {"team": ns},
                    "containers": [{"name": "app", "cpu_request_cores": cpu, "memory_request_bytes": mem}]})
    for h in range(DAYS * 24):
        day, hour = divmod(h, 24)
        start = "2026-11-%02dT%02d:00:00Z" % (day + 1, hour)
        end = "2026-11-%02dT%02d:00:10Z" % (day + 1, hour)
        for node, (cores, gib) in NODES.items():
            out.append({"kind": "node_usage", "node": node, "window_start": start, "window_end": end,
                        "cpu_cores": cores, "cpu_busy_cores": 1, "memory_bytes": gib * GIB, "memory_used_bytes": GIB})
            for ns, name, n, cpu, mem in pods:
                if n != node:
                    continue
                grow = 2.5 if ns == "search" and day >= 15 else 1  # search grows mid-month
                f = (0.4 + ((h * 7 + len(name)) % 10) / 20) * grow
                out.append({"kind": "pod_usage", "node": node, "namespace": ns, "pod": name, "container": "app",
                            "window_start": start, "window_end": end, "running_seconds": 10,
                            "cpu_usage_cores": cpu * f, "memory_working_set_bytes": mem * f})
    return out


class Page:
    """What the test reads from a page Chromium built: the bands of the time chart and the layout."""
    BAND = re.compile(r'<rect x="(\d+)" y="([-\d.]+)" width="\d+" height="([\d.]+)" fill="[^"]+" class="band" '
                      r'data-series="([^"]*)"><title>([^<]*)</title>')

    def __init__(self, dom):
        self.dom = dom
        self.bands = [(int(x), float(y), float(h), s, t) for x, y, h, s, t in self.BAND.findall(dom)]

    def per_bar(self):
        bars = {}
        for x, y, h, series, title in self.bands:
            value = float(title.split(": ")[1].split()[0])
            bars.setdefault(x, []).append((y, series, value))
        return bars


class ReportHtml(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CHROMIUM, os.X_OK):
            raise AssertionError(f"{CHROMIUM} is missing: run scripts/install-deps.sh (it installs chromium)")
        cls.dir = tempfile.mkdtemp(prefix="pc-report-html-")
        data = os.path.join(cls.dir, "month.jsonl")
        with open(data, "w") as f:
            f.write("".join(json.dumps(l) + "\n" for l in month_lines()))
        cls.alloc_ledger = os.path.join(cls.dir, "allocation.csv")
        cls.node_ledger = os.path.join(cls.dir, "nodes.csv")
        for extra, ledger in ((["--by", "namespace"], cls.alloc_ledger), ([], cls.node_ledger)):
            r = subprocess.run([PRICE_CALC, "--pricing", PRICING, *extra, "--period", "1h", "--ledger", ledger,
                                "-f", "summary", data], capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, r.stderr
        cls.day_cost = 24 * sum(c * CPU + g * RAM for c, g in NODES.values())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def report(self, ledger, *args):
        page = os.path.join(self.dir, "r%d.html" % len(os.listdir(self.dir)))
        r = subprocess.run([PRICE_CALC, "report", "--ledger", ledger, "-f", "html", "-o", page, *args],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return page

    def render(self, page):
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        r = run_chromium(profile, "--dump-dom", "file://" + page)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-2000:])
        return Page(r.stdout.decode())

    def layout(self, page):
        """The page's width and its table's, as laid out at WIDTH px: a copy of the page with a
        probe script (the report itself has none) writes them into the DOM that Chromium dumps."""
        with open(page) as f:
            source = f.read()
        probe = ('<script>addEventListener("load",()=>{const w=document.querySelector(".wide table").closest(".wide");'
                 'document.body.setAttribute("data-layout",JSON.stringify({page:document.documentElement.scrollWidth,'
                 'wrapper:w.clientWidth,table:w.scrollWidth}))})</script></body>')
        copy = page + ".probe.html"
        with open(copy, "w") as f:
            f.write(source.replace("</body>", probe))
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        r = run_chromium(profile, f"--window-size={WIDTH},900", "--virtual-time-budget=3000", "--dump-dom",
                         "file://" + copy)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-2000:])
        m = re.search(r'data-layout="([^"]+)"', r.stdout.decode())
        self.assertIsNotNone(m, "the probe ran")
        return json.loads(m.group(1).replace("&quot;", '"'))

    def check_days(self, page, series):
        bars = page.per_bar()
        self.assertEqual(len(bars), DAYS, "one bar per day of the month")
        for x, bands in bars.items():
            # Each day adds up to the hardware's cost of the day (idle included, never clamped).
            self.assertAlmostEqual(sum(v for _, _, v in bands), self.day_cost, delta=self.day_cost * 1e-4)
            # Idle is on top: the highest band (smallest y) of its bar.
            top = min(bands)
            self.assertEqual(top[1], "idle", "idle on top of the bar at x=%d" % x)
        self.assertEqual({s for _, _, _, s, _ in page.bands} - {"idle"}, set(series))
        labels = re.findall(r'class="tick">(11-\d\d)</text>', page.dom)
        self.assertEqual(labels[0], "11-01", "a time axis from the first day")
        self.assertGreaterEqual(len(labels), 8)

    def test_allocation_ledger_by_namespace_over_a_month(self):
        page = self.report(self.alloc_ledger)
        dom = self.render(page)
        self.check_days(dom, NAMESPACES)
        self.assertIn("Cost per day by namespace (USD), idle on top", dom.dom)
        # search used 2.5 times more from the 16th on: its bands grow.
        search = sorted((x, v) for x, _, _, s, t in dom.bands if s == "search"
                        for v in [float(t.split(": ")[1].split()[0])])
        self.assertGreater(search[-1][1], 1.3 * search[0][1])
        for ns in NAMESPACES:
            self.assertIn(">%s</td>" % ns, dom.dom)
        self.assertEqual(dom.dom.count("<script"), 0)
        layout = self.layout(page)
        self.assertLessEqual(layout["page"], WIDTH, "nothing wider than the window: %s" % layout)
        self.assertGreater(layout["table"], layout["wrapper"], "the wide table scrolls inside its wrapper")

    def test_node_ledger_by_node_with_idle_on_top(self):
        page = self.report(self.node_ledger)
        dom = self.render(page)
        self.check_days(dom, NODES)
        self.assertNotIn('class="node-name"', dom.dom, "no per-node bars that would all look alike")
        layout = self.layout(page)
        self.assertLessEqual(layout["page"], WIDTH, str(layout))

    def test_hourly_step_over_three_days(self):
        page = self.report(self.alloc_ledger, "--step", "hour", "--from", "2026-11-10", "--to", "2026-11-13")
        dom = self.render(page)
        bars = dom.per_bar()
        self.assertEqual(len(bars), 72)
        for bands in bars.values():
            self.assertAlmostEqual(sum(v for _, _, v in bands), self.day_cost / 24, delta=self.day_cost / 24 * 1e-4)
        self.assertIn("Cost per hour by namespace", dom.dom)
        png = os.path.join(self.dir, "hours.png")
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.dir)
        r = run_chromium(profile, f"--window-size={WIDTH},1000", f"--screenshot={png}", "file://" + page)
        self.assertEqual(r.returncode, 0)
        self.assertGreater(os.path.getsize(png), 20_000)


if __name__ == "__main__":
    unittest.main()
