"""claude_magic._attach: each kind of object or file becomes the right blocks."""

from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from claude_magic._attach import Target, attach_object, attach_path, encode_frame, html_to_text
from claude_magic.core.content import image_size
from claude_magic.core.errors import AttachmentError
from tests.media import pdf, png

matplotlib.use("Agg")

SONNET = Target("claude-sonnet-5-5")  # high-resolution tier: 2576 px
OPUS_4_6 = Target("claude-opus-4-6")  # standard tier: 1568 px


def sent_image(attachment) -> bytes:
    label, image = attachment.blocks
    assert label == {"type": "text", "text": f"Image `{attachment.name}`:"}
    return base64.b64decode(image["source"]["data"])


def test_frame_summary_has_shape_dtypes_edges_and_describe():
    frame = pd.DataFrame({"region": ["n", "s", "e", "w"] * 5, "sales": np.arange(20.0)})
    text = encode_frame("sales", frame)
    assert text.startswith("DataFrame `sales`: 20 rows × 2 columns\n")
    assert "region: " in text and "sales: float64" in text
    assert "first 5 and last 5 of 20 rows:" in text
    assert "describe() of numeric columns:" in text and "9.5" in text  # the mean of 0..19
    assert "shortened" not in text and "cut to fit" not in text


def test_frame_summary_says_when_the_budget_shortens_it():
    wide = pd.DataFrame(np.ones((30, 400)))
    text = encode_frame("wide", wide, budget=800)
    assert len(text) / 4 <= 800
    assert "400 columns" in text and "columns shown" in text


def test_frame_summary_cut_to_a_tiny_budget_says_so():
    text = encode_frame("f", pd.DataFrame({"a" * 300: [1, 2]}), budget=50)
    assert text.endswith("raise --table-budget to see more)")
    assert len(text) <= 50 * 4


def test_series_and_full_csv():
    series = attach_object("v", pd.Series([1, 2, 3], name="v"), SONNET)
    assert series.kind == "dataframe" and "3 rows × 1 columns" in series.blocks[0]["text"]
    full = attach_object("df", pd.DataFrame({"a": [1, 2]}), SONNET, full=True)
    assert full.blocks == (
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": ",a\n0,1\n1,2\n"},
            "title": "df (CSV)",
        },
    )


def test_figure_is_png_within_the_long_edge():
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3), dpi=50)
    axes.plot([1, 2, 3])
    attachment = attach_object("chart", figure, SONNET)
    plt.close(figure)
    data = sent_image(attachment)
    assert data.startswith(b"\x89PNG") and max(image_size(data)) <= 200


@pytest.mark.parametrize(("target", "edge"), [(SONNET, 2576), (OPUS_4_6, 1568)])
def test_large_image_downsized_to_the_models_long_edge(target, edge):
    data = sent_image(attach_object("photo", png(4000, 1000), target))
    assert image_size(data) == (edge, round(1000 * edge / 4000))


def test_small_image_bytes_sent_unchanged():
    data = png(30, 20)
    assert sent_image(attach_object("raw", data, SONNET)) == data


def test_pil_image_and_jpeg_kept_as_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    image = Image.open(io.BytesIO(buffer.getvalue()))
    attachment = attach_object("pic", image, SONNET)
    assert attachment.blocks[1]["source"]["media_type"] == "image/jpeg"


def test_repr_fallbacks():
    class Plot:
        def _repr_png_(self):
            return png(8, 8)

    class Note:
        def _repr_markdown_(self):
            return "# Title"

    class Table:
        def _repr_html_(self):
            return "<table><tr><td>a</td><td>1</td></tr></table><script>alert(1)</script>"

    assert attach_object("p", Plot(), SONNET).blocks[1]["type"] == "image"
    assert attach_object("n", Note(), SONNET).blocks[0]["source"]["data"] == "# Title"
    assert attach_object("t", Table(), SONNET).blocks[0]["source"]["data"] == "a\t1"


def test_unsupported_object_is_one_line():
    with pytest.raises(AttachmentError, match=r"cannot attach x: a object has no image, text or table form"):
        attach_object("x", object(), SONNET)


def test_pdf_bytes_and_corrupt_pdf():
    attachment = attach_object("report", pdf(2), SONNET)
    assert attachment.kind == "pdf" and attachment.blocks[0]["source"]["media_type"] == "application/pdf"
    with pytest.raises(AttachmentError, match=r"^broken is not a readable PDF \("):
        attach_object("broken", b"%PDF-1.4\nthis is not a pdf", SONNET)


def test_pdf_page_limit_on_a_200k_model():
    with pytest.raises(AttachmentError, match="101 pages; the API takes at most 100"):
        attach_object("long", pdf(101), Target("claude-haiku-4-5"))


def test_paths_by_extension(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\nGrass is green.")
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    doc = attach_path(tmp_path / "notes.md", SONNET)
    assert doc.blocks[0]["title"] == "notes.md" and doc.blocks[0]["source"]["data"].startswith("# Notes")
    with pytest.raises(AttachmentError, match=r"unsupported file type \.xlsx"):
        attach_path(tmp_path / "data.xlsx", SONNET)
    with pytest.raises(AttachmentError, match="no such file"):
        attach_path(tmp_path / "missing.pdf", SONNET)


def test_html_to_text_drops_tags_and_scripts():
    assert html_to_text("<p>One &amp; <b>two</b></p><style>p{}</style><p>three</p>") == "One & two\nthree"
