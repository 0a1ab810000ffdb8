"""What tools return and raise, as tool_result content: text, JSON, the -a table summary, image blocks."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import io
import json
from typing import Any

import matplotlib
import pandas as pd
import pytest
from anthropic.lib.tools import ToolError
from PIL import Image
from pydantic import BaseModel

from claude_magic._attach import encode_frame
from claude_magic.core.models import STANDARD_IMAGE_EDGE
from claude_magic.tools.results import ERROR_CHARS, NONE_TEXT, REPR_CHARS, encode_result, error_output, error_text

matplotlib.use("Agg")


def image_of(blocks: Any) -> Image.Image:
    assert isinstance(blocks, list)
    images = [block for block in blocks if block["type"] == "image"]
    assert len(images) == 1
    return Image.open(io.BytesIO(base64.b64decode(images[0]["source"]["data"])))


class Reading(BaseModel):
    sensor: str
    value: float


@dataclasses.dataclass
class Pair:
    left: int
    right: int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("already text", "already text"),
        (None, NONE_TEXT),
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        ({"a": [1, 2]}, '{"a": [1, 2]}'),
        ((1, "x"), '[1, "x"]'),
        ({"when": datetime.date(2024, 5, 1)}, '{"when": "2024-05-01"}'),
        (Reading(sensor="t1", value=20.5), '{"sensor": "t1", "value": 20.5}'),
        (Pair(1, 2), '{"left": 1, "right": 2}'),
        ([{"type": "fruit", "name": "apple"}], '[{"type": "fruit", "name": "apple"}]'),
        ({"ünïcode": "✓"}, '{"ünïcode": "✓"}'),
    ],
    ids=["str", "none", "int", "float", "bool", "dict", "tuple", "date", "model", "dataclass", "typed-dicts", "unicode"],  # noqa: E501
)
def test_plain_values(value: object, expected: str):
    assert encode_result(value) == expected


def test_none_reads_clearly():
    assert "None" in NONE_TEXT and NONE_TEXT != "None"


def test_a_dataframe_reads_as_an_attachment_does():
    frame = pd.DataFrame({"city": ["Oslo", "Lima", "Pune"], "temp": [3.5, 18.0, 31.2]})
    assert encode_result(frame) == encode_frame("result", frame)
    assert encode_result(frame, name="weather") == encode_frame("weather", frame)
    assert encode_result(frame, name="weather").startswith("DataFrame `weather`: 3 rows × 2 columns")


def test_a_series_reads_as_an_attachment_does():
    series = pd.Series([1, 2, 3], name="n")
    assert encode_result(series, name="s") == encode_frame("s", series)


def test_a_figure_becomes_a_png_image_block_pillow_opens():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    figure.add_subplot().plot([1, 2, 3])
    blocks = encode_result(figure, name="plot")
    assert isinstance(blocks, list)
    assert blocks[0] == {"type": "text", "text": "Image `plot`:"}
    assert blocks[1]["source"]["media_type"] == "image/png"
    image = image_of(blocks)
    assert image.format == "PNG"
    image.load()


def test_a_large_pil_image_is_downsized_to_the_long_edge():
    blocks = encode_result(Image.new("RGB", (4000, 1000), "red"))
    assert image_of(blocks).size == (STANDARD_IMAGE_EDGE, STANDARD_IMAGE_EDGE // 4)


def test_jpeg_bytes_stay_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(buffer, format="JPEG")
    blocks = encode_result(buffer.getvalue())
    assert isinstance(blocks, list)
    assert blocks[1]["source"]["media_type"] == "image/jpeg"
    assert image_of(blocks).size == (20, 10)


def test_other_bytes_read_as_their_repr():
    assert encode_result(b"\x00\x01plain") == repr(b"\x00\x01plain")


def test_content_blocks_are_passed_as_given():
    blocks = [
        {"type": "text", "text": "two results"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
    ]
    assert encode_result(blocks) == blocks
    assert encode_result(tuple(blocks)) == blocks


def test_anything_else_is_its_repr_capped():
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque " + "x" * 10_000 + ">"

    text = encode_result(Opaque())
    assert isinstance(text, str)
    assert text.startswith("<Opaque xxx")
    assert len(text) < REPR_CHARS + 60
    assert text.endswith(f"of {len(repr(Opaque())):,} characters)")


def test_a_huge_json_result_is_cut_with_a_note():
    text = encode_result(list(range(100_000)))
    assert isinstance(text, str)
    assert len(text) < 100_100
    assert "(cut: " in text


def test_numpy_values_are_json():
    import numpy as np

    assert json.loads(str(encode_result({"mean": np.float64(1.5), "counts": np.arange(3)}))) == {
        "mean": 1.5,
        "counts": [0, 1, 2],
    }


def test_error_text_is_one_line_with_the_type():
    assert error_text(ValueError("bad thing")) == "ValueError: bad thing"
    assert error_text(KeyError()) == "KeyError"
    assert error_text(RuntimeError("first\n  second\tthird")) == "RuntimeError: first second third"


def test_error_text_is_capped():
    text = error_text(ValueError("x" * 5000))
    assert text.startswith("ValueError: xxx")
    assert ERROR_CHARS <= len(text) < ERROR_CHARS + 60


def test_a_tool_error_is_its_content():
    assert error_text(ToolError("the sensor is offline")) == "the sensor is offline"
    assert error_output(ToolError("the sensor is offline")) == "the sensor is offline"
    blocks = [{"type": "text", "text": "see the screenshot"}]
    assert error_output(ToolError(blocks)) == blocks
    assert error_output(ValueError("v")) == "ValueError: v"
