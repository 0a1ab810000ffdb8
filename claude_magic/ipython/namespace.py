"""Resolve `-a NAME` against the user namespace and disk, and expand `{{expr}}` in the cell body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..core.content import MANY_IMAGES, Attachment, iter_blocks, url_attachment, with_citations
from ..core.errors import AttachmentError
from ..core.settings import lone_surrogate

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
        text = str(eval(expression, namespace))  # type: ignore[arg-type]  # the user's own expression, in the user's own namespace
    except Exception as error:
        raise AttachmentError(
            f"{{{{{expression}}}}} failed: {type(error).__name__}: {error}. Fix the expression or escape it as {{{{{{{{"
        ) from None
    _check_utf8(text, f"{{{{{expression}}}}}")
    return text


def _check_utf8(text: str, what: str) -> None:
    surrogate = lone_surrogate(text)
    if surrogate:
        raise AttachmentError(
            f"{what} holds {surrogate}, a lone surrogate that cannot be sent as UTF-8; "
            "clean it first, e.g. text.encode('utf-8', 'replace').decode()"
        )


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def build_content(
    names: list[str],
    namespace: Mapping[str, Any],
    *,
    model: str,
    table_budget: int,
    cite: bool = False,
    history: list[dict[str, Any]] | None = None,
    words: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The content blocks and exchange records for `-a names`, within the API's limits.

    `words` is the line magic's prompt: given, an unknown name is taken as a prompt word -a swallowed.
    """
    from .._attach import Target

    if words is not None:
        _check_swallowed(names, words, namespace)
    attachments = [_resolve_text(name, namespace, Target(model, table_budget)) for name in names]
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


def _resolve_text(name: str, namespace: Mapping[str, Any], target: Any) -> Attachment:
    try:
        attachment = resolve(name, namespace, target)
    except UnicodeEncodeError as error:  # core.content sizes text by its UTF-8 bytes
        _check_utf8(str(error.object), repr(name))
        raise
    for text in _strings(attachment.blocks):
        _check_utf8(text, repr(name))
    return attachment


def resolve(name: str, namespace: Mapping[str, Any], target: Any) -> Attachment:
    """The Attachment for one `-a` argument: a variable, `name:full`, a file path or an https URL."""
    from .._attach import attach_object, attach_path

    if "://" in name:
        return _url(name)
    full = name.endswith(FULL_SUFFIX)
    key = name[: -len(FULL_SUFFIX)] if full else name
    if key.isidentifier() and key in namespace:
        return attach_object(key, namespace[key], target, full=full)
    if not _is_path(name):
        raise AttachmentError(_unknown(name))
    try:
        return attach_path(Path(name).expanduser(), target)
    except OSError as error:  # e.g. a name too long for the file system
        raise AttachmentError(f"cannot read {name!r} as a file: {error.strerror or error}") from None


def _unknown(name: str) -> str:
    return (
        f"unknown name {name!r}: no variable or file by that name. Define it first, or give a path with its extension"
    )


def _is_path(name: str) -> bool:
    """Whether `-a name` means a file: it has an extension we attach, or something exists there."""
    from .._attach import KNOWN_SUFFIXES

    try:
        path = Path(name).expanduser()
        return path.suffix.lower() in KNOWN_SUFFIXES or path.exists()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: `~user` with no such user
        return False


def _is_reference(name: str, namespace: Mapping[str, Any]) -> bool:
    key = name.removesuffix(FULL_SUFFIX)
    return "://" in name or (key.isidentifier() and key in namespace) or _is_path(name)


def double_dash_line(names: list[str], words: list[str], namespace: Mapping[str, Any]) -> str:
    """The %claude line meant when -a swallowed the prompt: names up to the first unknown one, then -- and the rest."""
    cut = next((i for i, name in enumerate(names) if not _is_reference(name, namespace)), len(names))
    attach, prompt = names[:cut] or ["NAME"], [*words, *names[cut:]] or ["your question"]
    return f"%claude -a {' '.join(attach)} -- {' '.join(prompt)}"


def _check_swallowed(names: list[str], words: list[str], namespace: Mapping[str, Any]) -> None:
    unknown = next((name for name in names if not _is_reference(name, namespace)), None)
    if unknown is not None:
        raise AttachmentError(
            f"{_unknown(unknown)}; if it is part of the prompt, put -- before the prompt: "
            f"{double_dash_line(names, words, namespace)}"
        )


def _url(url: str) -> Attachment:
    from .._attach import IMAGE_SUFFIXES

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
