"""The shape a saved notebook must have before `audit` totals its provenance, checked with pydantic.

A notebook is untrusted input: a cell, output or call of the wrong type, or a forged cost (negative,
NaN, Infinity, `true`), is refused as one line instead of being read or totalled. Only what audit reads
is checked; every other field may hold anything.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictStr, ValidationError

from .core.errors import TranscriptFileError
from .core.provenance import METADATA_KEY

# Strict: a bool or a string is no number; a float field still takes a JSON integer.
Cost = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Strict(), Field(ge=0)]
Rate = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CallRow(_Open):
    call: Count | None = None
    chat: StrictStr | None = None
    model: StrictStr | None = None
    request_id: StrictStr | None = None
    input_tokens: Count | None = None
    cache_read_input_tokens: Count | None = None
    cache_creation_input_tokens: Count | None = None
    output_tokens: Count | None = None
    cost_usd: Cost | None = None
    hit_rate: Rate | None = None
    replay_key: StrictStr | None = None
    kind: StrictStr | None = None
    requests: Count | None = None


class Provenance(_Open):
    calls: list[CallRow] = []
    cost_usd: Cost | None = None


class OutputMetadata(_Open):
    provenance: Provenance | None = Field(default=None, alias=METADATA_KEY)


class Output(_Open):
    metadata: OutputMetadata | None = None


class Cell(_Open):
    outputs: list[Output] = []


class Notebook(_Open):
    cells: list[Cell] = []


def check_notebook(notebook: Any, path: object) -> None:
    """Raise one TranscriptFileError naming the first field of `notebook` audit cannot read or total."""
    try:
        Notebook.model_validate(notebook)
    except ValidationError as error:
        detail = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in detail["loc"]) or "top level"
        raise TranscriptFileError(
            f"{path} cannot be audited: {where}: {detail['msg']}; fix or re-run that cell and save again"
        ) from None
