"""Live settings controls: ipywidgets bound two-way to the traits of a settings object."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as w
from traitlets import HasTraits, TraitError

from ..core.caching import CACHE_BREAKING_SETTINGS
from ..core.models import EFFORTS, ENABLED, MIN_THINKING_BUDGET, ModelInfo, lookup
from ..core.platforms import PLATFORMS
from ..core.settings import CACHE_POLICIES, THINKING_WORDS, Settings, fit_to_model

EFFORT_STEPS = ("default", *EFFORTS)
THINKING_MODES = (*THINKING_WORDS, "budget")
LABEL_WIDTH = "110px"
DEFAULT_BUDGET = 4096
SHOWN_TRAITS = (
    "model", "max_tokens", "effort", "thinking", "show_thinking", "cache", "system", "history_window",
    "table_token_budget",
)  # fmt: skip
FALLBACK_HINT = "live controls: run %claude settings again"
SETTLED_HINT = "when the next cell ran"
FALLBACK_VALUE_CHARS = 200

Converter = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


class _Binding:
    """Keeps one widget and one trait equal; a rejected widget value is reverted and reported."""

    def __init__(
        self, panel: SettingsPanel, widget: w.ValueWidget, name: str, to_trait: Converter, to_widget: Converter
    ):
        self.panel, self.widget, self.name = panel, widget, name
        self.to_trait, self.to_widget = to_trait, to_widget
        self._busy = False
        self.pull()
        widget.observe(self._push, names="value")
        panel.target.observe(self._pulled, names=name)

    def pull(self) -> None:
        self._set_widget(self.to_widget(getattr(self.panel.target, self.name)))

    def _pulled(self, change: dict[str, Any]) -> None:
        self.pull()

    def _set_widget(self, value: Any) -> None:
        self._busy = True
        try:
            self.widget.value = value
        finally:
            self._busy = False

    def _push(self, change: dict[str, Any]) -> None:
        if self._busy or self.panel.updating:
            return
        if self.widget.disabled:  # only a user can move a control, and only an enabled one
            self.pull()
            return
        self.panel.apply(self.name, self.to_trait(change["new"]), revert=self.pull)


class SettingsPanel:
    """A settings panel; `controls[name]` is the widget for trait `name`."""

    def __init__(
        self,
        target: HasTraits,
        models: Sequence[ModelInfo],
        *,
        cache_in_use: Callable[[], bool] = lambda: False,
    ) -> None:
        self.target: Any = target  # a HasTraits with the ClaudeMagics setting traits
        self.models = {info.id: info for info in models}
        self.cache_in_use = cache_in_use
        self.updating = False  # True while the panel itself moves slider bounds and values
        self._budget = DEFAULT_BUDGET  # the last budget chosen, kept while max_tokens hides it
        self.controls: dict[str, Any] = _make_controls(target, list(self.models))
        self.model_info = w.HTML()
        self.note = w.HTML()
        self.error = w.HTML()
        self._bind_all()
        self.target.observe(self._refresh_limits, names=["model", "max_tokens", "thinking"])
        self._refresh_limits()
        self.widget = w.VBox([*self._rows(), self.note, self.error])
        self.display_id = f"claude-settings-{self.widget.model_id}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget, plus the settings as text and as a table for outputs whose widget is gone."""
        return {**(self.widget._repr_mimebundle_(**kwargs) or {}), **self.settled_bundle("when shown")}

    def settled_bundle(self, when: str) -> dict[str, str]:
        """The settings this panel holds now, as text and as a table: the form a saved notebook keeps."""
        rows = [(name, _shown(name, getattr(self.target, name))) for name in SHOWN_TRAITS]
        return {"text/plain": _fallback_text(rows, when), "text/html": _fallback_html(rows, when)}

    def _ipython_display_(self) -> None:
        """Show the live panel; the next cell run replaces every display of it by its settled table."""
        from IPython.display import display

        from .next_cell import settle_after_next_cell

        display(self._repr_mimebundle_(), raw=True, display_id=self.display_id)
        settle_after_next_cell(self.display_id, lambda: self.settled_bundle(SETTLED_HINT))

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Widget changes made inside are the panel's own: they never reach the traits."""
        outer, self.updating = self.updating, True
        try:
            yield
        finally:
            self.updating = outer

    # -- binding ------------------------------------------------------------------------

    def _bind_all(self) -> None:
        c = self.controls
        self.bindings = [
            _Binding(self, c["model"], "model", _same, self._known_model),
            _Binding(self, c["max_tokens"], "max_tokens", _same, _same),
            _Binding(self, c["effort"], "effort", _effort_to_trait, _effort_to_widget),
            _Binding(self, c["thinking"], "thinking", self._thinking_to_trait, _thinking_to_widget),
            _Binding(self, c["thinking_budget"], "thinking", self._budget_to_trait, self._budget_to_widget),
            _Binding(self, c["show_thinking"], "show_thinking", _same, _same),
            _Binding(self, c["cache"], "cache", _same, _same),
            *([_Binding(self, c["platform"], "platform", _same, _same)] if "platform" in c else []),
            _Binding(self, c["system"], "system", lambda text: text or None, lambda value: value or ""),
            _Binding(self, c["history_window"], "history_window", _same, _same),
            _Binding(self, c["table_token_budget"], "table_token_budget", _same, _same),
        ]

    def apply(self, name: str, value: Any, *, revert: Callable[[], None] = lambda: None) -> None:
        """Set trait `name`; a rejected value shows one line and leaves the old value."""
        if name == "thinking" and value == getattr(self.target, name):
            return
        try:
            if name == "model":
                self._fit_to(value)
            setattr(self.target, name, value)
        except TraitError as error:
            self.error.value = f"<span style='color:#b00'>{_escape(str(error))}</span>"
            revert()
            return
        self.error.value = ""
        self._note_cache(name)

    def _fit_to(self, model: str) -> None:
        current = Settings(**{name: getattr(self.target, name) for name in ("max_tokens", "effort", "thinking")})
        changes = fit_to_model(current, self.models.get(model))
        # thinking first: a smaller max_tokens is only valid once a large budget is gone.
        for name in ("thinking", "effort", "max_tokens"):
            if name in changes:
                setattr(self.target, name, changes[name])

    def _note_cache(self, name: str) -> None:
        if name in CACHE_BREAKING_SETTINGS and self.cache_in_use():
            self.note.value = (
                f"<i>Changing {name} invalidates this chat's prompt cache: the next call writes it anew.</i>"
            )
        else:
            self.note.value = ""

    # -- conversions that depend on the model ------------------------------------------

    def _known_model(self, model: str) -> str:
        if model not in self.models:
            self.models[model] = lookup(model) or ModelInfo(model, model, None, 0, 128_000, frozenset(), False, 0)
            self.controls["model"].options = list(self.models)
        return model

    def _thinking_to_trait(self, mode: str) -> Any:
        if mode != "budget":
            return mode
        budget = self.controls["thinking_budget"].value
        return min(max(budget, MIN_THINKING_BUDGET), self.target.max_tokens - 1)

    def _budget_to_trait(self, budget: int) -> Any:
        return budget if self.controls["thinking"].value == "budget" else self.target.thinking

    def _budget_to_widget(self, thinking: Any) -> int:
        if isinstance(thinking, int):
            self._budget = thinking
        return min(self._budget, self.controls["thinking_budget"].max)

    def _refresh_limits(self, change: Any = None) -> None:
        info = self.models.get(self.target.model)
        max_tokens, budget = self.controls["max_tokens"], self.controls["thinking_budget"]
        # ipywidgets clamps a slider's value into new bounds: the shown value moves, the setting must not.
        with self._quietly():
            if info and info.max_output:
                max_tokens.max = info.max_output
            budget.max = max(MIN_THINKING_BUDGET, self.target.max_tokens - 1)
            budget.value = min(self._budget, budget.max)
        manual = bool(info and info.accepts(ENABLED))
        budget.disabled = not (manual and isinstance(self.target.thinking, int))
        self.model_info.value = _describe(info)

    def _rows(self) -> list[Any]:
        c = self.controls
        return [
            _row(c["model"], self.model_info),
            c["max_tokens"],
            c["effort"],
            _row(c["thinking"], c["thinking_budget"]),
            c["show_thinking"],
            c["cache"],
            c["system"],
            _row(c["history_window"], c["table_token_budget"]),
            *([c["platform"]] if "platform" in c else []),
        ]


def _row(*controls: Any) -> w.HBox:
    """Controls side by side while they fit; a narrow page wraps the later ones onto their own line."""
    return w.HBox(list(controls), layout=w.Layout(flex_flow="row wrap", align_items="center", max_width="100%"))


def _make_controls(target: HasTraits, model_ids: list[str]) -> dict[str, Any]:
    style = {"description_width": LABEL_WIDTH}
    buttons = {**style, "button_width": "auto"}  # each button as wide as its word: the row fits at 800 px
    wide = w.Layout(width="34em", max_width="100%")
    model = target.model
    return {
        "model": w.Dropdown(
            options=[*model_ids, *([] if model in model_ids else [model])], description="model", style=style
        ),
        "max_tokens": w.IntSlider(min=1, max=128_000, step=1, description="max_tokens", style=style, layout=wide),
        "effort": w.SelectionSlider(options=EFFORT_STEPS, description="effort", style=style),
        "thinking": _labelled_row(w.ToggleButtons(options=THINKING_MODES, description="thinking", style=buttons)),
        "thinking_budget": w.IntSlider(
            min=MIN_THINKING_BUDGET, max=128_000, step=256, value=DEFAULT_BUDGET, description="budget", style=style
        ),
        "show_thinking": w.Checkbox(description="show thinking", style=style),
        "cache": _labelled_row(w.ToggleButtons(options=CACHE_POLICIES, description="cache / TTL", style=buttons)),
        "system": w.Textarea(description="system", continuous_update=False, style=style, layout=wide),
        "history_window": w.BoundedIntText(min=0, max=10_000, description="turns sent", style=style),
        "table_token_budget": w.BoundedIntText(min=0, max=1_000_000, step=500, description="table tokens", style=style),
        **(
            {"platform": w.Dropdown(options=PLATFORMS, description="platform", style=style)}
            if target.has_trait("platform")
            else {}
        ),
    }


def _labelled_row(buttons: w.ToggleButtons) -> w.ToggleButtons:
    """ToggleButtons laid out like the other controls: a label column of LABEL_WIDTH, then the buttons."""
    # ipywidgets 8 leaves this class off ToggleButtons; without it the label is inline text and its width is ignored.
    buttons.add_class("widget-inline-hbox")
    return buttons


def _shown(name: str, value: Any) -> str:
    """One line of at most FALLBACK_VALUE_CHARS; no effort is the model's default, no system prompt is none."""
    if value is None:
        return "default" if name == "effort" else "none"
    text = " ".join(str(value).split())
    return text if len(text) <= FALLBACK_VALUE_CHARS else text[: FALLBACK_VALUE_CHARS - 1] + "…"


def _fallback_text(rows: list[tuple[str, str]], when: str) -> str:
    settings = " · ".join(f"{name} = {value}" for name, value in rows)
    return f"claude settings {when}: {settings} ({FALLBACK_HINT})"


def _fallback_html(rows: list[tuple[str, str]], when: str) -> str:
    body = "".join(f"<tr><td>{_escape(name)}</td><td>{_escape(value)}</td></tr>" for name, value in rows)
    caption = f"claude settings {_escape(when)} ({FALLBACK_HINT})"
    return f"<table class='claude-settings-table'><caption>{caption}</caption>{body}</table>"


def _effort_to_trait(step: str) -> str | None:
    return None if step == "default" else step


def _effort_to_widget(effort: str | None) -> str:
    return effort or "default"


def _thinking_to_widget(thinking: Any) -> str:
    return "budget" if isinstance(thinking, int) else str(thinking)


def _describe(info: ModelInfo | None) -> str:
    if info is None:
        return ""
    prices = info.prices
    price = f"${prices.input:g} in / ${prices.output:g} out per MTok" if prices else "price unknown"
    context = f"{info.context_window:,} context" if info.context_window else "context unknown"
    return f"<small>{_escape(info.name)} · {price} · {context} · {info.max_output:,} max output</small>"


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
