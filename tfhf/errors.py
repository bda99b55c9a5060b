"""The one exception type for mistakes in what the user gave us, and the hint its messages share."""

import difflib


class TfhfError(Exception):
    """A problem with the user's input (recipe, override, data, model name).

    The CLI prints the message on one line and exits with status 2, without a traceback.
    Raise it only before anything is written to disk, or when nothing written can be lost.
    """


def did_you_mean(name, candidates):
    """'; did you mean X?' for the candidate closest to a mistyped `name`, or '' when none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean {close[0]}?" if close else ""
