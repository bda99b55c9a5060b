"""The fields of recipe parts: a default with its help text, the choices and the range a value must lie in."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Range:
    """The values a numeric setting may take: `low` and `high` included unless `*_open`; None is unbounded."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value):
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def describe(self):
        if self.high is None:
            return f"greater than {self.low}" if self.low_open else f"at least {self.low}" if self.low else "0 or more"
        if self.low_open and self.high_open:
            return f"between {self.low} and {self.high}"
        if self.high_open:
            return f"from {self.low} up to (not including) {self.high}"
        return f"from {self.low} to {self.high}"

    def explain(self, value):
        """What a refused `value` should have been: the bound it crossed, or the whole range for fractions."""
        counts = isinstance(self.high, int) and not (self.low_open or self.high_open)
        if counts:
            return f"at least {self.low}" if value < self.low else f"at most {self.high}"
        return self.describe()


AT_LEAST_ONE = Range(1)
POSITIVE = Range(0, low_open=True)
NON_NEGATIVE = Range(0)
FRACTION = Range(0, 1, high_open=True)
OPEN_FRACTION = Range(0, 1, low_open=True, high_open=True)


def setting(default, doc, choices=None, within=None, positions=False):
    """A dataclass field carrying its own help text (shown by `tfhf keys`), allowed choices and range.

    `positions`: the value is a length in tokens, which the model must have position embeddings for.
    """
    metadata = {"doc": doc, "choices": choices, "within": within, "positions": positions}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)
