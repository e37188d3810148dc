"""Compound cells: several numbers written in one cell, with the same text around them in every row.

Real tables write some quantities in pairs or triples: a position as
``'(40.7128, -74.0060)'``, a blood pressure as ``'120/80'``, a screen as
``'1920x1080'``, a rating as ``'4.5 out of 5 stars'``. Read as text, such a
column holds nearly as many distinct strings as rows, so it was left out.

A column is *compound* where every observed string is numbers (a minus
sign right after a digit, as in ``'55-65'``, separates them) between the
same pieces of text (no word glued to a number's digits, as codes have in
``'Item12'``), two numbers or more (or one with decimals: ``'approx. 12.5
km'``, ``'Weight: 3.20 kg'``, where no number format reads the text around
it), each part's numbers written in
one way that prints them back (zero-padded ones, the ``'03'`` of ``'5:03'``,
all to one width), and the encoder would otherwise leave the column out, or
take it for keys although its numbers have decimals (``'51.50012,-0.12345'``).
Its cells are then split into *part columns*, named ``'<column>[1]'``,
``'<column>[2]'`` and so on, each a column of numbers held as text that the
encoder reads like any other, as quantities, never codes (its way of writing
numbers, decimals, ranges and relations with the other columns: a
systolic pressure above its diastolic one is an order); a part the same in
every row (the 5 of ``'out of 5 stars'``) is a constant column. Rows are
written back by joining the parts with the column's text, so samples read
as the data do. A missing cell (or the column's own missing marker,
``'n/a'``) is missing in every part; a row with any part missing is missing
there.

The estimators split tables at their edges (:meth:`CompoundCells.split`)
and join the rows they return (:meth:`CompoundCells.join`), so the encoder
and the model see part columns only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .._json import is_int
from .text_numbers import NumberFormat, is_missing_marker, text_number_format
from .values import is_missing

__all__ = ["Compound", "CompoundCells", "CompoundPart", "compound_column", "compound_of", "compound_parts"]

# A number in a compound cell: digits with an optional fraction, and a sign where no digit, letter or point is
# before it ('-74.0060' in '(40.71, -74.0060)'; '55-65' is two numbers). Digits after a point that follows digits
# are a number of their own where another point follows them ('1.23.4' is three numbers, as versions are).
_NUMBER = re.compile(r"(?<=\d\.)\d+|(?:(?<![0-9A-Za-z.])[-+])?\d+(?:\.\d+(?![.\d]))?")
# A word of two letters or more right before a number's digits, as codes and labels write them ('Item12').
_CODE_PREFIX = re.compile(r"[A-Za-z]{2,}$")
# Distinct strings whose text is compared before the whole column's (most columns fail on the first few).
_STRINGS_TO_TRY = 20
# The most parts a compound cell may have (a date and time has six numbers, but is read as one first).
MAX_PARTS = 6
# The widest zero-padded part ('03' in "5'03\"": 2).
MAX_WIDTH = 20
# The kinds a part column may get: modelled, or the same in every row (the 5 of 'out of 5 stars').
_PART_KINDS = ("continuous", "discretised", "categorical", "constant")


def _pieces(string: str) -> tuple[tuple[str, ...], list[str]]:
    """The text around the numbers of ``string`` (one more piece than numbers), and the numbers."""
    return tuple(_NUMBER.split(string)), _NUMBER.findall(string)


def _width(numbers: list[str]) -> int | None:
    """The width a part's numbers are zero-padded to (``'03'``: 2), 0 where none is, None where some are padded
    but not all are unsigned integers of one width."""
    if not any(len(n) > 1 and n[0] == "0" and n[1].isdigit() for n in numbers):
        return 0
    widths = {len(n) for n in numbers}
    if len(widths) != 1 or not all(n.isdigit() for n in numbers) or widths.pop() > MAX_WIDTH:
        return None
    return len(numbers[0])


@dataclass(frozen=True)
class Compound:
    """One compound column: its name, the text around its numbers, their padding and its missing marker.

    Parameters
    ----------
    column : str
        The column's name in X.
    literals : tuple of str
        The text before, between and after the numbers (one more than the parts).
    widths : tuple of int
        The width each part is zero-padded to (``'5:03'``: 0 and 2); 0: none.
    marker : str or None
        The string that marks the column's missing cells (``'n/a'``), written in missing samples; None: NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn._encoding.compound_cells import Compound
    >>> blood_pressure = Compound("bp", ("", "/", ""), (0, 0))
    >>> systolic, diastolic = blood_pressure.split(np.array(["120/80", None, "135/85"], dtype=object))
    >>> systolic.tolist(), diastolic.tolist()
    (['120', None, '135'], ['80', None, '85'])
    >>> blood_pressure.join([systolic, diastolic]).tolist()
    ['120/80', nan, '135/85']
    >>> Compound("pace", ("", ":", " /km"), (0, 2)).join([np.array(["5"]), np.array(["3"])]).tolist()
    ['5:03 /km']
    """

    column: str
    literals: tuple[str, ...]
    widths: tuple[int, ...]
    marker: str | None = None

    @property
    def n_parts(self) -> int:
        """How many numbers each cell holds."""
        return len(self.literals) - 1

    @property
    def parts(self) -> list[str]:
        """The names of the part columns: ``'<column>[1]'``, ``'<column>[2]'``..."""
        return [f"{self.column}[{k + 1}]" for k in range(self.n_parts)]

    @property
    def written(self) -> str:
        """The column's way of writing, with ``#`` for each number: ``'#/#'``."""
        return "#".join(self.literals)

    def split(self, values: np.ndarray, *, strict: bool = True) -> list[np.ndarray]:
        """The part strings of each cell (object arrays, None where the cell is missing), padding taken off.

        A value that is neither missing nor written the column's way is refused with a ValueError naming it
        (``strict=False``: its parts are None).
        """
        parts = [np.full(len(values), None, dtype=object) for _ in range(self.n_parts)]
        missing = is_missing(values)
        for i, value in enumerate(values.tolist()):
            if missing[i] or is_missing_marker(value):
                continue
            literals, numbers = _pieces(value.strip()) if isinstance(value, str) else ((), [])
            if literals != self.literals or not all(
                _width([n]) in (0, w) for n, w in zip(numbers, self.widths, strict=True)
            ):
                if not strict:
                    continue
                raise ValueError(
                    f"X column {self.column!r} holds {value!r}, which is not written as its values were in fit "
                    f"({self.written!r}, a number for each '#')."
                )
            for part, number, width in zip(parts, numbers, self.widths, strict=True):
                part[i] = (number.lstrip("0") or "0") if width else number  # "03" -> "3", "00" -> "0"
        return parts

    def join(self, parts: list[np.ndarray]) -> np.ndarray:
        """The cells written from their parts (as :meth:`split` read them): missing where any part is."""
        missing = np.logical_or.reduce([is_missing(part) for part in parts])
        cells = np.full(len(parts[0]), np.nan if self.marker is None else self.marker, dtype=object)
        for i in np.flatnonzero(~missing):
            pieces = [self.literals[0]]
            for part, literal, width in zip(parts, self.literals[1:], self.widths, strict=True):
                pieces += [str(part[i]).zfill(width), literal]
            cells[i] = "".join(pieces)
        return cells

    def to_dict(self) -> dict:
        """The compound as plain JSON values (see :meth:`from_dict`)."""
        return {
            "column": self.column,
            "literals": list(self.literals),
            "widths": list(self.widths),
            "marker": self.marker,
        }

    @classmethod
    def from_dict(cls, doc) -> Compound:
        """A compound written by :meth:`to_dict`; ValueError where it could not have been found in fit."""
        if not isinstance(doc, dict) or set(doc) != {"column", "literals", "widths", "marker"}:
            raise ValueError(f"a compound column needs 'column', 'literals', 'widths' and 'marker', got {doc!r}")
        column, literals, widths, marker = doc["column"], doc["literals"], doc["widths"], doc["marker"]
        if not (isinstance(column, str) and isinstance(literals, list) and all(isinstance(p, str) for p in literals)):
            raise ValueError(f"a compound column needs a name and a list of texts, got {doc!r}")
        if not 2 <= len(literals) <= MAX_PARTS + 1 or any(_NUMBER.search(piece) for piece in literals):
            raise ValueError(
                f"compound column {column!r}: its texts {literals!r} must hold no number and surround 1 to "
                f"{MAX_PARTS} numbers"
            )
        if not (literals[0] or literals[-1]) and len(literals) == 2:
            raise ValueError(f"compound column {column!r}: a single number needs text around it, got {literals!r}")
        if not all(literals[1:-1]):
            raise ValueError(f"compound column {column!r}: numbers must be separated by text, got {literals!r}")
        if not (
            isinstance(widths, list)
            and len(widths) == len(literals) - 1
            and all(is_int(w) and 0 <= w <= MAX_WIDTH for w in widths)
        ):
            raise ValueError(f"compound column {column!r}: widths must be one integer in [0, {MAX_WIDTH}] a part")
        if marker is not None and not is_missing_marker(marker):
            raise ValueError(f"compound column {column!r}: {marker!r} is not a missing marker")
        return cls(column, tuple(literals), tuple(widths), marker)


def compound_of(column: str, values: np.ndarray, *, fractions: bool = False) -> Compound | None:
    """The compound writing of a column's values (:class:`Compound`), or None where they are not all written so.

    Every part must read as numbers that print back as written (:func:`~.text_numbers.text_number_format`),
    once its padding is taken off. One number alone must have decimals in some cell (``'approx. 12.5 km'``;
    ``'Store 12'`` is a label), and so must some part with ``fractions=True`` (keys in one layout,
    ``'555-0142'``, have none).

    Examples
    --------
    >>> import numpy as np
    >>> compound_of("screen", np.array(["1920x1080", "1280x720", "n/a", "2560x1440"], dtype=object))
    Compound(column='screen', literals=('', 'x', ''), widths=(0, 0), marker='n/a')
    >>> compound_of("name", np.array(["Ann", "Bo 2"], dtype=object)) is None
    True
    """
    observed = values[~is_missing(values)].tolist()
    if not observed or not all(isinstance(v, str) for v in observed):
        return None
    markers = [v for v in observed if is_missing_marker(v)]
    distinct = list(dict.fromkeys(v.strip() for v in observed if not is_missing_marker(v)))
    if len(distinct) < 2:
        return None
    literals = _pieces(distinct[0])[0]
    if not 2 <= len(literals) <= MAX_PARTS + 1 or not all(literals[1:-1]) or literals == ("", ""):
        return None
    if any(_CODE_PREFIX.search(piece) for piece in literals[:-1]):
        return None  # 'First12 Last7', 'SKU123-4': a word glued to digits names a thing, and is no quantity
    numbers = []
    for k, string in enumerate(distinct):
        pieces, found = _pieces(string)
        if pieces != literals:
            return None
        numbers.append(found)
        if k == _STRINGS_TO_TRY and _widths(numbers) is None:
            return None  # most columns that are not compound fail on the first few
    if (fractions or len(literals) == 2) and not any("." in number for row in numbers for number in row):
        return None
    widths = _widths(numbers)
    if widths is None:
        return None
    marker = Counter(markers).most_common(1)[0][0] if markers else None
    return Compound(column, literals, widths, marker)


def _widths(numbers: list[list[str]]) -> tuple[int, ...] | None:
    """The padding of each part of cells holding ``numbers`` (a list a cell), or None where a part's numbers,
    padding taken off, are not written in one number format that prints each back as written."""
    widths = []
    for part in zip(*numbers, strict=True):
        width = _width(list(part))
        distinct = list(dict.fromkeys(n.lstrip("0") or "0" for n in part) if width else dict.fromkeys(part))
        if width is None or text_number_format(np.array(distinct, dtype=object), np.dtype(object)) is None:
            return None
        widths.append(width)
    return tuple(widths)


@dataclass(frozen=True)
class CompoundCells:
    """The compound columns of a table (:class:`Compound`), in its column order, and how tables map to parts.

    Parameters
    ----------
    compounds : tuple of Compound
        The compound columns, in X's order.
    columns : tuple of str
        X's columns (the compound ones among them), in order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skbfn._encoding.compound_cells import Compound, CompoundCells
    >>> cells = CompoundCells((Compound("bp", ("", "/", ""), (0, 0)),), ("age", "bp"))
    >>> X = pd.DataFrame({"age": [61, 45], "bp": ["120/80", "135/85"]})
    >>> parts = cells.split(X)
    >>> list(parts.columns)
    ['age', 'bp[1]', 'bp[2]']
    >>> cells.join(parts).equals(X)
    True
    """

    compounds: tuple[Compound, ...] = ()
    columns: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.compounds)

    @property
    def part_names(self) -> list[str]:
        """The columns the encoder sees: X's, each compound one replaced by its parts."""
        by_column = {compound.column: compound for compound in self.compounds}
        names: list[str] = []
        for column in self.columns:
            names += by_column[column].parts if column in by_column else [column]
        return names

    def split(self, X):
        """``X`` (a DataFrame of X's columns) with each compound column replaced by its parts; X itself without
        compound columns or when already split."""
        if not self.compounds or self.compounds[0].column not in X.columns:
            return X
        import pandas as pd

        by_column = {compound.column: compound for compound in self.compounds}
        columns = {}
        for name in X.columns:
            if name in by_column:
                columns.update(zip(by_column[name].parts, by_column[name].split(X[name].to_numpy()), strict=True))
            else:
                columns[name] = X[name]
        return pd.DataFrame(columns, index=X.index)

    def join(self, rows):
        """Rows decoded in the part columns, written back in X's columns (their index kept)."""
        if not self.compounds or not hasattr(rows, "iloc"):
            return rows
        import pandas as pd

        by_column = {compound.column: compound for compound in self.compounds}
        columns = {}
        for name in self.columns:
            if name in by_column:
                compound = by_column[name]
                columns[name] = compound.join([rows[part].to_numpy(dtype=object) for part in compound.parts])
            else:
                columns[name] = rows[name]
        return pd.DataFrame(columns, index=rows.index)

    def to_dict(self) -> list:
        """The compound columns as plain JSON values (the columns are the encoder's document's)."""
        return [compound.to_dict() for compound in self.compounds]

    @classmethod
    def from_dict(cls, doc, part_names: list) -> CompoundCells:
        """Compound columns written by :meth:`to_dict`, given the encoder's column names (their parts among
        them, in order); ValueError where they do not fit them."""
        if not isinstance(doc, list) or not doc:
            raise ValueError(f"'compounds' must be a non-empty list, got {doc!r}")
        compounds = tuple(Compound.from_dict(item) for item in doc)
        by_part = {part: compound for compound in compounds for part in compound.parts}
        if len(by_part) != sum(compound.n_parts for compound in compounds):
            raise ValueError("two compound columns share a name")
        columns: list = []
        k = 0
        while k < len(part_names):
            compound = by_part.get(part_names[k])
            if compound is None:
                columns.append(part_names[k])
                k += 1
                continue
            if part_names[k : k + compound.n_parts] != compound.parts:
                raise ValueError(f"the parts of compound column {compound.column!r} are not its columns, in order")
            columns.append(compound.column)
            k += compound.n_parts
        if len(set(map(str, columns))) != len(columns) or not all(c.column in columns for c in compounds):
            raise ValueError("a compound column names another column, or has no parts among the columns")
        return cls(compounds, tuple(columns))


def compound_column(name, values: np.ndarray, kind: str, taken: set, fit_quietly) -> tuple[Compound, list] | None:
    """The compound writing of a text column of role 'auto' (:func:`compound_of`) that the encoder left out, or
    took for keys although its numbers have decimals, and the records of its parts, where it models every part;
    else None.

    ``kind`` is the kind the encoder gave the column; ``taken``, the names of
    the table's columns (a part may not take one); ``fit_quietly(name, values,
    dtype, quantities)``, the record the encoder fits to a column of role
    'auto', without its warnings, where ``quantities`` says it holds a
    compound's parts.
    """
    if not isinstance(name, str) or kind not in ("dropped", "id"):
        return None
    compound = compound_of(name, values, fractions=kind == "id")  # keys in one layout: '555-0142'
    if compound is None or set(compound.parts) & taken:
        return None
    parts = compound.split(values)
    fitted = [
        fit_quietly(part, numbers, np.dtype(object), True) for part, numbers in zip(compound.parts, parts, strict=True)
    ]
    return (compound, fitted) if all(column.kind in _PART_KINDS for column in fitted) else None


@dataclass(frozen=True)
class CompoundPart:
    """One part of a compound column read as numbers: the column, its writing, which part, and the part's number
    format; :meth:`parse` reads the part's numbers from the column's cells (as the metrics read columns).

    Examples
    --------
    >>> import numpy as np
    >>> parts = compound_parts("bp", np.array(["120/80", "135/85", "n/a"], dtype=object))
    >>> [part.name for part in parts], parts[1].parse(np.array(["118/79", "high", None], dtype=object)).tolist()
    (['bp[1]', 'bp[2]'], [79.0, nan, nan])
    """

    column: str
    compound: Compound
    index: int
    number_format: NumberFormat

    @property
    def name(self) -> str:
        """The part's name: ``'<column>[k]'``."""
        return self.compound.parts[self.index]

    def parse(self, values: np.ndarray) -> np.ndarray:
        """The part's numbers in the cells ``values``, float64; NaN where a cell is missing or written otherwise."""
        return self.number_format.parse(self.compound.split(values, strict=False)[self.index])


def compound_parts(column: str, values: np.ndarray) -> list[CompoundPart]:
    """The parts of a column of compound cells (:func:`compound_of`: two numbers or more, or one with decimals),
    each read as numbers; ``[]`` where the column holds no such cells."""
    compound = compound_of(column, values)
    if compound is None:
        return []
    parts = []
    for k, strings in enumerate(compound.split(values)):
        observed = np.array([s for s in dict.fromkeys(strings.tolist()) if s is not None], dtype=object)
        parts.append(CompoundPart(column, compound, k, text_number_format(observed, np.dtype(object))))
    return parts
