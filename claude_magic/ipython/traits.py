"""The %config settings of ClaudeMagics: each trait's type, default and help, and the thinking trait's several forms.

Where each value goes, and the checks that need the session, are in `ipython/bindings.py`.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Enum, Float, HasTraits, Int, List, TraitError, TraitType, Unicode

from ..core.budget import PREFLIGHT_TOKENS
from ..core.defaults import AGENT_APPROVALS, APPROVAL_TIMEOUT_S, DEFAULT_CONTEXT_TOKENS, DEFAULT_MAX_ROUNDS
from ..core.errors import SettingsError
from ..core.models import CACHE_POLICIES, DEFAULT_MODEL, EFFORTS
from ..core.platforms import PLATFORMS
from ..core.settings import THINKING_WORDS, parse_thinking

MASK = "••••••"  # what listings show instead of a header value


DISPLAYS = ("auto", "widget", "html", "markdown", "text")


class Thinking(TraitType):  # unsubscripted: traitlets 5.9 (the lowest allowed) has no TraitType[...]
    """auto, off, adaptive, or a budget in tokens: a word in any case or a number (also as text) is kept parsed."""

    default_value = "auto"
    info_text = f"{', '.join(THINKING_WORDS)} or a whole number of budget tokens"

    def validate(self, obj: Any, value: Any) -> Any:
        if not isinstance(value, int | str):
            self.error(obj, value)
        try:
            return parse_thinking(value)
        except SettingsError as error:
            raise TraitError(error.message) from None


class ClaudeTraits(HasTraits):
    """The settings every %%claude option defaults to, set with `%config ClaudeMagics.NAME = value`."""

    model = Unicode(DEFAULT_MODEL, help="Model id (longest-prefix match against the registry).").tag(config=True)
    max_tokens = Int(4096, help="Maximum output tokens per reply.").tag(config=True)
    effort = Enum(
        EFFORTS,
        default_value=None,
        allow_none=True,
        help="Effort: low, medium, high, xhigh or max; None = the model's default.",
    ).tag(config=True)
    thinking = Thinking(help="auto (model default), off, adaptive, or a manual budget in tokens.").tag(config=True)
    show_thinking = Bool(False, help="Ask for summarised thinking text (current models omit it by default).").tag(
        config=True
    )
    system = Unicode(None, allow_none=True, help="System prompt sent with every request.").tag(config=True)
    cache = Enum(
        CACHE_POLICIES, default_value="auto", help="Prompt caching: auto (5-minute breakpoints), off, 5m or 1h."
    ).tag(config=True)
    prices = Dict(
        help="Price overrides in USD per million tokens, per model prefix and token class "
        "(input, write_5m, write_1h, cache_read, output), e.g. {'claude-opus-5-5': {'input': 4}}; "
        "from pyproject.toml once you run %claude trust."
    ).tag(config=True)
    simulate = Bool(False, help="Use the built-in offline simulator instead of the real API.").tag(config=True)
    display = Enum(
        DISPLAYS,
        default_value="auto",
        help="How replies are shown: auto (the live widget panel, or plain HTML outputs where widgets are not "
        "drawn), widget, html (the panel through plain display outputs), markdown, or text.",
    ).tag(config=True)
    autosave = Unicode(
        None, allow_none=True, help="Append every exchange to this JSON Lines file as it completes (fsync'd)."
    ).tag(config=True)
    replay = Unicode(None, allow_none=True, help="Record replies to / replay them from this JSON Lines file.").tag(
        config=True
    )
    replay_mode = Enum(
        ("record", "replay", "auto"), default_value="auto", help="record, replay (offline), or auto (replay hits)."
    ).tag(config=True)
    table_token_budget = Int(
        4000, help="Most tokens (1 or more) a DataFrame attachment may use before it is truncated."
    ).tag(config=True)
    history_window = Int(0, help="Past turns of the chat sent with each prompt; 0 sends them all.").tag(config=True)
    timeout = Float(
        60.0,
        allow_none=True,
        help="Seconds to wait for an answer and for each next piece of a reply (connecting: at most 10); "
        "None waits forever. Token counts, batch calls and model listing wait as long.",
    ).tag(config=True)
    max_retries = Int(
        None,
        allow_none=True,
        help="Retries after 429, 5xx and connection errors, for every request; None = the client's own (2).",
    ).tag(config=True)
    retry_on_timeout = Bool(
        False, help="After a timeout before the reply starts, try once more with no read limit."
    ).tag(config=True)
    mcp_servers = Dict(
        help="MCP servers --mcp NAME may start: {NAME: {'command': 'python', 'args': [...], 'env': {...}}}; "
        "also [tool.claude_magic.mcp.NAME] in pyproject.toml, once you run %claude trust.",
    ).tag(config=True)
    headers = Dict(
        value_trait=Unicode(), help="Extra HTTP headers sent with every request, e.g. {'X-Team': 'research'}."
    ).tag(config=True)
    user_id = Unicode(
        None,
        allow_none=True,
        help="metadata.user_id: an opaque id (a uuid or hash) for abuse detection; None sends none.",
    ).tag(config=True)
    betas = List(Unicode(), help="Beta features sent as anthropic-beta, e.g. ['context-1m-2025-08-07'].").tag(
        config=True
    )
    compact_at = Int(
        None, allow_none=True, help="Let the API compact the chat's context past this many input tokens (beta)."
    ).tag(config=True)
    max_retry_wait = Float(
        60.0, help="Longest retry-after (seconds) honoured; a longer one fails at once, saying when to retry."
    ).tag(config=True)
    preflight_tokens = Int(
        PREFLIGHT_TOKENS, help="Count a request's input first when it is estimated above this; 0 counts every one."
    ).tag(config=True)
    budget_usd = Float(
        None, allow_none=True, help="Session spend cap in USD: a request that could cross it is not sent; None = none."
    ).tag(config=True)
    max_tool_rounds = Int(
        DEFAULT_MAX_ROUNDS, help="Most rounds of tool calls a cell runs before its loop stops (1 or more)."
    ).tag(config=True)
    approval_timeout = Float(
        APPROVAL_TIMEOUT_S,
        allow_none=True,
        help="Seconds --confirm waits for an Approve / Deny click before it denies the call; None waits forever.",
    ).tag(config=True)
    context = Enum(
        ("on", "off"),
        default_value="on",
        help="Send what changed in the notebook since the chat's previous prompt (cells run with their outputs "
        "and errors, variables' structure; never a secret) before each %%claude cell's text; off: never "
        "(--context forces it for one cell, --no-context leaves it out). %claude context shows it.",
    ).tag(config=True)
    context_tokens = Int(
        DEFAULT_CONTEXT_TOKENS,
        help="Most tokens the notebook context of one cell may take (1 to 50,000); the cells and variables "
        "the cell's text mentions, then the newest, win; the rest are named as left out.",
    ).tag(config=True)
    context_exclude = List(
        Unicode(),
        help="Variable names (fnmatch patterns, e.g. ['raw_*', 'customers']) whose values never go as context, "
        "wherever they would appear; the name may.",
    ).tag(config=True)
    agent_timeout = Float(
        300.0,
        allow_none=True,
        help="Seconds one --agent call's code may run before it is stopped (an error result goes back); "
        "None sets no limit.",
    ).tag(config=True)
    agent_approval = Enum(
        AGENT_APPROVALS,
        default_value="ask",
        help="ask: each --agent call waits for your Approve (or the cell's --yes); session: every call of every "
        "cell runs without asking, until you set ask. Only your own %config sets it, never a project file.",
    ).tag(config=True)

    platform = Enum(
        PLATFORMS,
        default_value="anthropic",
        help="Where requests go: anthropic (the Claude API), bedrock, vertex or foundry; credentials come from "
        "the platform's usual sources (AWS profiles/SSO, gcloud ADC, ANTHROPIC_FOUNDRY_API_KEY or Entra ID).",
    ).tag(config=True)
    aws_region = Unicode(None, allow_none=True, help="Bedrock: AWS region; None = AWS_REGION or the profile's.").tag(
        config=True
    )
    aws_profile = Unicode(None, allow_none=True, help="Bedrock: AWS profile in ~/.aws; None = the default chain.").tag(
        config=True
    )
    vertex_project = Unicode(
        None, allow_none=True, help="Vertex AI: Google Cloud project; None = GOOGLE_CLOUD_PROJECT or gcloud ADC's."
    ).tag(config=True)
    vertex_region = Unicode(
        None, allow_none=True, help="Vertex AI: region, e.g. global or us-east5; None = CLOUD_ML_REGION."
    ).tag(config=True)
    foundry_resource = Unicode(
        None, allow_none=True, help="Foundry: resource NAME of https://NAME.services.ai.azure.com."
    ).tag(config=True)

    def shown(self, name: str) -> Any:
        """A trait's value as listings show it: header values may be secrets, so only their names appear."""
        if name == "headers":
            return {header: MASK for header in self.headers}
        return getattr(self, name)
