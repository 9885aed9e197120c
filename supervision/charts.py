"""Server-drawn SVG bar charts: no script and no inline style, so they pass a strict CSP.

Every label and number goes through `format_html`, which escapes it.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
BAR_AREA = 170
TOP = 24
LABEL_H = 42


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // step) * step)


def bar_chart(points: list[tuple[str, float]], *, title: str, unit: str = "") -> SafeString:
    """A labelled bar chart of `points` (label, value); an empty list draws "no data"."""
    height = TOP + BAR_AREA + LABEL_H
    if not points:
        return format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
            '<text x="{}" y="{}" class="chart-empty" text-anchor="middle">—</text></svg>',
            WIDTH,
            height,
            title,
            WIDTH // 2,
            height // 2,
        )
    top = _nice_max(max(v for _l, v in points))
    slot = (WIDTH - 40) / len(points)
    bar = max(4.0, slot * 0.7)
    bars = []
    for i, (label, value) in enumerate(points):
        h = BAR_AREA * value / top
        x = 40 + i * slot + (slot - bar) / 2
        y = TOP + BAR_AREA - h
        shown = f"{value:g}"
        bars.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar:.1f}",
                f"{h:.1f}",
                label,
                shown,
                unit,
                f"{x + bar / 2:.1f}",
                f"{y - 4:.1f}",
                shown,
                f"{TOP + BAR_AREA + 16:.1f}",
                label,
            )
        )
    body = format_html_join(
        "",
        '<g class="bar"><rect x="{0}" y="{1}" width="{2}" height="{3}"><title>{4}: {5} {6}</title></rect>'
        '<text x="{7}" y="{8}" text-anchor="middle" class="chart-value">{9}</text>'
        '<text x="{7}" y="{10}" text-anchor="middle" class="chart-label">{11}</text></g>',
        bars,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<line x1="40" y1="{}" x2="{}" y2="{}" class="chart-axis"></line>'
        '<text x="36" y="{}" text-anchor="end" class="chart-scale">{}</text>'
        '<text x="36" y="{}" text-anchor="end" class="chart-scale">0</text>{}</svg>',
        WIDTH,
        height,
        title,
        TOP + BAR_AREA,
        WIDTH,
        TOP + BAR_AREA,
        TOP + 4,
        f"{top:g}",
        TOP + BAR_AREA,
        body,
    )
