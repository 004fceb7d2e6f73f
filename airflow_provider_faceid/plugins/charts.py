"""Inline SVG charts: stacked bars per day and horizontal bars per category, no script, no CDN.

Each drawn value also sits in a ``data-*`` attribute and a ``<title>`` (the tooltip), so what the
eye sees, what a screen reader reads and what a browser test checks are the same number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#84cc16", "#ec4899")


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_days(
    *,
    chart_id: str,
    days: Sequence[str],
    series: Sequence[str],
    values: Mapping[tuple[str, str], int],
    width: int = 720,
    height: int = 180,
) -> str:
    """One bar per day, one segment per series (``values[(day, series)]``), with a legend."""
    totals = [sum(values.get((day, s), 0) for s in series) for day in days]
    peak = max(totals, default=0) or 1
    left, bottom, top = 36, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.8, 1.0)
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" data-total="{sum(totals)}">',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" class="axis">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" class="axis">0</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" class="base"/>',
    ]
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y: float = top + plot_h
        day_attrs = " ".join(
            f'data-{escape(_attr(s))}="{values.get((day, s), 0)}"' for s in series if values.get((day, s))
        )
        parts.append(f'<g class="day" data-day="{day}" data-total="{totals[i]}" {day_attrs}>')
        for j, name in enumerate(series):
            value = values.get((day, name), 0)
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour(j)}">'
                f"<title>{day} {escape(name)}: {value}</title></rect>"
            )
        parts.append("</g>")
    for i in _label_indexes(len(days)):
        x = left + i * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="axis">{days[i][5:]}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{colour(j)}"></i>{escape(name)}</span>'
        for j, name in enumerate(series)
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def horizontal_bars(*, chart_id: str, items: Sequence[tuple[str, int]], width: int = 600) -> str:
    """One labelled bar per item, longest first as given."""
    if not items:
        return '<p class="empty">Nothing in this range.</p>'
    row_h, label_w = 22, 330
    height = row_h * len(items) + 4
    peak = max(v for _, v in items) or 1
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" data-total="{sum(v for _, v in items)}">'
    ]
    for i, (label, value) in enumerate(items):
        y = 2 + i * row_h
        w = (width - label_w - 50) * value / peak
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
            f'fill="{colour(i)}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" class="value">{value}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _attr(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def _label_indexes(count: int, *, most: int = 10) -> list[int]:
    if count <= most:
        return list(range(count))
    step = -(-count // most)
    return list(range(0, count, step))
