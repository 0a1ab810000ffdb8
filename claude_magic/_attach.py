"""Python objects and files -> Attachments: the format work that needs pandas, Pillow, matplotlib or pypdf.

Every heavy library is imported inside the function that needs it, so `%load_ext` stays light.
"""

from __future__ import annotations

import base64
import io
import math
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .core.content import (
    IMAGE_TYPES,
    LARGE_CONTEXT,
    MANY_IMAGES,
    MANY_IMAGES_SIDE,
    Attachment,
    image_attachment,
    image_size,
    pdf_attachment,
    sniff,
    text_attachment,
    text_document,
)
from .core.errors import AttachmentError
from .core.models import STANDARD_IMAGE_EDGE, lookup
from .core.tokens import estimate_tokens, pdf_page_hint

IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
IMAGE_SUFFIXES[".webp"] = "image/webp"
TEXT_SUFFIXES = (".txt", ".md", ".csv", ".py", ".json")
KNOWN_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf", *TEXT_SUFFIXES)
DEFAULT_TABLE_BUDGET = 4000
EDGE_ROWS = (5, 3, 1, 0)  # head/tail rows tried, longest first, until the table fits its budget
COLUMN_CAPS = (None, 50, 20, 10, 5)  # columns shown, likewise
MAX_DESCRIBED = 50  # describe() runs on at most this many numeric columns


class Target:
    """What the attachments are for: the model's image edge and context window, and any budget."""

    def __init__(self, model: str, table_budget: int = DEFAULT_TABLE_BUDGET, image_count: int = 0) -> None:
        info = lookup(model)
        self.long_edge = info.image_long_edge if info else STANDARD_IMAGE_EDGE
        if image_count > MANY_IMAGES:  # then every image must fit MANY_IMAGES_SIDE
            self.long_edge = min(self.long_edge, MANY_IMAGES_SIDE)
        self.context_window = info.context_window if info else LARGE_CONTEXT
        self.table_budget = table_budget


def attach_object(name: str, value: Any, target: Target, full: bool = False) -> Attachment:
    """The Attachment for a Python object found under `name`."""
    if isinstance(value, Path):
        return attach_path(value, target, name)
    if is_table(value):
        return attach_frame(name, value, target.table_budget, full)
    if isinstance(value, str):
        return text_document(name, value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return attach_bytes(name, bytes(value), target)
    return _attach_rich(name, value, target)


def _attach_rich(name: str, value: Any, target: Target) -> Attachment:
    if _is_figure(value):
        return attach_image(name, figure_png(value), target)
    if _is_pil(value):
        return attach_image(name, _pil_png(name, value), target)
    for method, convert in _REPRS:
        data = _repr(name, value, method)
        if data is not None:
            return convert(name, data, target)
    raise AttachmentError(
        f"cannot attach {name}: a {type(value).__name__} has no image, text or table form. "
        "Attach a DataFrame, figure, image, PDF, str or file path"
    )


def _repr(name: str, value: Any, method: str) -> Any:
    """What `value.method()` returns (without IPython's metadata), or None when it has no such method."""
    try:
        func = getattr(value, method, None)
        data = func() if callable(func) else None
    except Exception as error:  # the object's own code: whatever it raises becomes one line
        raise AttachmentError(f"cannot attach {name}: its {method}() raised {_one_line(error)}") from None
    return data[0] if isinstance(data, tuple) else data


def _repr_image(name: str, data: Any, target: Target) -> Attachment:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return attach_image(name, bytes(data), target)
    if not isinstance(data, str):
        raise AttachmentError(f"cannot attach {name}: its image form is a {type(data).__name__}, not bytes or base64")
    try:
        raw = base64.b64decode(data)
    except ValueError as error:
        raise AttachmentError(f"cannot attach {name}: its image form is not valid base64 ({error})") from None
    return attach_image(name, raw, target)


def _one_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


_REPRS = (
    ("_repr_png_", _repr_image),
    ("_repr_jpeg_", _repr_image),
    ("_repr_markdown_", lambda name, data, target: text_document(name, str(data), kind="markdown")),
    ("_repr_html_", lambda name, data, target: text_document(name, html_to_text(str(data)), kind="html")),
)


def attach_bytes(name: str, data: bytes, target: Target) -> Attachment:
    """Image or PDF bytes, recognised by their magic number."""
    kind = sniff(data)
    if kind == "application/pdf":
        return attach_pdf(name, data, target)
    if kind is None:
        raise AttachmentError(f"{name} holds bytes that are not PNG, JPEG, GIF, WebP or PDF")
    return attach_image(name, data, target)


def attach_path(path: Path, target: Target, name: str | None = None) -> Attachment:
    """A file on disk by its extension: image, PDF or text document."""
    name = name or path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        raise AttachmentError(f"not a regular file: {path}" if path.exists() else f"no such file: {path}")
    if suffix in IMAGE_SUFFIXES:
        return attach_image(name, _read(path), target)
    if suffix == ".pdf":
        return attach_pdf(name, _read(path), target)
    if suffix in TEXT_SUFFIXES:
        return text_document(name, _read(path).decode("utf-8", errors="replace"), kind="file")
    raise AttachmentError(f"unsupported file type {suffix or '(none)'} for {path}; attach {', '.join(KNOWN_SUFFIXES)}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise AttachmentError(f"could not read {path}: {error.strerror or error}") from None


# -- images ----------------------------------------------------------------------------------


def attach_image(name: str, data: bytes, target: Target) -> Attachment:
    """Image bytes, decoded in full first; re-encoded when larger than the model's long edge or unsized."""
    image = decode_image(name, data)
    if image_size(data) != image.size or max(image.size) > target.long_edge:
        data = downsize(name, data, target.long_edge, image)
    return image_attachment(name, data)


def decode_image(name: str, data: bytes) -> Any:
    """The decoded PIL image; bytes whose header or body is broken or truncated are refused in one line."""
    from PIL import Image

    try:
        Image.open(io.BytesIO(data)).verify()  # structure and chunk checksums
        image = Image.open(io.BytesIO(data))
        image.load()  # every pixel: a body shorter than its header claims fails here
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, Image.DecompressionBombError) as error:
        raise AttachmentError(f"{name} is not a readable image ({_one_line(error)})") from None
    return image


def downsize(name: str, data: bytes, long_edge: int, image: Any = None) -> bytes:
    """`data` scaled so its longer side is at most `long_edge`, in its own format (GIF and others as PNG)."""
    from PIL import Image

    image = image if image is not None else decode_image(name, data)
    if max(image.size) > long_edge:
        image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    return _pil_png(name, image)


def _pil_png(name: str, image: Any) -> bytes:
    try:
        return pil_bytes(image)
    except (OSError, ValueError) as error:
        raise AttachmentError(f"cannot attach {name}: a {image.mode} image could not be saved ({error})") from None


def pil_bytes(image: Any) -> bytes:
    """A PIL image as JPEG when it came from a JPEG, else PNG (in a mode PNG can hold)."""
    buffer = io.BytesIO()
    if image.format == "JPEG" or (getattr(image, "format", None) is None and image.mode == "CMYK"):
        image.convert("RGB").save(buffer, format="JPEG", quality=90)
    else:
        png_mode(image).save(buffer, format="PNG")
    return buffer.getvalue()


PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


def png_mode(image: Any) -> Any:
    """`image` in a mode PNG holds and the API shows as intended.

    32-bit float and 16/32-bit integer images (scientific data, camera raws) become 8-bit grayscale
    scaled from their minimum to their maximum, as matplotlib's imshow shows them; a flat image is black.
    Other modes (LAB, HSV, YCbCr, premultiplied alpha) become RGB, or RGBA when they carry alpha.
    """
    if image.mode in ("F", "I") or image.mode.startswith("I;"):
        return _gray_8bit(image.convert("F"))
    if image.mode in PNG_MODES:
        return image
    if image.mode == "La":
        return image.convert("LA")
    return image.convert("RGBA" if "A" in image.mode.upper() else "RGB")


def _gray_8bit(image: Any) -> Any:
    low, high = image.getextrema()
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("it has NaN or infinite pixel values; replace them first")
    scale = 255.0 / (high - low) if high > low else 0.0
    return image.point(lambda value: value * scale - low * scale + 0.5).convert("L")


def figure_png(figure: Any) -> bytes:
    """A matplotlib figure rendered to PNG at its own dpi."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


# -- PDFs --------------------------------------------------------------------------------------


def attach_pdf(name: str, data: bytes, target: Target) -> Attachment:
    """A PDF after its pages are counted; a corrupt or encrypted PDF is a one-line error."""
    return pdf_attachment(name, data, pdf_pages(name, data), target.context_window)


def pdf_pages(name: str, data: bytes) -> int:
    """Pages in a PDF, read with pypdf (the `pdf` extra); without it, the pages its uncompressed objects declare."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        return max(1, pdf_page_hint(data))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentError(f"{name} is an encrypted PDF, which the API does not accept; decrypt it first")
        return len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise AttachmentError(f"{name} is not a readable PDF ({type(error).__name__}: {error})") from None


# -- DataFrames ----------------------------------------------------------------------------------


def attach_frame(name: str, frame: Any, budget: int, full: bool = False) -> Attachment:
    """A DataFrame or Series: a compact summary within `budget` tokens, or the whole frame as CSV."""
    if full:
        return text_document(name, frame.to_csv(), title=f"{name} (CSV)", kind="dataframe csv")
    return text_attachment(name, "dataframe", encode_frame(name, frame, budget))


def encode_frame(name: str, frame: Any, budget: int = DEFAULT_TABLE_BUDGET) -> str:
    """Shape, dtypes, head, tail and numeric describe(), shortened until about `budget` tokens."""
    frame = frame.to_frame() if frame.ndim == 1 else frame
    described = _describe(frame)
    text = ""
    for columns in COLUMN_CAPS:
        for rows in EDGE_ROWS:
            text = _render(name, frame, described, columns, rows)
            if estimate_tokens(text) <= budget:
                return text
    cut = max(0, budget * 4 - 80)
    return text[:cut] + f"\n… (cut to fit the {budget:,}-token budget; raise --table-budget to see more)"


def _describe(frame: Any) -> Any:
    numeric = frame.select_dtypes("number").iloc[:, :MAX_DESCRIBED]
    return numeric.describe() if numeric.shape[1] and len(frame) else None


def _render(name: str, frame: Any, described: Any, columns: int | None, rows: int) -> str:
    shown = frame if columns is None else frame.iloc[:, :columns]
    n_rows, n_cols = frame.shape
    lines = [f"DataFrame `{name}`: {n_rows:,} rows × {n_cols:,} columns"]
    if shown.shape[1] < n_cols:
        lines.append(f"(shortened to fit the token budget: first {shown.shape[1]} of {n_cols:,} columns shown)")
    lines += ["", "dtypes:", _dtypes(shown)]
    lines += _edges(shown, rows, n_rows)
    if described is not None:
        kept = [c for c in described.columns if c in set(shown.columns)]
        if kept:
            lines += ["", "describe() of numeric columns:", described[kept].T.to_string(float_format=_number)]
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:.6g}"


def _dtypes(frame: Any) -> str:
    return ", ".join(f"{column}: {dtype}" for column, dtype in frame.dtypes.items())


def _edges(frame: Any, rows: int, n_rows: int) -> list[str]:
    if rows == 0:
        return ["", "(rows left out to fit the token budget)"] if n_rows else []
    if n_rows <= 2 * rows:
        return ["", f"all {n_rows:,} rows:", frame.to_string()]
    note = "" if rows == EDGE_ROWS[0] else " (fewer rows, to fit the token budget)"
    return [
        "",
        f"first {rows} and last {rows} of {n_rows:,} rows{note}:",
        frame.head(rows).to_string(),
        "…",
        frame.tail(rows).to_string(header=False),
    ]


# -- helpers -------------------------------------------------------------------------------------


def is_table(value: Any) -> bool:
    """A pandas DataFrame or Series (checked without importing pandas)."""
    pandas = sys.modules.get("pandas")  # a value can only be a DataFrame once pandas is imported
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def image_bytes(value: Any) -> bytes | None:
    """The image a value shows, as bytes: a figure's PNG, a PIL image's PNG or JPEG, or image bytes as they are."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return data if sniff(data) in IMAGE_TYPES else None
    if _is_figure(value):
        return figure_png(value)
    if _is_pil(value):
        return pil_bytes(value)
    return None


def _is_figure(value: Any) -> bool:
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(value, figure.Figure)


def _is_pil(value: Any) -> bool:
    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(value, image.Image)


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, dropping scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style")
        if tag in ("br", "p", "tr", "div", "li", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0
        if tag in ("td", "th"):
            self.parts.append("\t")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _tidy(line: str) -> str:
    """Spaces collapsed within each table cell; cells stay tab-separated."""
    return "\t".join(" ".join(cell.split()) for cell in line.split("\t")).strip("\t")


def html_to_text(html: str) -> str:
    """The visible text of an HTML representation."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    lines = (_tidy(line) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
