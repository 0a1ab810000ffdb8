"""The one-line failures of batch cells."""

from __future__ import annotations

import re
from typing import Any

from ..core.errors import ClaudeMagicError, one_line

_BATCH_PATH = re.compile(r"/messages/batches/([^/?]+)")


class BatchInputError(ClaudeMagicError, ValueError):
    """A batch cell that cannot be sent as written (empty frame, missing column, bad option); nothing was sent."""


class BatchStateError(ClaudeMagicError):
    """A batch that cannot be found, resumed or joined (no saved record, a changed frame, not ended yet)."""


def batch_failure(error: Exception, policy: Any) -> ClaudeMagicError:
    """One line for a failed batch request; a batch the API does not have says so, and what to do."""
    import anthropic

    from .._edge.network_policy import request_failure

    found = _BATCH_PATH.search(str(error.request.url)) if isinstance(error, anthropic.NotFoundError) else None
    if found is None:
        return request_failure(error, policy)
    return BatchStateError(
        one_line(
            f"the API has no batch {found.group(1)} (deleted, made in another workspace, or past its 29 days of "
            "results); %claude batch list shows the ones it has. Its saved job file in .claude_magic/batches "
            "can be deleted."
        )
    )
