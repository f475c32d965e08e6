"""Charts drawn on the server as inline SVG: no script, no chart library, nothing from a CDN.

A grouped bar chart is enough for counts per week or month. Colours are SVG attributes (the
content security policy forbids inline styles), and the page puts a table of the same numbers
under every chart for screen readers and for printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

#: Series colours, distinguishable in grey print as well (dark to light).
PALETTE: tuple[str, ...] = ("#a61b1b", "#1d4ed8", "#15803d", "#b45309", "#6d28d9", "#0f766e", "#be185d", "#4b5563",
                            "#65a30d")
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 40, 46


def nice_ceiling(value: int) -> int:
    """A round axis maximum at or above ``value``: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 0:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def bar_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """An SVG grouped bar chart: one group per label, one bar per series, a legend above."""
    legend, x, y = [], LEFT, 10
    for j, (name, _) in enumerate(series):
        width = 30 + 15 * len(name)
        if x + width > WIDTH and x > LEFT:
            x, y = LEFT, y + 18
        legend.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                      f'<text x="{x + 16}" y="{y + 10}" fill="#1f2430">{escape(name)}</text>')
        x += width
    top_margin = max(TOP, y + 30)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - top_margin - BOTTOM
    top = nice_ceiling(max((v for _, values in series for v in values), default=0))
    n, k = max(1, len(labels)), max(1, len(series))
    group = plot_w / n
    bar = group * 0.8 / k
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="14" font-family="sans-serif">',
             f"<title>{escape(title)}</title>"]
    steps = top if top <= 5 else 5  # nice_ceiling gives 1, 2 or a multiple of 5: every tick is a whole count
    for i in range(steps + 1):
        value = top * i // steps
        y = top_margin + plot_h - plot_h * i / steps
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e5ea"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 5:.1f}" text-anchor="end" fill="#4a5160">{value}</text>')
    every = max(1, math.ceil(len(labels) / 7))
    for i, label in enumerate(labels):
        x0 = LEFT + group * i + group * 0.1
        for j, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            if value <= 0:
                continue
            h = plot_h * value / top
            parts.append(f'<rect x="{x0 + bar * j:.1f}" y="{top_margin + plot_h - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)} '
                         f'{escape(name)}：{value}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{LEFT + group * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                         f'fill="#4a5160">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top_margin + plot_h}" y2="{top_margin + plot_h}" stroke="#6b7280"/>')
    parts.extend(legend)
    parts.append("</svg>")
    return Markup("".join(parts))
