"""Durations held as text, in any of the ways skbfn reads: clock fields, units, or days and a clock."""

from __future__ import annotations

import numpy as np

from .day_durations import DayDurationFormat, day_duration_format_of
from .elapsed import ElapsedFormat, elapsed_format_of
from .unit_durations import UnitDurationFormat, unit_duration_format_of

__all__ = ["duration_format_of"]


def duration_format_of(observed: np.ndarray) -> ElapsedFormat | UnitDurationFormat | DayDurationFormat | None:
    """The format of a column's observed strings as durations, the first way that reads and writes back every
    one of them: clock fields (``'0:03:25'``, :mod:`.elapsed`), counts with units (``'2h 50m'``,
    ``'PT4M13S'``, :mod:`.unit_durations`), or days and a clock as pandas and Python write them
    (``'1 days 23:30:13'``, :mod:`.day_durations`); None where none does.

    Examples
    --------
    >>> import numpy as np
    >>> duration_format_of(np.array(["0:03:25", "1:05:33"], dtype=object))
    ElapsedFormat(fields=3, width=1, missing=None)
    >>> duration_format_of(np.array(["0 days 00:05:00", "2 days 01:00:00"], dtype=object))
    DayDurationFormat(style='pandas', missing=None)
    """
    return elapsed_format_of(observed) or unit_duration_format_of(observed) or day_duration_format_of(observed)
