"""What went wrong with the Hub, in one line that says what to do.

transformers and datasets wrap huggingface_hub's errors in their own (OSError,
DatasetNotFoundError, ...), whose first line often blames a missing folder or the network
for a gated repo. The original error is in the chain of causes; this names it.
"""

import errno
import http.client

import requests
from huggingface_hub.errors import (
    GatedRepoError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # the connection closed before the promised bytes arrived
    http.client.IncompleteRead,
    ConnectionError,
    TimeoutError,
)


def hub_failure(error, what, name):
    """One line for a Hub failure behind `error` (loading `what` from `name`), or None if it is not one."""
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return (
                f"no space left on the disk of the Hub cache while tfhf downloaded the {what} {name!r}: free some, "
                "or point HF_HOME at a disk that has it"
            )
        if isinstance(cause, GatedRepoError):
            status = getattr(cause.response, "status_code", None)
            if status == 403:
                return (
                    f"{what} {name!r} is gated on the Hub and your token has no access to it: ask for access on "
                    "its Hub page, or use a token that has it (HF_TOKEN)"
                )
            return (
                f"{what} {name!r} is gated on the Hub: ask for access on its page, then log in with a token "
                "that has it (HF_TOKEN, or `hf auth login`)"
            )
        if isinstance(cause, RevisionNotFoundError):
            return f"the Hub repo {name!r} has no such revision (branch, tag or commit) for its {what}"
        if isinstance(cause, RepositoryNotFoundError):
            return (
                f"no {what} {name!r} on the Hub: check the id (a private repo also needs a token that can read it, "
                "HF_TOKEN)"
            )
        if isinstance(cause, (OfflineModeIsEnabled, LocalEntryNotFoundError)):
            return f"{what} {name!r} is not in the Hub cache, and the Hub is out of reach (offline?)"
        if isinstance(cause, CONNECTION_ERRORS):
            return (
                f"the Hub stopped answering while tfhf downloaded the {what} {name!r} "
                f"({type(cause).__name__}); run again to resume the download"
            )
    return None


def _causes(error):
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen
