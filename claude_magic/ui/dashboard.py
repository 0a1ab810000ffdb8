"""The cache and cost dashboard: one matplotlib Figure (object API), shown as an image output redrawn in place."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.usage import CallRecord, Ledger, format_cost
from .throttle import Throttle

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

REFRESH_INTERVAL_S = 1.0
MAX_CALL_TICKS = 8
MAX_CALLS_WITH_MARKERS = 30
EMPTY_MESSAGE = "No API calls yet: run a %%claude cell and the dashboard fills in."
# 720 x 540 px at 100 dpi: shown unscaled from 900 px wide pages and at 9/10 in a notebook at 800 px.
FIGSIZE = (7.2, 5.4)
# Mid-grey text and axes read on JupyterLab's light and dark themes alike; the background is transparent.
NEUTRAL = "#808080"
HEADROOM = 1.3  # the token axis reaches 30% above the tallest bar: room for it and for the legend above it


@dataclass(frozen=True)
class Series:
    """The plotted data, one entry per call (failed calls included, with their partial usage)."""

    calls: list[int]
    cache_read: list[int]
    cache_write: list[int]
    uncached: list[int]
    output: list[int]
    hit_rate: list[float]
    cumulative_hit_rate: list[float]
    cumulative_cost: list[float]
    cumulative_cost_without_cache: list[float]
    batches: list[int] = field(default_factory=list)  # the calls that are Message Batches (one row per batch)


def series(records: Sequence[CallRecord]) -> Series:
    """Per-call token bars, hit rates and cumulative costs (unknown costs count as 0 in the curves)."""
    reads = [r.usage.cache_read_input_tokens for r in records]
    totals = [r.usage.total_input_tokens for r in records]
    return Series(
        calls=[r.call for r in records],
        cache_read=reads,
        cache_write=[r.usage.cache_creation_input_tokens for r in records],
        uncached=[r.usage.input_tokens for r in records],
        output=[r.usage.output_tokens for r in records],
        hit_rate=[r.usage.hit_rate or 0.0 for r in records],
        cumulative_hit_rate=_running_ratio(reads, totals),
        cumulative_cost=_running_sum([r.cost_usd or 0.0 for r in records]),
        cumulative_cost_without_cache=_running_sum([r.cost_without_cache_usd or 0.0 for r in records]),
        batches=[r.call for r in records if r.is_batch],
    )


def _running_sum(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _running_ratio(parts: list[int], wholes: list[int]) -> list[float]:
    part_sums, whole_sums = _running_sum([float(p) for p in parts]), _running_sum([float(w) for w in wholes])
    return [p / w if w else 0.0 for p, w in zip(part_sums, whole_sums, strict=True)]


def summary_line(records: Sequence[CallRecord]) -> str:
    """Calls, tokens, cost, savings in $ and %, overall hit rate and the latest cache-miss reason."""
    if not records:
        return EMPTY_MESSAGE
    data = series(records)
    tokens_in = sum(data.cache_read) + sum(data.cache_write) + sum(data.uncached)
    cost, without = _total_cost(records), data.cumulative_cost_without_cache[-1]
    misses = [r.cache_miss_reason for r in records if r.cache_miss_reason]
    return " · ".join(
        [
            f"{len(records)} call{'' if len(records) == 1 else 's'}",
            f"{tokens_in:,} in / {sum(data.output):,} out tokens",
            f"cost {format_cost(cost)}",
            _savings(cost, without),
            f"hit rate {data.cumulative_hit_rate[-1]:.0%}",
            f"last cache miss: {misses[-1] if misses else 'none'}",
            *_batch_note(records),
        ]
    )


def _batch_note(records: Sequence[CallRecord]) -> list[str]:
    """'2 batches (1,500 requests, batch prices)' when the ledger holds Message Batches."""
    batches = [r for r in records if r.is_batch]
    if not batches:
        return []
    requests = sum(r.requests for r in batches)
    return [f"{len(batches)} batch{'' if len(batches) == 1 else 'es'} ({requests:,} requests, batch prices)"]


def _savings(cost: float | None, without: float) -> str:
    """'saved $0.0050 (29%)', or 'caching cost $0.0010 more (9%)' when cache writes outweighed the reads."""
    if cost is None:
        return f"saved {format_cost(None)}"
    saved = without - cost
    percent = f" ({abs(saved) / without:.0%})" if without else ""
    if round(saved, 4) < 0:
        return f"caching cost {format_cost(-saved)} more{percent}"
    return f"saved {format_cost(max(saved, 0.0))}{percent}"


def _total_cost(records: Sequence[CallRecord]) -> float | None:
    costs = [r.cost_usd for r in records]
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def dashboard_figure(ledger: Ledger) -> Figure:
    """Tokens per call, hit rates and cumulative costs in one Figure; an empty state without calls."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, layout="constrained", facecolor="none")
    records = list(ledger.records)
    figure.suptitle(summary_line(records), fontsize=9)
    if records:
        _plot_all(figure, series(records))
    else:
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.5, EMPTY_MESSAGE, ha="center", va="center")
    _draw_dollars_as_dollars(figure)
    _neutral_colours(figure)
    return figure


def _plot_all(figure: Figure, data: Series) -> None:
    grid = figure.add_gridspec(2, 2)  # tokens across the top, rates and costs below: readable at 800 px
    tokens, rates, costs = (
        figure.add_subplot(grid[0, :]),
        figure.add_subplot(grid[1, 0]),
        figure.add_subplot(grid[1, 1]),
    )
    _plot_tokens(tokens, data)
    _plot_rates(rates, data)
    _plot_costs(costs, data)
    for axes in (tokens, rates, costs):
        _call_axis(axes, len(data.calls))


def _call_axis(axes: Axes, calls: int) -> None:
    """Whole call numbers only, from call 1 to the last, at most MAX_CALL_TICKS of them."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(nbins=MAX_CALL_TICKS, integer=True, min_n_ticks=1))
    axes.set_xlim(0.5, calls + 0.5)


def _draw_dollars_as_dollars(figure: Figure) -> None:
    """Our texts are plain: matplotlib reads text between two `$` as mathtext, or as TeX under usetex."""
    for text in _own_texts(figure):
        text.set_parse_math(False)
        text.set_usetex(False)


def _neutral_colours(figure: Figure) -> None:
    """Grey text, ticks and frames on a transparent ground, so neither a light nor a dark page hides them."""
    for text in _own_texts(figure):
        text.set_color(NEUTRAL)
    for axes in figure.axes:
        axes.set_facecolor("none")
        axes.tick_params(colors=NEUTRAL)
        for spine in axes.spines.values():
            spine.set_edgecolor(NEUTRAL)


def _own_texts(figure: Figure) -> list[Text]:
    texts = list(figure.texts)
    for axes in figure.axes:
        texts += [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts]
        legend = axes.get_legend()
        texts += [*legend.get_texts(), legend.get_title()] if legend else []
    return texts


def _plot_tokens(axes: Any, data: Series) -> None:
    x = [c - 0.2 for c in data.calls]
    axes.bar(x, data.cache_read, 0.4, label="cache read", color="tab:green")
    axes.bar(x, data.cache_write, 0.4, bottom=data.cache_read, label="cache write", color="tab:orange")
    below = [r + w for r, w in zip(data.cache_read, data.cache_write, strict=True)]
    axes.bar(x, data.uncached, 0.4, bottom=below, label="uncached", color="tab:red")
    axes.bar([c + 0.2 for c in data.calls], data.output, 0.4, label="output", color="tab:blue")
    for call in data.batches:  # a batch row sums many requests: shaded so it is not read as one call
        axes.axvspan(call - 0.45, call + 0.45, color="tab:purple", alpha=0.12, label="batch")
    title = "Tokens per call (shaded: a Message Batch)" if data.batches else "Tokens per call"
    tallest = max(max(below[i] + data.uncached[i], data.output[i]) for i in range(len(data.calls)))
    axes.set(title=title, xlabel="call", ylabel="tokens", ylim=(0, max(tallest, 1) * HEADROOM))
    _legend(axes)


def _plot_rates(axes: Any, data: Series) -> None:
    from matplotlib.ticker import PercentFormatter

    dot, square = _markers(data)
    axes.plot(data.calls, data.hit_rate, f"{dot}-", label="per call")
    axes.plot(data.calls, data.cumulative_hit_rate, f"{square}--", label="cumulative")
    axes.set(title="Cache hit rate", xlabel="call", ylim=(0, HEADROOM), yticks=[0, 0.25, 0.5, 0.75, 1])
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    _legend(axes)


def _plot_costs(axes: Any, data: Series) -> None:
    dot, square = _markers(data)
    axes.plot(data.calls, data.cumulative_cost, f"{dot}-", label="cost")
    axes.plot(data.calls, data.cumulative_cost_without_cache, f"{square}--", label="without caching")
    top = max(data.cumulative_cost[-1], data.cumulative_cost_without_cache[-1])
    axes.set(title="Cumulative cost (USD)", xlabel="call", ylim=(0, (top or 1e-4) * HEADROOM))
    _legend(axes)


def _legend(axes: Any, ncols: int = 2) -> None:
    """The legend in a row along the top, in the headroom above the data, with no box to glare on a dark page."""
    axes.legend(fontsize=7, loc="upper left", ncols=ncols, frameon=False)


def _markers(data: Series) -> tuple[str, str]:
    """A marker per call while they can be told apart; bare lines beyond MAX_CALLS_WITH_MARKERS."""
    return ("o", "s") if len(data.calls) <= MAX_CALLS_WITH_MARKERS else ("", "")


def figure_png(figure: Figure) -> bytes:
    """The figure rendered to PNG bytes with the Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


class DashboardImage:
    """The dashboard as a PNG output (with a one-line text/plain): what a saved notebook keeps, no widget."""

    def __init__(self, ledger: Ledger) -> None:
        self.png = figure_png(dashboard_figure(ledger))
        self.summary = summary_line(list(ledger.records))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"image/png": self.png, "text/plain": f"claude_magic dashboard: {self.summary}"}


class LiveDashboard:
    """The dashboard as an image output, redrawn in place (display id, throttled) after every ledger record.

    Like matplotlib's own outputs it is an `image/png`, so a saved notebook shows the last chart
    with no kernel; `show` is IPython's `display` (a test hands in its own).
    """

    def __init__(
        self, ledger: Ledger, interval_s: float = REFRESH_INTERVAL_S, show: Callable[..., Any] | None = None
    ) -> None:
        self.ledger = ledger
        self.image = DashboardImage(ledger)
        self.handle = (show or _display)(self.image, display_id=True)
        self._throttle = Throttle(self.redraw, interval_s)
        self._interval = interval_s
        ledger.observe(self._on_record)

    def redraw(self) -> None:
        self.image = DashboardImage(self.ledger)
        if self.handle is not None:
            self.handle.update(self.image)

    def _on_record(self, record: CallRecord) -> None:
        self._throttle.poke()
        # A record that arrived inside the interval is drawn when the interval ends.
        timer = threading.Timer(self._interval, self._throttle.flush)
        timer.daemon = True
        timer.start()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": f"claude_magic live dashboard: {self.image.summary}"}


def _display(obj: Any, **kwargs: Any) -> Any:
    from IPython.display import display

    return display(obj, **kwargs)


def show_dashboard(ledger: Ledger) -> LiveDashboard:
    """Show the dashboard for `ledger` as an image that redraws in place after each call; returns its keeper."""
    return LiveDashboard(ledger)
