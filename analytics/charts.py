"""Charts of the monthly figures, drawn on the server with matplotlib (no scripts, nothing loaded from outside).

Japanese labels use the IPAexGothic font shipped inside the matplotlib-fontja
package, so charts look the same on every machine.
"""

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from analytics.models import MonthlyAggregate
from chatbot.quality.charts import FONT_PATH, font_name

__all__ = ["CHARTS", "FONT_PATH", "draw", "font_name"]

CHARTS = ("outcomes", "questions", "latency", "feedback")
COLOURS = {"answer": "#2e7d32", "clarify": "#f9a825", "handoff": "#1565c0", "rejected": "#9e9e9e"}


def _figure() -> Figure:
    figure = Figure(figsize=(7.2, 3.2), dpi=100, layout="constrained")
    return figure


def draw(name: str, months: list[MonthlyAggregate], *, fmt: str = "svg") -> bytes:
    """One chart over the given months (oldest first) as SVG or PNG bytes."""
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}")
    matplotlib.rcParams["font.family"] = font_name()
    matplotlib.rcParams["svg.fonttype"] = "path"
    labels = [f"{item.month:%Y-%m}" for item in months]
    positions = list(range(len(months)))
    figure = _figure()
    axes = figure.add_subplot()
    if name == "outcomes":
        bottom = [0.0] * len(months)
        series = [
            ("answer", "回答 Answered", [item.share(item.answered) * 100 for item in months]),
            ("clarify", "確認 Clarify", [item.share(item.clarified) * 100 for item in months]),
            ("handoff", "担当課へ Handoff", [item.share(item.handed_off) * 100 for item in months]),
            ("rejected", "受付不可 Rejected", [item.share(item.rejected) * 100 for item in months]),
        ]
        for key, label, values in series:
            axes.bar(positions, values, bottom=bottom, label=label, color=COLOURS[key])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_ylabel("%")
        axes.set_ylim(0, 100)
        axes.set_title("結果の割合 Outcomes")
    elif name == "questions":
        axes.plot(positions, [item.turns for item in months], marker="o", label="質問数 Questions", color="#1565c0")
        axes.plot(
            positions, [item.unanswered for item in months], marker="o", label="未解決 Unanswered", color="#c62828"
        )
        axes.set_ylim(bottom=0)
        axes.set_title("質問数の推移 Questions per month")
    elif name == "latency":
        axes.plot(positions, [item.latency_p50_ms or 0 for item in months], marker="o", label="p50", color="#2e7d32")
        axes.plot(positions, [item.latency_p95_ms or 0 for item in months], marker="o", label="p95", color="#ef6c00")
        axes.set_ylabel("ms")
        axes.set_ylim(bottom=0)
        axes.set_title("応答時間 Response time")
    else:
        width = 0.4
        axes.bar(
            [p - width / 2 for p in positions],
            [item.helpful for item in months],
            width,
            label="役に立った Helpful",
            color="#2e7d32",
        )
        axes.bar(
            [p + width / 2 for p in positions],
            [item.not_helpful for item in months],
            width,
            label="役に立たなかった Not helpful",
            color="#c62828",
        )
        axes.set_ylim(0, max([1, *(item.helpful for item in months), *(item.not_helpful for item in months)]) * 1.1)
        axes.set_title("評価 Feedback")
    axes.set_xticks(positions, labels, rotation=45 if len(months) > 6 else 0, fontsize=8)
    if not months:
        axes.text(0.5, 0.5, "データなし No data", ha="center", va="center", transform=axes.transAxes)
    else:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()
