"""Transcripts and the usage ledger -> pandas DataFrames (pandas is imported only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .core.transcript import Transcript
    from .core.usage import Ledger

USAGE_COLUMNS = (
    "call",
    "chat",
    "model",
    "started_at",
    "ttft_s",
    "duration_s",
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "thinking_tokens",
    "hit_rate",
    "cost_usd",
    "cost_without_cache_usd",
    "stop_reason",
    "cache_miss_reason",
    "request_id",
    "message_id",
    "error",
)
_INT_COLUMNS = (
    "call",
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "thinking_tokens",
)
_FLOAT_COLUMNS = ("ttft_s", "duration_s", "hit_rate", "cost_usd", "cost_without_cache_usd")
_TEXT_COLUMNS = ("chat", "model", "stop_reason", "cache_miss_reason", "request_id", "message_id", "error")


def usage_frame(ledger: Ledger) -> pd.DataFrame:
    """One row per API call, failed calls included, with nullable integer columns."""
    frame = pd.DataFrame(ledger.rows(), columns=list(USAGE_COLUMNS))
    frame["started_at"] = pd.to_datetime(frame["started_at"], unit="s", utc=True)
    frame = frame.astype({name: "Int64" for name in _INT_COLUMNS})
    frame = frame.astype({name: "Float64" for name in _FLOAT_COLUMNS})
    return frame.astype({name: "string" for name in _TEXT_COLUMNS})


def transcript_frame(transcript: Transcript, chat: str | None = None) -> pd.DataFrame:
    """A simple transcript table: one row per exchange (of one chat, or all), prompt and reply text."""
    rows = [
        {
            "chat": name,
            "turn": turn,
            "created_at": exchange.created_at,
            "model": exchange.reply.model,
            "prompt": exchange.prompt,
            "reply": exchange.reply.text,
            "input_tokens": exchange.reply.usage.total_input_tokens,
            "output_tokens": exchange.reply.usage.output_tokens,
            "cost_usd": exchange.reply.cost_usd,
        }
        for name, conversation in transcript.chats.items()
        if chat is None or name == chat
        for turn, exchange in enumerate(conversation.exchanges, start=1)
    ]
    columns = ["chat", "turn", "created_at", "model", "prompt", "reply", "input_tokens", "output_tokens", "cost_usd"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    return frame.astype({"turn": "Int64", "input_tokens": "Int64", "output_tokens": "Int64", "cost_usd": "Float64"})


def chats_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per chat: turns, tokens and cost (unknown when any reply's price is unknown)."""
    turns = transcript_frame(transcript)
    grouped = turns.groupby("chat", sort=False)
    frame = grouped.agg(
        turns=("turn", "count"), input_tokens=("input_tokens", "sum"), output_tokens=("output_tokens", "sum")
    )
    frame["cost_usd"] = grouped["cost_usd"].sum(min_count=1).where(~grouped["cost_usd"].apply(lambda c: c.isna().any()))
    return frame.reset_index()
