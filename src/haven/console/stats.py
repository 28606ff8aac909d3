"""The picture, counted the way the NCA reports sextortion: cases per month, by age band, by platform, by
payment method, amounts demanded and paid, and the share of under-18s. Charts are SVG drawn server-side by
pygal (no JavaScript in them); every chart has the same numbers as a table and as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from haven.console.summary import AGE_BANDS

STYLE = Style(background="white", plot_background="white", foreground="#222", foreground_strong="#000",
              foreground_subtle="#555", colors=("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000"),
              font_family="sans-serif")
MEASURES = {
    "month": "Cases per month (first message)",
    "age_band": "Cases by age band",
    "platform": "Cases by platform",
    "payment_method": "Cases by payment method asked for",
    "demanded": "Amounts demanded (total per currency)",
    "paid": "Amounts paid (total per currency)",
    "under_18": "Share of cases where the person was under 18",
}


def compute(cases: list[dict[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    month: Counter[str] = Counter(c.get("month") or "unknown" for c in cases)
    age: Counter[str] = Counter(c.get("age_band") or "not known" for c in cases)
    platform: Counter[str] = Counter(p for c in cases for p in (c.get("platforms") or ["unknown"]))
    method: Counter[str] = Counter(m for c in cases for m in (c.get("payment_methods") or ["none found"]))
    demanded: dict[str, float] = {}
    paid: dict[str, float] = {}
    for c in cases:
        for a in c.get("demanded") or []:
            demanded[a["currency"]] = demanded.get(a["currency"], 0.0) + float(a["amount"])
        for a in c.get("paid") or []:
            paid[a["currency"]] = paid.get(a["currency"], 0.0) + float(a["amount"])
    known = [c for c in cases if c.get("minor") is not None]
    minors = sum(1 for c in known if c["minor"])
    band_order = {b: i for i, b in enumerate(AGE_BANDS)}
    return {
        "month": sorted(month.items()),
        "age_band": sorted(age.items(), key=lambda kv: (band_order.get(kv[0], 99), kv[0])),
        "platform": platform.most_common(),
        "payment_method": method.most_common(),
        "demanded": sorted(demanded.items()),
        "paid": sorted(paid.items()),
        "under_18": [("under 18", minors), ("18 or over", len(known) - minors),
                     ("age not known", len(cases) - len(known)),
                     ("share under 18 (of known ages)", round(minors / len(known), 3) if known else 0.0)],
    }


def chart_svg(measure: str, rows: list[tuple[str, Any]]) -> bytes:
    """One measure as an SVG bar chart (pie for the under-18 share)."""
    config = {"style": STYLE, "js": [], "width": 720, "height": 360, "show_legend": measure == "under_18",
              "title": MEASURES[measure], "disable_xml_declaration": False, "print_values": True,
              "x_label_rotation": 30 if measure == "month" else 0}
    if measure == "under_18":
        chart = pygal.Pie(**config)
        for label, value in rows[:3]:
            chart.add(label, value)
    else:
        chart = pygal.Bar(**config)
        chart.x_labels = [label for label, _ in rows]
        chart.add("cases" if measure not in ("demanded", "paid") else "amount", [v for _, v in rows])
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):  # pygal's tooltip config; the charts need no script
                parent.remove(child)
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ElementTree.tostring(tree, encoding="utf-8")


def to_csv(table: dict[str, list[tuple[str, Any]]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["measure", "category", "value"])
    for measure, rows in table.items():
        for label, value in rows:
            w.writerow([measure, label, value])
    return buf.getvalue()
