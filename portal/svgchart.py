"""A tiny server-side SVG bar chart: no script, no inline style (the CSP allows neither).

Colours come from classes styled in ``static/records.css``; the chart scales to its
container through its viewBox and has a text title for screen readers.
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
    bar_height: int = 12,
    label_height: int = 17,
) -> Markup:
    """Horizontal bars, one per (label, value): the label on its own line above the bar,
    the value written at the end of the bar.

    With the label above, a long Chinese name never overlaps its neighbours or the bar, and
    the bars keep the chart's whole width even on a 390 px phone.
    """
    gap = 6
    row = label_height + bar_height + gap
    height = max(len(bars), 1) * row + gap
    peak = max((v for _l, v in bars), default=0) or 1
    room = width - 72  # space left for the value after the longest bar
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
        y = gap + n * row
        bar_y = y + label_height
        length = round(room * (value / peak)) if value > 0 else 0
        parts.append(
            f'<text class="chart-label" x="0" y="{y + label_height - 5}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect class="chart-bar" x="0" y="{bar_y}" width="{max(length, 1)}" '
            f'height="{bar_height}" rx="3"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{length + 6}" '
            f'y="{bar_y + bar_height - 1}">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
