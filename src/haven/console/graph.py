"""A cluster drawn as SVG on the server: cases in the left column, identifiers in the right, a line for
each case that holds an identifier (thicker for more specific kinds). Every node is a plain link, so it
reads and works without JavaScript; the page also lists the same links as a table."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

ROW = 44
WIDTH = 980


def cluster_svg(cluster: dict[str, Any], case_href: str = "/cases/{}") -> str:
    cases = cluster["cases"]
    ids = cluster["identifiers"]
    height = max(len(cases), len(ids)) * ROW + 60
    case_y = {c: 40 + i * ROW + (height - 60 - len(cases) * ROW) / 2 for i, c in enumerate(cases)}
    id_y = [40 + i * ROW + (height - 60 - len(ids) * ROW) / 2 for i in range(len(ids))]
    x_case, x_id = 190, 420
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="graph-title" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" class="graph">',
             f'<title id="graph-title">Cluster of {len(cases)} cases sharing {len(ids)} identifiers</title>',
             '<text x="20" y="22" font-size="14" font-weight="bold" fill="#222">Cases</text>',
             f'<text x="{x_id + 14}" y="22" font-size="14" font-weight="bold" fill="#222">'
             'Shared identifiers</text>']
    for i, ident in enumerate(ids):
        width = 1 + ident["weight"] * 0.6
        for c in ident["cases"]:
            if c in case_y:
                parts.append(f'<line x1="{x_case}" y1="{case_y[c]:.0f}" x2="{x_id}" y2="{id_y[i]:.0f}" '
                             f'stroke="#1f4e79" stroke-opacity="0.7" stroke-width="{width:.1f}"/>')
    for c, y in case_y.items():
        parts.append(f'<a href="{escape(case_href.format(c))}"><circle cx="{x_case}" cy="{y:.0f}" r="9" '
                     f'fill="#c55a11"/><text x="{x_case - 16}" y="{y + 5:.0f}" font-size="14" '
                     f'text-anchor="end" fill="#000">{escape(c)}</text></a>')
    for i, ident in enumerate(ids):
        label = ident["identifier"] if len(ident["identifier"]) <= 44 else ident["identifier"][:43] + "…"
        parts.append(f'<rect x="{x_id - 8}" y="{id_y[i] - 8:.0f}" width="16" height="16" fill="#548235"/>'
                     f'<text x="{x_id + 14}" y="{id_y[i] + 5:.0f}" font-size="13" fill="#000">'
                     f'{escape(label)} ({len(ident["cases"])} cases)</text>')
    parts.append("</svg>")
    return "".join(parts)
