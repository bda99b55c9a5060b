"""The one exception type for mistakes in what the user gave us."""


class TfhfError(Exception):
    """A problem with the user's input (recipe, override, data, model name).

    The CLI prints the message on one line and exits with status 2, without a traceback.
    Raise it only before anything is written to disk, or when nothing written can be lost.
    """
