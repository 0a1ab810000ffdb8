"""Resolve `-a NAME` against the user namespace and disk, and expand `{{expr}}` in the cell body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..core.content import MANY_IMAGES, Attachment, iter_blocks, url_attachment, with_citations
from ..core.errors import AttachmentError

FULL_SUFFIX = ":full"  # `-a df:full` sends the whole frame as CSV
_TEMPLATE = re.compile(r"\{\{\{\{|\{\{(.*?)\}\}", re.S)
_ESCAPED = "{{{{"


def expand_template(text: str, namespace: Mapping[str, Any]) -> str:
    """`text` with each `{{expr}}` replaced by str() of its value; `{{{{` is a literal `{{`."""
    return _TEMPLATE.sub(lambda match: _substitute(match, namespace), text)


def _substitute(match: re.Match[str], namespace: Mapping[str, Any]) -> str:
    if match.group(0) == _ESCAPED:
        return "{{"
    expression = match.group(1).strip()
    try:
        return str(eval(expression, namespace))  # type: ignore[arg-type]  # the user's own expression, in the user's own namespace
    except Exception as error:
        raise AttachmentError(
            f"{{{{{expression}}}}} failed: {type(error).__name__}: {error}. Fix the expression or escape it as {{{{{{{{"
        ) from None


def build_content(
    names: list[str],
    namespace: Mapping[str, Any],
    *,
    model: str,
    table_budget: int,
    cite: bool = False,
    history: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The content blocks and exchange records for `-a names`, within the API's limits."""
    from ..attach import Target

    attachments = [resolve(name, namespace, Target(model, table_budget)) for name in names]
    images = _count_images(attachments) + sum(1 for b in iter_blocks(history or []) if b.get("type") == "image")
    if images > MANY_IMAGES:  # re-encode at the smaller side limit the API then applies
        many = Target(model, table_budget, image_count=images)
        attachments = [
            resolve(name, namespace, many) if a.kind == "image" else a
            for name, a in zip(names, attachments, strict=True)
        ]
    blocks = [block for attachment in attachments for block in attachment.blocks]
    if cite:
        blocks = with_citations(blocks)
    return blocks, [attachment.record() for attachment in attachments]


def resolve(name: str, namespace: Mapping[str, Any], target: Any) -> Attachment:
    """The Attachment for one `-a` argument: a variable, `name:full`, a file path or an https URL."""
    from ..attach import KNOWN_SUFFIXES, attach_object, attach_path

    if "://" in name:
        return _url(name)
    full = name.endswith(FULL_SUFFIX)
    key = name[: -len(FULL_SUFFIX)] if full else name
    if key.isidentifier() and key in namespace:
        return attach_object(key, namespace[key], target, full=full)
    path = Path(name).expanduser()
    if path.suffix.lower() in KNOWN_SUFFIXES or path.exists():
        return attach_path(path, target)
    raise AttachmentError(
        f"unknown name {name!r}: no variable or file by that name. Define it first, or give a path with its extension"
    )


def _url(url: str) -> Attachment:
    from ..attach import IMAGE_SUFFIXES

    parsed = urlparse(url)
    if parsed.scheme != "https":
        raise AttachmentError(f"only https:// URLs can be attached, not {url}")
    suffix = Path(parsed.path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return url_attachment(url, url, "image")
    if suffix == ".pdf":
        return url_attachment(url, url, "pdf")
    raise AttachmentError(f"cannot tell what {url} is: attach URLs of images (.png, .jpg, .gif, .webp) or PDFs")


def _count_images(attachments: list[Attachment]) -> int:
    return sum(1 for a in attachments for b in a.blocks if b.get("type") == "image")
