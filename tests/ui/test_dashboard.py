"""The dashboard Figure on the Agg backend: plotted series, summary line, empty state, live widget."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from claude_magic.core.usage import CallRecord, Ledger, Usage
from claude_magic.ui.dashboard import NEUTRAL, LiveDashboard, dashboard_figure, figure_png


def record(call: int, usage: Usage, cost: float, without: float, miss: str | None = None) -> CallRecord:
    return CallRecord(call, "default", "claude-sonnet-5-5", 0.0, 0.1, 1.0, usage, cost, without, "end_turn", None, None,
                      cache_miss_reason=miss)  # fmt: skip


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger()
    ledger.append(record(1, Usage(input_tokens=100, cache_write_5m_tokens=900, output_tokens=50), 0.01, 0.008))
    ledger.append(record(2, Usage(input_tokens=100, cache_read_input_tokens=900, output_tokens=70), 0.002, 0.009,
                         "messages_changed"))  # fmt: skip
    return ledger


def bar_heights(axes, label):
    container = next(c for c in axes.containers if c.get_label() == label)
    return [patch.get_height() for patch in container.patches]


def test_token_bars_are_stacked_read_write_uncached_with_output_beside(ledger):
    tokens = dashboard_figure(ledger).axes[0]
    assert bar_heights(tokens, "cache read") == [0, 900]
    assert bar_heights(tokens, "cache write") == [900, 0]
    assert bar_heights(tokens, "uncached") == [100, 100]
    assert bar_heights(tokens, "output") == [50, 70]
    uncached = next(c for c in tokens.containers if c.get_label() == "uncached")
    assert [p.get_y() for p in uncached.patches] == [900, 900]


def test_hit_rates_and_cumulative_costs(ledger):
    _, rates, costs = dashboard_figure(ledger).axes
    per_call, cumulative = (list(line.get_ydata()) for line in rates.lines)
    assert per_call == pytest.approx([0.0, 0.9])
    assert cumulative == pytest.approx([0.0, 900 / 2000])
    cost, without = (list(line.get_ydata()) for line in costs.lines)
    assert cost == pytest.approx([0.01, 0.012])
    assert without == pytest.approx([0.008, 0.017])


def test_summary_line(ledger):
    title = dashboard_figure(ledger)._suptitle.get_text()
    assert "2 calls" in title and "2,000 in / 120 out" in title
    assert "saved $0.0050 (29%)" in title and "hit rate 45%" in title
    assert "last cache miss: messages_changed" in title


def test_empty_state_is_a_message_not_an_error():
    figure = dashboard_figure(Ledger())
    assert "No API calls yet" in figure.axes[0].texts[0].get_text()
    assert figure_png(figure).startswith(b"\x89PNG")


class Shown:
    """Stands in for IPython's display(..., display_id=True): keeps what was shown and every update."""

    def __init__(self) -> None:
        self.bundles: list[dict] = []

    def __call__(self, obj, display_id=False):
        assert display_id is True, "the dashboard is updated in place, so it needs a display id"
        self.bundles.append(obj._repr_mimebundle_())
        return self

    def update(self, obj) -> None:
        self.bundles.append(obj._repr_mimebundle_())


def test_live_dashboard_is_an_image_updated_in_place_after_a_call(ledger):
    shown = Shown()
    LiveDashboard(ledger, interval_s=0.0, show=shown)
    ledger.append(record(3, Usage(input_tokens=5, output_tokens=5), 0.001, 0.001))
    first, last = shown.bundles[0], shown.bundles[-1]
    assert len(shown.bundles) == 2
    assert first["image/png"].startswith(b"\x89PNG") and last["image/png"].startswith(b"\x89PNG")
    assert first["image/png"] != last["image/png"], "the image was not redrawn after the call"
    assert set(last) == {"image/png", "text/plain"}, "no widget: the saved output renders without a kernel"
    assert "3 calls" in last["text/plain"] and "2 calls" in first["text/plain"]


def test_plot_displays_as_a_png_once_the_extension_registered_its_hook(session):
    from IPython.core.interactiveshell import InteractiveShell

    from claude_magic.ipython.extension import show_figures_as_png

    shell = InteractiveShell.instance()
    show_figures_as_png(shell)
    session.ask("hello")
    figure = session.usage.plot()
    data, _ = shell.display_formatter.format(figure)
    assert data["image/png"].startswith(b"\x89PNG")


def drawn_texts(figure):
    """Every text the dashboard writes itself: titles, axis labels, legends, annotations."""
    texts = list(figure.texts)
    for axes in figure.axes:
        texts += [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts]
        legend = axes.get_legend()
        texts += [*legend.get_texts(), legend.get_title()] if legend else []
    return texts


def test_dollar_amounts_are_drawn_as_dollars_not_mathtext(ledger):
    figure = dashboard_figure(ledger)
    title = figure.texts[0]
    assert "cost $0.0120 · saved $0.0050" in title.get_text()
    for text in drawn_texts(figure):
        assert text.get_parse_math() is False and text.get_usetex() is False, text.get_text()


def test_dollars_stay_plain_even_when_the_user_turned_tex_on(ledger):
    with matplotlib.rc_context({"text.usetex": True}):
        figure = dashboard_figure(ledger)
    assert all(text.get_usetex() is False for text in drawn_texts(figure))


def test_empty_state_text_is_plain_too():
    figure = dashboard_figure(Ledger())
    assert all(text.get_parse_math() is False for text in drawn_texts(figure))


def test_caching_that_cost_more_than_it_saved_says_so():
    ledger = Ledger()
    ledger.append(record(1, Usage(input_tokens=100, cache_write_5m_tokens=900, output_tokens=50), 0.0125, 0.0115))
    title = dashboard_figure(ledger).texts[0].get_text()
    assert "caching cost $0.0010 more (9%)" in title
    assert "saved" not in title and "$-" not in title


def test_one_call_is_singular(ledger):
    one = Ledger()
    one.append(ledger.records[0])
    assert dashboard_figure(one).texts[0].get_text().startswith("1 call · ")


def many_calls(count: int) -> Ledger:
    ledger = Ledger()
    for call in range(1, count + 1):
        usage = Usage(input_tokens=100, cache_read_input_tokens=900, output_tokens=70)
        ledger.append(record(call, usage, 0.002, 0.009))
    return ledger


def call_ticks(axes):
    low, high = axes.get_xlim()
    return [tick for tick in axes.get_xticks() if low <= tick <= high]


@pytest.mark.parametrize("count", [1, 2, 7, 200])
def test_call_axes_show_whole_call_numbers_only(count):
    figure = dashboard_figure(many_calls(count))
    figure_png(figure)  # ticks are placed when the figure is drawn
    for axes in figure.axes:
        ticks = call_ticks(axes)
        assert ticks and all(float(tick).is_integer() for tick in ticks), (axes.get_title(), ticks)
        assert min(ticks) >= 1 and max(ticks) <= count and len(ticks) <= 9


def test_a_single_call_has_its_one_tick():
    figure = dashboard_figure(many_calls(1))
    figure_png(figure)
    assert all(call_ticks(axes) == [1] for axes in figure.axes)


def stack_tops(axes):
    """The top of every bar drawn on the token axes, in data units."""
    return [patch.get_y() + patch.get_height() for container in axes.containers for patch in container.patches]


@pytest.mark.parametrize("count", [1, 2, 7])
def test_the_tallest_bar_and_the_legend_fit_under_the_top_of_the_token_axes(count):
    figure = dashboard_figure(many_calls(count))
    figure_png(figure)
    tokens = figure.axes[0]
    tallest = max(stack_tops(tokens))
    assert tallest == 1000 and tokens.get_ylim()[1] >= 1.2 * tallest
    renderer = figure.canvas.get_renderer()
    legend = tokens.get_legend().get_window_extent(renderer)
    top_of_bars = tokens.transData.transform((1, tallest))[1]
    assert legend.y0 > top_of_bars, "the legend sits in the headroom, above every bar"
    assert legend.y1 <= tokens.get_window_extent(renderer).y1


def test_rates_and_costs_have_headroom_above_their_highest_point(ledger):
    _, rates, costs = dashboard_figure(ledger).axes
    assert rates.get_ylim()[1] > 1.0 and max(rates.get_yticks()) == 1.0, "no tick promises a rate above 100%"
    highest = max(max(line.get_ydata()) for line in costs.lines)
    assert costs.get_ylim()[1] >= 1.2 * highest


@pytest.mark.parametrize("ledger_of", [many_calls, lambda count: Ledger()])
def test_the_figure_is_transparent_with_grey_text_and_axes(ledger_of):
    from matplotlib.colors import to_rgba

    figure = dashboard_figure(ledger_of(3))
    figure_png(figure)
    assert figure.get_facecolor()[3] == 0 and all(axes.get_facecolor()[3] == 0 for axes in figure.axes)
    grey = to_rgba(NEUTRAL)
    for text in drawn_texts(figure):
        assert to_rgba(text.get_color()) == grey, text.get_text()
    for axes in figure.axes:
        labels = [*axes.get_xticklabels(), *axes.get_yticklabels()]
        assert all(to_rgba(label.get_color()) == grey for label in labels)
        assert all(to_rgba(spine.get_edgecolor()) == grey for spine in axes.spines.values())
        legend = axes.get_legend()
        assert legend is None or not legend.get_frame_on(), "no white legend box on a dark page"


def test_the_png_is_transparent_where_nothing_is_drawn(ledger):
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(figure_png(dashboard_figure(ledger)))).convert("RGBA")
    assert image.getpixel((0, image.height - 1))[3] == 0 and image.getpixel((image.width - 1, 0))[3] == 0
