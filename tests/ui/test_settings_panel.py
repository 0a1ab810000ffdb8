"""The settings panel: widgets and ClaudeMagics traits stay equal in both directions, without a kernel."""

from __future__ import annotations

import pytest

from claude_magic.core.models import REGISTRY, lookup
from claude_magic.core.settings import SETTING_NAMES
from claude_magic.ipython.magics import ClaudeMagics
from claude_magic.ui.settings_panel import SettingsPanel

BOUND_TRAITS = (*SETTING_NAMES, "history_window", "table_token_budget")


@pytest.fixture
def magics(session):
    return ClaudeMagics(session=session)


@pytest.fixture
def panel(magics):
    return SettingsPanel(magics, REGISTRY)


def test_moving_a_control_changes_the_trait_and_the_next_request(panel, magics, session, sim):
    panel.controls["max_tokens"].value = 900
    panel.controls["effort"].value = "low"
    panel.controls["model"].value = "claude-haiku-5-5"
    assert (magics.max_tokens, magics.effort, magics.model) == (900, "low", "claude-haiku-5-5")
    session.ask("hi")
    body = sim.requests[-1].body
    assert (body["max_tokens"], body["output_config"], body["model"]) == (900, {"effort": "low"}, "claude-haiku-5-5")


def test_setting_a_trait_moves_the_control(panel, magics):
    magics.max_tokens = 900
    magics.effort = "xhigh"
    magics.system = "Be terse."
    magics.thinking = "off"
    magics.history_window = 3
    magics.cache = "1h"
    c = panel.controls
    assert (c["max_tokens"].value, c["effort"].value, c["system"].value) == (900, "xhigh", "Be terse.")
    assert (c["thinking"].value, c["history_window"].value, c["cache"].value) == ("off", 3, "1h")
    magics.effort = None
    assert c["effort"].value == "default"


def test_system_prompt_applies_on_blur_not_per_keystroke(panel, magics):
    assert panel.controls["system"].continuous_update is False
    panel.controls["system"].value = "You are a statistician."
    assert magics.system == "You are a statistician."
    panel.controls["system"].value = ""
    assert magics.system is None


def test_history_window_reaches_the_session(panel, magics, session):
    panel.controls["history_window"].value = 2
    assert session.history_window == 2


def test_two_panels_stay_in_sync(magics):
    first, second = SettingsPanel(magics, REGISTRY), SettingsPanel(magics, REGISTRY)
    first.controls["max_tokens"].value = 1234
    first.controls["thinking"].value = "off"
    assert second.controls["max_tokens"].value == 1234
    assert second.controls["thinking"].value == "off"


def test_model_change_clamps_max_tokens_and_slider_bound(panel, magics):
    magics.max_tokens = 100_000
    panel.controls["model"].value = "claude-haiku-4-5"
    assert magics.model == "claude-haiku-4-5"
    assert magics.max_tokens == lookup("claude-haiku-4-5").max_output == 64_000
    assert panel.controls["max_tokens"].max == 64_000
    assert "$1 in / $5 out per MTok" in panel.model_info.value and "200,000 context" in panel.model_info.value


def test_model_change_drops_settings_the_model_rejects(panel, magics):
    magics.effort = "high"
    magics.thinking = "adaptive"
    panel.controls["model"].value = "claude-haiku-4-5"  # no effort, no adaptive thinking
    assert (magics.model, magics.effort, magics.thinking) == ("claude-haiku-4-5", None, "auto")
    assert panel.error.value == ""


def test_large_budget_is_dropped_before_max_tokens_shrinks(panel, magics):
    magics.model = "claude-opus-4-6"
    magics.max_tokens = 120_000
    magics.thinking = 100_000
    panel.controls["model"].value = "claude-opus-4-5"
    assert (magics.max_tokens, magics.thinking) == (64_000, "auto")


def test_rejected_control_value_reverts_with_one_line(panel, magics, session):
    panel.controls["thinking"].value = "budget"  # Sonnet 5.5 rejects manual budgets
    assert magics.thinking == "auto" and session.settings.thinking == "auto"
    assert panel.controls["thinking"].value == "auto"
    assert "rejects manual thinking budgets" in panel.error.value
    panel.controls["thinking"].value = "off"
    assert panel.error.value == "" and magics.thinking == "off"


def test_budget_slider_enabled_only_for_manual_budget_models(panel, magics):
    budget = panel.controls["thinking_budget"]
    assert budget.disabled
    magics.model = "claude-opus-4-6"
    panel.controls["thinking"].value = "budget"
    assert isinstance(magics.thinking, int) and not budget.disabled
    budget.value = 2048
    assert magics.thinking == 2048
    magics.max_tokens = 3000
    assert budget.max == 2999


def test_cache_note_only_when_the_chat_has_history(magics):
    warm = []
    panel = SettingsPanel(magics, REGISTRY, cache_in_use=lambda: bool(warm))
    panel.controls["system"].value = "new system"
    assert panel.note.value == ""
    warm.append(1)
    panel.controls["system"].value = "another system"
    assert "invalidates this chat's prompt cache" in panel.note.value
    panel.controls["show_thinking"].value = True
    assert panel.note.value == ""


def test_unknown_model_from_config_is_added_to_the_dropdown(panel, magics):
    magics.model = "claude-sonnet-5-5-20261101"
    assert panel.controls["model"].value == "claude-sonnet-5-5-20261101"


def test_every_control_has_the_same_label_width(panel):
    widths = {name: control.style.description_width for name, control in panel.controls.items()}
    assert set(widths.values()) == {"110px"}, widths


def test_toggle_buttons_lay_out_their_label_like_the_other_rows(panel):
    # ipywidgets 8 gives ToggleButtons no widget-inline-hbox class: its label is then inline text, not a column.
    for name in ("thinking", "cache"):
        assert "widget-inline-hbox" in panel.controls[name]._dom_classes


def setting_writes(magics):
    writes = []
    magics.observe(lambda change: writes.append(change["name"]), names=[*BOUND_TRAITS])
    return writes


def test_moving_bounds_never_writes_thinking_when_it_is_not_a_budget(panel, magics):
    writes = setting_writes(magics)
    magics.max_tokens = 2000
    panel.controls["model"].value = "claude-opus-4-6"
    magics.max_tokens = 1100
    assert magics.thinking == "auto" and "thinking" not in writes
    assert panel.controls["thinking_budget"].disabled


def test_disabled_budget_slider_keeps_the_chosen_budget_while_bounds_move(panel, magics):
    magics.model = "claude-opus-4-6"
    magics.max_tokens = 20_000
    panel.controls["thinking"].value = "budget"
    panel.controls["thinking_budget"].value = 8000
    panel.controls["thinking"].value = "auto"
    magics.max_tokens = 2000
    assert panel.controls["thinking_budget"].value == 1999  # shown within its bounds
    magics.max_tokens = 20_000
    assert panel.controls["thinking_budget"].value == 8000
    panel.controls["thinking"].value = "budget"
    assert magics.thinking == 8000


def test_the_default_budget_is_not_moved_by_the_default_max_tokens(panel, magics):
    magics.model = "claude-opus-4-6"
    magics.max_tokens = 20_000
    panel.controls["thinking"].value = "budget"
    assert magics.thinking == 4096


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_tokens", 5000), ("thinking_budget", 2000), ("history_window", 4), ("effort", "low"), ("cache", "1h")],
)
def test_a_disabled_control_never_changes_the_setting(panel, magics, name, value):
    magics.model = "claude-opus-4-6"
    magics.thinking = 3000
    before = {setting: getattr(magics, setting) for setting in BOUND_TRAITS}
    control = panel.controls[name]
    control.disabled = True
    control.value = value
    assert {setting: getattr(magics, setting) for setting in BOUND_TRAITS} == before


def test_saved_output_has_a_readable_fallback_beside_the_widget(panel, magics):
    magics.max_tokens = 900
    magics.system = "<b>terse</b>"
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    html, text = bundle["text/html"], bundle["text/plain"]
    assert "<table" in html and "<td>max_tokens</td><td>900</td>" in html
    assert "&lt;b&gt;terse&lt;/b&gt;" in html and "<b>terse" not in html
    assert "run %claude settings again" in html and "run %claude settings again" in text
    assert "max_tokens = 900" in text and "model = claude-sonnet-5-5" in text


def test_fallback_shows_the_settings_when_displayed(panel, magics):
    magics.thinking = "off"
    assert "thinking = off" in panel._repr_mimebundle_()["text/plain"]
    magics.effort = "low"
    assert "effort = low" in panel._repr_mimebundle_()["text/plain"]
    magics.effort = None
    text = panel._repr_mimebundle_()["text/plain"]
    assert "effort = default" in text and "system = none" in text


def test_a_long_system_prompt_is_cut_in_the_fallback(panel, magics):
    magics.system = "line one\n" + "x" * 500
    text = panel._repr_mimebundle_()["text/plain"]
    assert "system = line one xxx" in text and "x" * 300 not in text and "…" in text


def test_a_notebook_saved_without_widget_state_exports_the_table(panel, magics):
    import nbformat
    from nbconvert import HTMLExporter

    magics.max_tokens = 900
    output = nbformat.v4.new_output("display_data", data=panel._repr_mimebundle_())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%claude settings", outputs=[output])])
    exported, _ = HTMLExporter().from_notebook_node(notebook)
    assert "<td>max_tokens</td><td>900</td>" in exported and "run %claude settings again" in exported


def test_the_platform_dropdown_moves_requests_to_that_platform(panel, magics):
    panel.controls["platform"].value = "bedrock"
    assert magics.platform == "bedrock" and magics.session.connection.platform.name == "bedrock"
    magics.platform = "vertex"
    assert panel.controls["platform"].value == "vertex"
