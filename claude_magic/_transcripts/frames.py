"""Transcripts and the usage ledger -> pandas DataFrames (pandas is imported only here)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

from ..core.errors import TranscriptFileError
from ..core.records import MESSAGE_COLUMNS, message_rows
from ..core.usage import USAGE_COLUMNS

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.transcript import Transcript
    from ..core.usage import Ledger

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
_TEXT_COLUMNS = ("chat", "model", "stop_reason", "refusal", "cache_miss_reason", "request_id", "message_id", "error")


def usage_frame(ledger: Ledger) -> pd.DataFrame:
    """One row per API call, failed calls included, with nullable integer columns."""
    frame = pd.DataFrame(ledger.rows(), columns=list(USAGE_COLUMNS))
    frame["started_at"] = pd.to_datetime(frame["started_at"], unit="s", utc=True)
    frame = frame.astype({name: "Int64" for name in _INT_COLUMNS})
    frame = frame.astype({name: "Float64" for name in _FLOAT_COLUMNS})
    return frame.astype({name: "string" for name in _TEXT_COLUMNS})


_MESSAGE_INT_COLUMNS = (
    "turn",
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
)
_MESSAGE_TEXT_COLUMNS = (
    "chat",
    "role",
    "text",
    "thinking",
    "model",
    "stop_reason",
    "refusal",
    "message_id",
    "request_id",
)


def transcript_frame(transcript: Transcript, chat: str | None = None) -> pd.DataFrame:
    """One row per message (user, then assistant), with nullable dtypes and tz-aware `created_at`."""
    frame = pd.DataFrame(message_rows(transcript, chat), columns=list(MESSAGE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    frame = frame.astype({name: "Int64" for name in _MESSAGE_INT_COLUMNS})
    frame = frame.astype({"cost_usd": "Float64"})
    frame = frame.astype({"citations": "object", "attachments": "object"})
    return frame.astype({name: "string" for name in _MESSAGE_TEXT_COLUMNS})


def write_frame(frame: pd.DataFrame, target: Path, suffix: str | None = None) -> None:
    """Write as CSV, or as Parquet when pyarrow is installed (lists are kept as JSON text in CSV).

    The format follows `suffix`, or the target's own suffix when not given.
    """
    if (suffix or target.suffix).lower() == ".parquet":
        _require_pyarrow()
        frame.to_parquet(target, index=False)
        return
    flat = frame.copy()
    for name in ("citations", "attachments"):
        flat[name] = flat[name].map(lambda value: json.dumps(value, ensure_ascii=False))
    # Unpaired surrogates (possible in Python str) cannot be UTF-8; they are written as \udXXX.
    flat.to_csv(target, index=False, encoding="utf-8", errors="backslashreplace")


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise TranscriptFileError(
            "Parquet export needs pyarrow: pip install pyarrow, or export to .csv or .jsonl instead."
        ) from None


def chats_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per chat: turns, tokens and cost (unknown when any reply's price is unknown)."""
    replies = transcript_frame(transcript)
    replies = replies[replies["role"] == "assistant"].assign(
        input_tokens=lambda f: f["input_tokens"] + f["cache_read_input_tokens"] + f["cache_creation_input_tokens"]
    )
    grouped = replies.groupby("chat", sort=False)
    frame = grouped.agg(
        turns=("turn", "count"), input_tokens=("input_tokens", "sum"), output_tokens=("output_tokens", "sum")
    )
    frame["cost_usd"] = grouped["cost_usd"].sum(min_count=1).where(~grouped["cost_usd"].apply(lambda c: c.isna().any()))
    return frame.reset_index()
