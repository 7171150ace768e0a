"""Bar charts as SVG made on the server (the annual report's PDF needs no browser): labels on
the horizontal axis, one bar per series for each label, the values written above the bars, so
the printout can be read in black and white. Values in, markup out."""

from html import escape

PALETTE = ("#1f5fa8", "#e07b00", "#2e8b57", "#8b2e5f")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 40


def _nice_max(value: float) -> float:
    """A round upper bound for the axis: 1, 2 or 5 × a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _short(value: float) -> str:
    if value >= 10000:
        return f"{value / 10000:.1f}万"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[float]]], unit: str = "") -> str:
    """An SVG bar chart with a title, a value axis from 0, the bars of each series side by side
    and a legend when there is more than one series."""
    top = _nice_max(max((v for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'font-family="Noto Sans CJK SC, sans-serif" font-size="10" role="img" aria-label="{escape(title)}">',
           f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="12" font-weight="bold">{escape(title)}</text>']
    for k in range(5):
        y = TOP + plot_h - plot_h * k / 4
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.5"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{_short(top * k / 4)}</text>')
    for i, label in enumerate(labels):
        x0 = LEFT + i * group_w + group_w * 0.1
        for j, (_, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / top
            x, y = x0 + j * bar_w, TOP + plot_h - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[j % len(PALETTE)]}"/>')
            if len(labels) * len(series) <= 24:
                out.append(f'<text x="{x + bar_w * 0.45:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="8">'
                           f'{_short(value)}</text>')
        out.append(f'<text x="{LEFT + (i + 0.5) * group_w:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                   f'{escape(label)}</text>')
    if len(series) > 1:
        for j, (name, _) in enumerate(series):
            x = LEFT + j * 90
            out.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                       f'<text x="{x + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
    if unit:
        out.append(f'<text x="4" y="{TOP - 6}">{escape(unit)}</text>')
    out.append("</svg>")
    return "".join(out)
