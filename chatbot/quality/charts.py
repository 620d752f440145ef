"""The trend chart of evaluation runs, drawn on the server with matplotlib as SVG (no scripts)."""

import io
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja
from matplotlib import font_manager
from matplotlib.figure import Figure

from chatbot.models import EvaluationRun

# Japanese labels use the IPAexGothic font shipped inside the matplotlib-fontja package (the same on every
# machine); the monthly report's charts (analytics) use it too.
FONT_PATH = Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"
_font_lock = threading.Lock()
_font_name: str | None = None


def font_name() -> str:
    global _font_name
    with _font_lock:
        if _font_name is None:
            font_manager.fontManager.addfont(str(FONT_PATH))
            _font_name = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
        return _font_name


SERIES = (
    ("resolved", "解決 Resolved", "#2e7d32"),
    ("wrong_answer_rate", "誤回答率 Wrong answers", "#c62828"),
    ("sr1", "1位正解 SR@1", "#1565c0"),
    ("clarify_share", "選択肢提示 Clarify share", "#f9a825"),
)


def trend(runs: list[EvaluationRun]) -> bytes:
    """Measures of the given completed runs (oldest first) as one SVG line chart."""
    matplotlib.rcParams["font.family"] = font_name()
    matplotlib.rcParams["svg.fonttype"] = "path"
    figure = Figure(figsize=(7.2, 3.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(runs)))
    for key, label, colour in SERIES:
        values = [(run.metrics or {}).get(key) for run in runs]
        points = [(x, float(v)) for x, v in zip(positions, values, strict=True) if isinstance(v, int | float)]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label, color=colour)
    axes.set_ylim(0, 1)
    axes.set_ylabel("割合 Share")
    step = max(1, len(runs) // 8)
    axes.set_xticks(positions[::step], [f"{run.started_at:%m-%d %H:%M}" for run in runs][::step], fontsize=7)
    if not runs:
        axes.text(
            0.5, 0.5, "評価の実行がまだありません No runs yet", ha="center", va="center", transform=axes.transAxes
        )
    else:
        axes.legend(fontsize=8, loc="lower left")
    axes.set_title("評価の推移 Evaluation trend", fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()
