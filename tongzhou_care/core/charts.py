"""Chart data for the pages' charts, drawn in the browser by static/js/dashboards.js with the
vendored Chart.js. A chart is plain data (sent with json_script, never inline script); the
numbers are those of the table printed beside it, which is what keyboard and screen-reader
users read and what prints."""

from decimal import Decimal

# One palette for every chart, in the order datasets are given; light and dark alternate so
# neighbouring series differ in lightness too (colour is never the only cue: the legend and
# the table name every series).
PALETTE = ("#0b4a8b", "#6fa8dc", "#b45f06", "#f6b26b", "#38761d", "#93c47d", "#741b47", "#c27ba0", "#666666")


def _number(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def series(label: str, values, *, stack: str | None = None, kind: str | None = None, color: str | None = None) -> dict:
    """One dataset: its label, its values (None leaves a gap), optionally the stack it belongs
    to, a line drawn over bars (kind="line"), its colour."""
    out = {"label": label, "data": [_number(v) for v in values]}
    if stack:
        out["stack"] = stack
    if kind:
        out["type"] = kind
    if color:
        out["color"] = color
    return out


def chart(kind: str, labels, datasets: list[dict], *, title: str, unit: str = "", horizontal: bool = False,
          stacked: bool = False, max_value=None) -> dict:
    """A chart: "bar" (optionally horizontal or stacked; datasets of kind "line" drawn over it)
    or "doughnut"; `unit` ("元", "件", "%", "人") formats the axis and the tooltips; `title` is the
    canvas's accessible name (the table beside it has the figures)."""
    for i, dataset in enumerate(datasets):
        dataset.setdefault("color", PALETTE[i % len(PALETTE)])
    return {"type": kind, "labels": [str(label) for label in labels], "datasets": datasets, "title": title,
            "unit": unit, "horizontal": horizontal, "stacked": stacked, "max": _number(max_value)}
