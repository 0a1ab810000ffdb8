"""Transcripts and the usage ledger -> pandas DataFrames (pandas is imported only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
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
