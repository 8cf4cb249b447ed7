"""A tiny server-side SVG bar chart: no script, no inline style (the CSP allows neither).

Colours come from classes styled in ``static/records.css``; the chart scales to
its container and has a text title for screen readers.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    bars: list[tuple[str, float]],
    title: str,
    unit: str = "",
    width: int = 360,
    bar_height: int = 22,
    label_width: int = 84,
) -> Markup:
    """Horizontal bars, one per (label, value), with the value written at the end of each.

    Horizontal bars keep Chinese labels readable on a phone.
    """
    gap = 8
    height = max(len(bars), 1) * (bar_height + gap) + gap
    peak = max((v for _l, v in bars), default=0) or 1
    room = width - label_width - 64
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(
            f'<text class="chart-empty" x="{width // 2}" y="{height // 2 + 5}" '
            'text-anchor="middle">暂无数据</text>'
        )
    for n, (label, value) in enumerate(bars):
        y = gap + n * (bar_height + gap)
        length = round(room * (value / peak)) if value > 0 else 0
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + bar_height * 0.68:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect class="chart-bar" x="{label_width}" y="{y}" width="{max(length, 1)}" '
            f'height="{bar_height}" rx="3"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{label_width + length + 6}" '
            f'y="{y + bar_height * 0.68:.1f}">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
