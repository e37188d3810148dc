"""Round values: a column whose values are mostly whole numbers (or mostly thousands, or fives) among finer ones.

Ages recorded in years beside a few infants' ages in months (``0.42``),
shoe sizes mostly whole with some halves, incomes mostly rounded to the
thousand beside exact ones: most values sit on a coarse grid, the *round
unit*, and the rest on the column's own finer one. A density over the
column's values cannot hold that: its samples, rounded to the column's
decimals, would be whole about once in a hundred draws, and a discretised
column's bins would come back as often odd as even.

Such a column has a *round-value indicator*: a two-category model column, 1
where the cell is a multiple of the unit, modelled jointly with the others.
Where it is 1, the cell is an integer multiple ``k u`` of the unit, and the
model treats it like a dequantised integer (:mod:`.cell_widths`): trained and
scored on draws uniform over the image of ``[k u - u/2, k u + u/2]`` in the
flow's units, so that its score is the probability of the round value, and
its samples are rounded to the unit. Where it is 0, the cell is what it was
without the indicator (a density, or a finer integer cell), and samples keep
their finer values. A discretised column keeps its bins; samples drawn round
are rounded to the unit.

A row's score then counts, for a round cell, a probability (that of the
indicator and of the cell), not a density, as it does for a point mass
(:func:`~skbfn._encoding.column_fit.point_masses_of`). Samples whose
indicator is 0 may still land on a round value, so the score bounds the
sampler's probability from below, as it must.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_ROUND_VALUES", "is_multiple", "round_unit_of", "to_multiple"]

# A unit needs at least this many distinct round values among the column's: one value alone is a point mass
# (or nothing to round to), and a column spanning less than two units has no grid to speak of.
MIN_ROUND_VALUES = 2
# The coarsest unit tried is 5 times 10 to this power: beyond 2**53 floats hold no exact integers to round to.
_LARGEST_POWER = 15
# Values within this relative distance of a multiple are on it: the float64 rounding of 0.1 * 3 and alike.
_TOLERANCE = 1e-9


def is_multiple(numbers: np.ndarray, unit: float) -> np.ndarray:
    """Which of ``numbers`` are integer multiples of ``unit`` (False where NaN).

    Examples
    --------
    >>> import numpy as np
    >>> is_multiple(np.array([3.0, 3.5, 2000.0, np.nan]), 1.0).tolist()
    [True, False, True, False]
    """
    with np.errstate(invalid="ignore"):
        counts = np.asarray(numbers, dtype=np.float64) / unit
        return np.abs(counts - np.round(counts)) <= _TOLERANCE * np.maximum(1.0, np.abs(counts))


def to_multiple(numbers: np.ndarray, unit: float) -> np.ndarray:
    """``numbers`` rounded to the nearest multiple of ``unit`` (NaN stays NaN; never ``-0.0``).

    Examples
    --------
    >>> import numpy as np
    >>> to_multiple(np.array([41_380.0, -0.2, 7.5]), 1000.0).tolist()
    [41000.0, 0.0, 0.0]
    """
    return np.round(np.asarray(numbers, dtype=np.float64) / unit) * unit + 0.0


def _candidate_units(resolution: float, step: float, largest: float) -> list[float]:
    """Round units in the column's numbers, coarsest first: 1, 5, 10, 50, ... in the column's own units (its
    numbers count ``step``), each at least twice the column's ``resolution`` and a whole number of it, and at
    most ``largest``."""
    units = []
    with np.errstate(over="ignore"):
        top = min(_LARGEST_POWER, math.ceil(np.log10(max(np.float64(largest) * step, 1.0))))
    for power in range(0, top + 1):
        for mantissa in (1, 5):
            unit = mantissa * 10.0**power / step
            if unit > largest:
                continue
            if resolution > 0:
                ratio = unit / resolution
                if ratio < 2 - _TOLERANCE or abs(ratio - round(ratio)) > _TOLERANCE * ratio:
                    continue
            units.append(unit)
    return sorted(units, reverse=True)


def round_unit_of(numbers: np.ndarray, resolution: float, step: float = 1.0, widest: float = np.inf) -> float | None:
    """The coarsest round unit most of a column's values are multiples of, in the column's numbers; None if none.

    A candidate unit (1, 5, 10, 50, ... in the column's own units, coarser
    than its ``resolution``) is the round unit when the share of the nonzero
    values on it (0 is a multiple of every unit) is past the middle between
    chance and all: at least ``(1 + c) / 2``
    with ``c = resolution / unit`` the share a column spread evenly over its
    own grid would have (0 for values of no fixed decimals), but not all
    (then the column has that step), and when at least
    :data:`MIN_ROUND_VALUES` distinct nonzero values are multiples of it.

    Parameters
    ----------
    numbers : ndarray
        The column's observed numbers, off its point masses (in multiples of
        ``step`` where it has one).
    resolution : float
        The grid the numbers lie on: 1 for integers (and counts of a step),
        ``10**-decimals`` for values with shared decimals, 0 for values
        with none.
    step : float, default=1.0
        The value one unit of ``numbers`` stands for (a column in halves:
        0.5), so that units are round in the column's own units.
    widest : float, default=inf
        The widest unit allowed, in the column's numbers.

    Examples
    --------
    >>> import numpy as np
    >>> ages = np.array([22.0, 38.0, 26.0, 35.0, 0.42, 54.0, 2.0, 27.5, 14.0, 4.0])
    >>> round_unit_of(ages, resolution=0.01)  # whole years, beside months and halves
    1.0
    >>> lengths = np.array([5.1, 4.9, 4.7, 5.0, 5.4, 4.6, 5.0, 4.4, 4.9, 6.0])
    >>> round_unit_of(lengths, resolution=0.1) is None  # as many whole values as chance gives
    True
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    numbers = numbers[numbers != 0]  # a multiple of every unit: the zeros of a count say nothing of rounding
    if numbers.size == 0:
        return None
    largest = float(np.max(np.abs(numbers)))
    if not np.isfinite(largest) or largest == 0:
        return None
    for unit in _candidate_units(resolution, step, min(largest, widest)):
        on = is_multiple(numbers, unit)
        share = on.mean()
        chance = resolution / unit
        if (1 + chance) / 2 <= share < 1 and len(np.unique(numbers[on])) >= MIN_ROUND_VALUES:
            return unit
    return None
