"""Column roles: which columns are modelled, and what happens to the others.

A column of ``X`` has one role:

- ``'id'``: a key. Never modelled and never copied: samples get
  fresh keys in the column's format (integers after the training maximum;
  strings ``prefix + number`` continued after the largest number; UUIDs as
  new UUIDs; e-mail addresses as new addresses at the one domain they all
  share, else at ``example.com``; strings of one length as new strings of
  that shape, each position drawn from the characters it holds, so that
  phone numbers and national ids keep their dashes, constants and digits;
  other strings as new tokens of the same length and characters). Detected for a
  string column that is unique in every row (without spaces, or with them
  where its keys lay out digits between separators, ``'(555) 123-4567'``, or
  one prefix and a number, ``'Invoice 1001'``), and for an
  integer column unique in every row whose name says it is a key
  (:func:`names_a_key`: ``customer_id``, ``OrderNo``) or whose values lie
  too close together for that to happen by chance (:func:`are_keys`:
  ``1, 2, 3, ...`` or a sample of them), not amounts that merely happen to
  differ. Where the training keys repeat (customers beside their orders),
  each fresh key holds as many rows as a training key did
  (:mod:`~skbfn._encoding.key_repeats`).
- ``'drop'``: free text or a string column with too many distinct values to
  model as categories (:func:`holds_categories`: under the default
  ``max_categories='auto'``, more than 50 that do not repeat, each held by
  5 rows or more on average, or more than 200, unless those held by 10
  rows or more hold half of the rows, whose column pools its rare levels:
  :mod:`~skbfn._encoding.rare_levels`; from 20 observed values
  on, more than half of them). Never modelled and never copied:
  samples hold missing values there, and scores leave it out. Detected with a
  warning that names the column; name it in ``column_roles`` as
  ``'categorical'`` to model it anyway.
- ``'categorical'``, ``'discretised'``, ``'continuous'``: modelled with that
  flow (as ``categorical_features`` and ``discretised_features`` choose).
  A float column that is not integer-valued but takes at most 10 distinct
  values, each seen 10 times on average (a code stored as floats, such as
  a standardised 0/1 column), is detected as ``'categorical'``: its samples
  hold exactly those values, where a continuous flow would spread them. So
  is an integer column of as few values spread over more integers than
  ``max_bins`` (industry codes: :func:`~skbfn._encoding.column_fit.are_wide_codes`), and one of
  as few values as categories beyond the integers a float64 holds (64-bit ids: :func:`are_big_codes`), or
  whose name says it holds codes (zip codes held as integers: :func:`code_role`). So is
  a column of dates held as strings or Python objects with as few values
  (quarter ends, say); with more, it is modelled as times (see
  :mod:`skbfn._encoding.times`).

A column with one observed value is reproduced as it is (``'constant'``), and
a column missing in every row comes back missing (``'empty'``): neither is
modelled.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import warnings

import numpy as np

from .._json import is_int, plain
from .key_runs import drawn_keys, key_runs, run_keys, valid_runs
from .rare_levels import MIN_KEPT_ROWS, split_levels

__all__ = [
    "DOMAIN",
    "FEW_CATEGORIES",
    "MOST_CATEGORIES",
    "ROLES",
    "ROWS_PER_CATEGORY",
    "are_big_codes",
    "are_keys",
    "check_roles",
    "code_role",
    "column_label",
    "detect_role",
    "few_categories",
    "fresh_ids",
    "holds_categories",
    "holds_few_values",
    "id_template",
    "is_numbered_layout",
    "label_from_json",
    "names_a_code",
    "names_a_key",
    "names_a_reference",
    "roles_from_json",
    "roles_to_json",
    "valid_id_template",
]

ROLES = ("auto", "id", "drop", "categorical", "discretised", "continuous")
# A string column with at least this many observed values is text when more than half of them are distinct.
_TEXT_MIN_ROWS = 20
# A non-integer float column with at most this many distinct values, each seen this many times on average,
# holds codes, not measurements: it is modelled as a category of those values.
_FEW_VALUES, _ROWS_PER_VALUE = 10, 10
# max_categories='auto': a string column holds categories when it has at most FEW_CATEGORIES distinct values, or at
# most MOST_CATEGORIES that repeat, each held by ROWS_PER_CATEGORY rows or more on average (cities, states, products).
FEW_CATEGORIES, MOST_CATEGORIES, ROWS_PER_CATEGORY = 50, 200, 5
_PATTERN = re.compile(r"^(.*?)(\d+)$")
# Distinct integers are keys when values drawn at random over their range would coincide this many times (pairs)
# in expectation: then no two coinciding is no chance (Poisson: e^-3 = 5%), but numbering.
_CHANCE_PAIRS = 3.0
# Words that end the names of key columns, and the words of a name: runs of letters, split where lower case turns
# upper ('userId') and before the last capital of a capital run followed by lower case ('IDNumber' -> ID, Number).
_KEY_WORDS = frozenset({"id", "key", "uuid", "guid", "no", "nr", "num", "number"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
# Words that end the names of columns of codes held as numbers (zip codes, area codes, county FIPS codes).
_CODE_WORDS = frozenset({"zip", "zipcode", "postcode", "postal", "code", "fips"})
# Keys of a well-known shape, made afresh in it: UUIDs, and e-mail addresses (a local part, '@' and a domain).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL = re.compile(rf"[A-Za-z0-9._%+-]+@{DOMAIN.pattern}")
# The domain of fresh addresses where the training addresses have several (reserved for examples: RFC 2606).
_EXAMPLE_DOMAIN = "example.com"
# The templates whose keys are keys by their shape alone, which a column of strings mostly distinct is taken for
# even where some repeat or are missing (customers' addresses beside their orders), by what their values are.
_KEYS_BY_SHAPE = {
    "email": "e-mail addresses",
    "uuid": "UUIDs",
    "pattern": "keys of one prefix and a number",
    "layout": "keys of digits in one layout (phone or account numbers)",
}
_LOCAL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# What separates the digits of keys laid out as phone, account or card numbers and addresses ('(555) 123-4567',
# '+44 20 7946 0958', '10.217.163.130'): not '±' or '~', which mark measurements ('12.3 ± 0.6').
_KEY_SEPARATORS = frozenset(" -()+./#:_")
# The fewest distinct tokens a template may draw from: then drawing ends soon, and a draw copies one of a
# hundred thousand keys with probability 10^-4.
_TOKENS = 10**9
# Keys of one length keep their shape where it holds this many keys or more (seven free digits of a phone number
# hold 10^7): a fresh key then equals one of n training keys by chance with probability about n / 10^6 or less
# (each position is drawn from a byte of a hash, so its characters are nearly, not exactly, equally likely).
_SHAPED_KEYS = 10**6
_MAX_SHAPE_LENGTH = 64
# The largest integer below which a float64 holds every integer.
_EXACT_FLOAT = 2**53


def column_label(label) -> int | str | tuple:
    """A DataFrame column's label as skbfn keeps it: an integer as an int (pandas' default labels), a tuple (a
    column of a MultiIndex header) as a tuple of such labels, else text."""
    if isinstance(label, int | np.integer) and not isinstance(label, bool | np.bool_):
        return int(label)
    if isinstance(label, tuple):
        return tuple(column_label(part) for part in label)
    return str(label)


def check_roles(column_roles, names: list | None, n_columns: int) -> dict[int, str]:
    """``column_roles`` (None or ``{column: role}``, columns by name or index) as ``{index: role}``."""
    if column_roles is None:
        return {}
    if not isinstance(column_roles, dict):
        raise TypeError(f"column_roles must be a dict {{column: role}} or None, got {type(column_roles).__name__}.")
    roles = {}
    for column, role in column_roles.items():
        if role not in ROLES:
            raise ValueError(f"column_roles gives column {column!r} the role {role!r}; roles are {list(ROLES)}.")
        if isinstance(column, str | tuple) and names is not None and column in names:
            index = names.index(column)
        elif isinstance(column, int | np.integer) and not isinstance(column, bool) and -n_columns <= column < n_columns:
            index = int(column) % n_columns
        else:
            raise ValueError(f"column_roles names {column!r}, which is not a column of X.")
        roles[index] = role
    return roles


def _is_string_column(values: np.ndarray, dtype) -> bool:
    if str(dtype) == "category" or getattr(dtype, "kind", "O") == "b":
        return False
    return all(isinstance(v, str) for v in values.tolist())


def _is_integer_column(values: np.ndarray, dtype) -> bool:
    if getattr(dtype, "kind", "O") in "iu" or str(dtype) in ("Int8", "Int16", "Int32", "Int64", "UInt32", "UInt64"):
        return True
    return False


def holds_few_values(observed: np.ndarray) -> bool:
    """Whether a column's observed values are a few distinct ones, each seen many times: codes, not
    measurements (at most 10 values, seen 10 times each on average)."""
    observed = np.asarray(observed)
    n_distinct = len(np.unique(observed)) if observed.dtype.kind in "iuf" else len(set(observed.tolist()))
    return n_distinct <= _FEW_VALUES and len(observed) >= _ROWS_PER_VALUE * n_distinct


def holds_categories(n_distinct: int, n_observed: int, max_categories: int | str = "auto") -> bool:
    """Whether ``n_observed`` values of a column, ``n_distinct`` of them distinct, are few enough to be
    categories.

    ``max_categories`` is the most distinct values, or 'auto': at most 50,
    or at most 200 when they repeat, each held by 5 rows or more on
    average. Levels that repeat, such as cities, states or products, are
    categories however many there are up to that bound; names and free
    text, which rarely repeat, are not.

    Examples
    --------
    >>> holds_categories(51, 400), holds_categories(51, 200)  # 51 states: 7.8 rows each, or 3.9
    (True, False)
    >>> holds_categories(120, 2000), holds_categories(120, 2000, max_categories=50)  # 120 cities
    (True, False)
    >>> holds_categories(250, 100_000)  # more than 200 levels
    False
    """
    if max_categories == "auto":
        repeating = n_distinct <= MOST_CATEGORIES and n_observed >= ROWS_PER_CATEGORY * n_distinct
        return n_distinct <= FEW_CATEGORIES or repeating
    return n_distinct <= max_categories


def few_categories(max_categories: int | str) -> int:
    """The most distinct values that are categories whether or not they repeat (50 for 'auto')."""
    return FEW_CATEGORIES if max_categories == "auto" else int(max_categories)


def _is_coded_float_column(values: np.ndarray, dtype) -> bool:
    """A float column whose few distinct values, not all integers, are each seen many times (see above)."""
    if getattr(dtype, "kind", "O") != "f" and str(dtype) not in ("Float32", "Float64"):
        return False
    numbers = np.asarray(values, dtype=np.float64)
    distinct = np.unique(numbers)
    return holds_few_values(numbers) and not np.all(distinct == np.round(distinct))


def detect_role(name, observed: np.ndarray, n_rows: int, dtype, max_categories: int | str) -> str | None:
    """'id', 'drop' (with a warning), 'categorical' (a float code), 'pooled' (categories with their rare levels
    pooled: :mod:`~skbfn._encoding.rare_levels`) or None (model the column as its kind says) for a column's
    observed values."""
    is_integer, is_string = _is_integer_column(observed, dtype), _is_string_column(observed, dtype)
    if not (is_integer or is_string):
        return "categorical" if _is_coded_float_column(observed, dtype) else None
    n_observed, n_distinct = len(observed), len(set(observed.tolist()))
    unique = n_observed == n_rows and n_distinct == n_rows and n_rows >= 2
    if unique and is_integer and are_keys(np.asarray(observed.tolist(), dtype=np.float64), name):
        return "id"
    if not is_string:
        return None
    spaced = any(any(c.isspace() for c in v) for v in observed.tolist())
    if unique and not spaced:
        return "id"
    mostly_distinct = n_observed >= _TEXT_MIN_ROWS and n_distinct > n_observed / 2
    wide = not mostly_distinct and not holds_categories(n_distinct, n_observed, max_categories)
    template = id_template(name, observed, dtype) if mostly_distinct or unique or wide else {"kind": None}
    prefix = template.get("prefix")  # digits alone (zip codes) and numbers marked '~403' are no keys
    kind = template["kind"] if prefix is None or _names_keys(prefix) else None
    if kind in ("shape", "runs"):
        kind = "layout" if is_numbered_layout(template) else None  # '(555) 123-4567', not names ('Ann Lee')
    if spaced and kind not in ("pattern", "layout"):
        kind = None  # names and free text
    if unique and kind is not None:
        return "id"  # 'Invoice 1001', '+44 20 7946 0958'
    # customers' e-mail addresses in a table of orders, some of them twice; or each in several orders, too many for
    # categories: a person's address, phone number or UUID is never a level to copy (numbered keys, 'SKU-0042',
    # may name products, whose frequent levels are kept below)
    if kind in _KEYS_BY_SHAPE and (mostly_distinct or kind != "pattern"):
        return _repeated_keys(
            name, f"{n_distinct} distinct {_KEYS_BY_SHAPE[kind]} in {n_observed}", "'drop' to leave it out"
        )
    if wide and max_categories == "auto" and split_levels(observed, MOST_CATEGORIES, MIN_KEPT_ROWS) is not None:
        return "pooled"  # zip codes, cities: the frequent levels are categories, the rare ones a pool
    if mostly_distinct or not holds_categories(n_distinct, n_observed, max_categories):
        if mostly_distinct:
            why = "more than half of them distinct, as names and free text are"
        elif max_categories == "auto":
            why = (
                f"max_categories='auto' models more than {FEW_CATEGORIES} only when each is held by "
                f"{ROWS_PER_CATEGORY} rows or more on average, and at most {MOST_CATEGORIES}"
            )
        else:
            why = f"max_categories={max_categories}"
        warnings.warn(
            f"X column {name!r} holds {n_distinct} distinct strings in {n_observed} values: too many to model "
            f"as categories ({why}), so it is not modelled, and samples hold missing "
            f"values there. Set column_roles={{{name!r}: 'categorical'}} to model it, or 'drop' to silence this.",
            UserWarning,
            stacklevel=8,  # the caller of BFNGenerator.fit
        )
        return "drop"
    return None


def _repeated_keys(name, held: str, instead: str) -> str:
    """'id', with a warning that a column of keys, some repeated or missing, gets fresh keys in samples."""
    warnings.warn(
        f"X column {name!r} holds {held} values, some of them in several rows or some rows missing: it is taken "
        f"for keys, and samples hold fresh ones, in as many rows each as a training key held, and missing "
        f"cells as the model of missing cells draws them. Set column_roles={{{name!r}: "
        f"'id'}} to silence this, or {instead}.",
        UserWarning,
        stacklevel=9,  # the caller of BFNGenerator.fit
    )
    return "id"


def is_numbered_layout(template: dict) -> bool:
    """Whether an :func:`id_template` of kind ``'shape'`` or ``'runs'`` lays out digits between separators,
    without a letter: phone numbers (``'(555) 123-4567'``, ``'+44 20 7946 0958'``), account or card numbers
    (``'4111 1111 1111 1111'``), which are keys even where they hold spaces or repeat. Digits alone (zip codes)
    and words (names: ``'Ann Lee'``) are not.

    Examples
    --------
    >>> phones = [f"({k % 900 + 100}) {k % 800 + 200}-{k:04d}" for k in range(3000)]
    >>> is_numbered_layout(id_template("phone", np.array(phones, dtype=object), object))
    True
    >>> names = ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Hart"] * 10
    >>> is_numbered_layout(id_template("name", np.array(names, dtype=object), object))
    False
    >>> values = [f"{k / 10:.1f} ± {k % 7 / 10:.1f}" for k in range(100, 3100)]  # measurements, not keys
    >>> is_numbered_layout(id_template("mass", np.array(values, dtype=object), object))
    False
    """
    if template["kind"] == "shape":
        positions = template["positions"]
        return (
            all(c.isdigit() or c in _KEY_SEPARATORS for p in positions for c in p)
            and any(not any(c.isdigit() for c in p) for p in positions)
            and any(p.isdigit() for p in positions)
        )
    if template["kind"] == "runs":
        kinds = {run[0] for run in template["runs"]}
        texts = "".join(run[1] for run in template["runs"] if run[0] == "text")
        return "letters" not in kinds and {"digits", "text"} <= kinds and set(texts) <= _KEY_SEPARATORS
    return False


def _names_keys(prefix: str) -> bool:
    """Whether the text before the numbers of ``prefix + number`` keys names keys: a letter or ``'#'`` in it
    (``'Invoice '``, ``'CUST-'``, ``'#'``), not a mark before a measurement (``'~'``, ``'>'``) or nothing
    (zip codes)."""
    return any(c.isalpha() or c == "#" for c in prefix)


def are_big_codes(observed: np.ndarray, dtype, max_categories: int | str = "auto") -> bool:
    """Whether an integer column holds codes beyond the integers a float64 holds exactly (``2**53``), as few
    distinct ones as categories (:func:`holds_categories`): 64-bit user or account ids in a table of events.
    A number flow would draw values between them, rounded to multiples of 256 or more, which the column never
    holds; as categories, samples hold the column's own values.

    Examples
    --------
    >>> users = 1_300_000_000_000_000_000 + np.repeat(np.arange(40) * 7919, 10)
    >>> are_big_codes(users, users.dtype), are_big_codes(users % 10**6, users.dtype)
    (True, False)
    """
    if not _is_integer_column(observed, dtype) or not len(observed):
        return False
    values = observed.tolist()
    if max(abs(int(v)) for v in values) <= _EXACT_FLOAT:
        return False
    return holds_categories(len(set(values)), len(values), max_categories)


def code_role(name, observed: np.ndarray, dtype, max_categories: int | str = "auto") -> str | None:
    """'categorical' or 'pooled' (:mod:`~skbfn._encoding.rare_levels`) for a column of whole numbers whose name
    says it holds codes (:func:`names_a_code`: ``zipcode``, ``area_code``) or references keys (``customer_id``
    in a table of orders) and whose values recur as categories' do; 'id' (with a warning) for other references;
    else None (numbers, as before). A number flow would draw the integers between the codes: zip codes
    ``98001`` to ``98199`` of which 70 exist, or customers that do not, and some that do (with made-up orders).

    Examples
    --------
    >>> zips = np.repeat([98001, 98004, 98052, 98103, 98199], 40)
    >>> code_role("zipcode", zips, zips.dtype), code_role("price", zips, zips.dtype)
    ('categorical', None)
    >>> customers = np.repeat(np.arange(1000, 1060) * 7, 8)  # 60 customers beside their 8 orders each
    >>> code_role("customer_id", customers, customers.dtype), code_role("total", customers, customers.dtype)
    ('categorical', None)
    """
    references = names_a_reference(name)
    if not (names_a_code(name) or references) or not len(observed) or getattr(dtype, "kind", "O") not in "iuf":
        return None
    numbers = np.asarray(observed, dtype=np.float64)
    if not np.all(np.isfinite(numbers) & (numbers == np.round(numbers))):
        return None
    n_observed, n_distinct = len(numbers), len(np.unique(numbers))
    mostly_distinct = n_observed >= _TEXT_MIN_ROWS and n_distinct > n_observed / 2
    if not (references and mostly_distinct):  # references mostly distinct are keys, however few
        if holds_categories(n_distinct, n_observed, max_categories):
            return "categorical"
        poolable = max_categories == "auto" and n_distinct <= n_observed / 2
        if poolable and split_levels(observed, MOST_CATEGORIES, MIN_KEPT_ROWS) is not None:
            return "pooled"
    if references:  # else drawn as numbers over their range: keys that do not exist, and some that do
        return _repeated_keys(name, f"{n_distinct} distinct keys in {n_observed}", "'categorical' to draw them")
    return None


def names_a_code(name) -> bool:
    """Whether a column's name ends in a word that names codes: ``zip``, ``zipcode``, ``postcode``, ``postal``,
    ``code`` or ``fips`` (in any case; words split as :func:`names_a_key` splits them).

    Examples
    --------
    >>> [names_a_code(name) for name in ("zipcode", "ZIP", "postal_code", "AreaCode", "county_fips")]
    [True, True, True, True, True]
    >>> [names_a_code(name) for name in ("price", "zip_count", "codes_used", 5)]
    [False, False, False, False]
    """
    words = _WORDS.findall(str(name)) if name is not None else []
    return bool(words) and words[-1].lower() in _CODE_WORDS


def are_keys(numbers: np.ndarray, name=None) -> bool:
    """Whether a column of numbers holds keys: integers, one in every row and each in one row only, that are
    numbered or in a column whose name says it holds keys (:func:`names_a_key`).

    Keys are numbered: ``1, 2, 3, ...``, or the rows of a sample of such a
    table. Quantities (amounts in cents, populations, timestamps) may all
    differ too, when their range is wide for the number of rows. ``n`` values
    drawn at random over ``range`` integers coincide in ``n (n - 1) / (2 range)``
    pairs in expectation, least of all when drawn uniformly; where that is at
    least 3, no coincidence at all is no chance, and the values are keys.

    Examples
    --------
    >>> import numpy as np
    >>> are_keys(np.arange(1000, 1300, dtype=float))  # numbered rows
    True
    >>> are_keys(np.random.default_rng(0).permutation(10_000)[:300].astype(float))  # a sample of them
    True
    >>> incomes = np.array([35_120.0, 48_900.0, 61_250.0, 52_010.0, 29_990.0])
    >>> are_keys(incomes), are_keys(incomes, "account_no")  # amounts that differ, or keys by their name
    (False, True)
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    n = len(numbers)
    if n < 2 or np.isnan(numbers).any() or not np.all(numbers == np.round(numbers)) or len(np.unique(numbers)) < n:
        return False
    span = float(numbers.max() - numbers.min()) + 1.0
    return names_a_key(name) or n * (n - 1) / (2.0 * span) >= _CHANCE_PAIRS


def names_a_reference(name) -> bool:
    """Whether a column's name ends in ``id`` or ``key`` (``customer_id``, ``CustomerKey``): references to keys,
    as :func:`code_role` reads integers; not ``no`` or ``number``, which end the names of counts too."""
    words = _WORDS.findall(str(name)) if name is not None else []
    return bool(words) and words[-1].lower() in ("id", "key")


def names_a_key(name) -> bool:
    """Whether a column's name ends in a word that names keys: ``id``, ``key``, ``uuid``, ``guid``, ``no``,
    ``nr``, ``num`` or ``number`` (in any case; words split at non-letters and at case changes).

    Examples
    --------
    >>> [names_a_key(name) for name in ("customer_id", "CustomerID", "userId", "order no.", "ID", "Key")]
    [True, True, True, True, True, True]
    >>> [names_a_key(name) for name in ("income", "num_children", "paid", "idle_time", "monkey", 3)]
    [False, False, False, False, False, False]
    """
    words = _WORDS.findall(str(name)) if name is not None else []
    return bool(words) and words[-1].lower() in _KEY_WORDS


def id_template(name, observed: np.ndarray, dtype) -> dict:
    """How fresh keys of an id column are made, from its observed keys (none of which is stored)."""
    if _is_integer_column(observed, dtype) or (len(observed) and all(_is_int(v) for v in observed.tolist())):
        return {"kind": "integer", "start": int(max(observed.tolist())) + 1 if len(observed) else 0}
    if getattr(dtype, "kind", "O") == "f" and len(observed) and _whole(observed):  # integers read beside blanks
        return {"kind": "integer", "start": int(np.max(observed)) + 1}
    keys = [str(v) for v in observed.tolist()]
    matches = [_PATTERN.match(k) for k in keys]
    if keys and all(matches) and len({m.group(1) for m in matches}) == 1:
        numbers = [int(m.group(2)) for m in matches]
        width = min(len(m.group(2)) for m in matches)
        return {"kind": "pattern", "prefix": matches[0].group(1), "width": width, "start": max(numbers) + 1}
    if keys and all(_UUID.fullmatch(k) for k in keys):
        return {"kind": "uuid", "upper": all(k == k.upper() for k in keys)}
    if keys and all(_EMAIL.fullmatch(k) for k in keys):
        domains = {k.rsplit("@", 1)[1] for k in keys}  # one shared domain is the format, like a prefix
        local = sorted(len(k.rsplit("@", 1)[0]) for k in keys)
        domain = domains.pop() if len(domains) == 1 else _EXAMPLE_DOMAIN
        return {"kind": "email", "length": max(8, local[len(local) // 2]), "domain": domain}
    positions = _shape(keys)
    if positions is not None:
        return {"kind": "shape", "positions": positions}
    layout = key_runs(keys, _SHAPED_KEYS)  # keys of varying length in one layout: '10.217.163.130'
    if layout is not None:
        return {"kind": "runs", "runs": layout}
    lengths = sorted(len(k) for k in keys)
    alphabet = "".join(sorted(set("".join(keys)) - set(" \t\n"))) or "abcdefghijklmnopqrstuvwxyz"
    return {"kind": "token", "length": max(8, lengths[len(lengths) // 2] if lengths else 8), "alphabet": alphabet}


def valid_id_template(template) -> bool:
    """An id template :func:`id_template` could have made (checked when a model is loaded)."""
    if not isinstance(template, dict):
        return False
    kind = template.get("kind")
    if kind == "integer":
        return set(template) == {"kind", "start"} and is_int(template["start"])
    if kind == "pattern":
        fields = (template.get("prefix"), template.get("width"), template.get("start"))
        return (
            set(template) == {"kind", "prefix", "width", "start"}
            and isinstance(fields[0], str)
            and all(is_int(v) and 0 <= v for v in fields[1:])
            and template["width"] <= 64
        )
    if kind == "uuid":
        return set(template) == {"kind", "upper"} and isinstance(template["upper"], bool)
    if kind == "email":
        domain = template.get("domain")
        return _sized(template, "domain", 64) and isinstance(domain, str) and DOMAIN.fullmatch(domain) is not None
    if kind == "shape":
        positions = template.get("positions")
        return (
            set(template) == {"kind", "positions"}
            and isinstance(positions, list)
            and 0 < len(positions) <= 64
            and all(isinstance(p, str) and 0 < len(p) == len(set(p)) <= 1024 for p in positions)
        )
    if kind == "runs":
        return set(template) == {"kind", "runs"} and valid_runs(template["runs"])
    if kind == "token":
        alphabet = template.get("alphabet")
        return _sized(template, "alphabet", 256) and isinstance(alphabet, str) and 0 < len(alphabet) <= 1024
    return False


def _sized(template: dict, other: str, longest: int) -> bool:
    """Whether a template holds its kind, a ``length`` from 1 to ``longest`` and one ``other`` entry, alone."""
    length = template.get("length")
    return set(template) == {"kind", "length", other} and is_int(length) and 1 <= length <= longest


def _shape(keys: list[str]) -> list[str] | None:
    """The characters each position of ``keys`` holds, where all have one length and their shape holds at least
    :data:`_SHAPED_KEYS` keys; else None.

    Examples
    --------
    >>> _shape([f"+1-555-{k:03d}-{k * 37 % 10_000:04d}" for k in range(100, 1000)])[:9]
    ['+', '1', '-', '5', '5', '5', '-', '123456789', '0123456789']
    >>> _shape(["a1", "b2", "c3"]) is None  # nine keys: too few for fresh ones
    True
    """
    lengths = {len(k) for k in keys}
    if len(lengths) != 1 or not 0 < next(iter(lengths)) <= _MAX_SHAPE_LENGTH:
        return None
    positions = ["".join(sorted(set(characters))) for characters in zip(*keys, strict=True)]
    return positions if sum(np.log10(len(p)) for p in positions) >= np.log10(_SHAPED_KEYS) else None


def _whole(values: np.ndarray) -> bool:
    """Whether float ``values`` are all whole numbers that a float64 holds exactly (customer ids read from a CSV
    with blank cells, as pandas reads integers beside them)."""
    numbers = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) <= 2**53)))


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def fresh_ids(template: dict, n: int, salt: str = "") -> np.ndarray:
    """``n`` distinct keys made by ``template`` (see :func:`id_template`), as an object array.

    Tokens, UUIDs and e-mail addresses are drawn from a hash of a counter and ``salt`` (the column's name), so
    that two key columns of one kind get keys of their own.
    """
    kind = template["kind"]
    if kind == "integer":
        return np.arange(template["start"], template["start"] + n, dtype=np.int64).astype(object)
    if kind == "pattern":
        prefix, width, start = template["prefix"], template["width"], template["start"]
        return np.array([f"{prefix}{str(start + k).zfill(width)}" for k in range(n)], dtype=object)
    if kind == "uuid":  # version 4 UUIDs (random), drawn from a hash of a counter
        keys = [str(uuid.UUID(bytes=_hash(f"skbfn-uuid-{salt}-{k}")[:16], version=4)) for k in range(n)]
        return np.array([k.upper() for k in keys] if template["upper"] else keys, dtype=object)
    if kind == "email":
        local = fresh_ids({"kind": "token", "length": template["length"], "alphabet": _LOCAL_ALPHABET}, n, salt)
        return np.array([f"{name}@{template['domain']}" for name in local], dtype=object)
    if kind == "shape":
        return _shaped_keys(template["positions"], n, salt)
    if kind == "runs":
        return run_keys(template["runs"], n, salt)
    alphabet, length = _wide_enough(template["alphabet"], template["length"]), template["length"]

    def token(counter: int) -> str:
        digest = _hash(f"skbfn-id-{salt}-{counter}") * (1 + length // 32)
        return "".join(alphabet[b % len(alphabet)] for b in digest[:length])

    return drawn_keys(token, n)


def _shaped_keys(positions: list[str], n: int, salt: str) -> np.ndarray:
    """``n`` keys, each position drawn from its characters (by a hash of a counter and ``salt``), distinct while
    the shape holds twice as many keys."""

    def shaped(counter: int) -> str:
        digest = _hash(f"skbfn-shape-{salt}-{counter}") * (1 + len(positions) // 32)
        return "".join(characters[b % len(characters)] for characters, b in zip(positions, digest, strict=False))

    return drawn_keys(shaped, n, distinct=n <= 0.5 * float(np.prod([float(len(p)) for p in positions])))


def _wide_enough(alphabet: str, length: int) -> str:
    """``alphabet``, with lower-case letters and digits added where its tokens of ``length`` number under 10^9
    (keys ``'a'``, ``'aa'``: one token of eight letters; the draws would repeat it, or copy a key, forever).
    Eight hexadecimal digits, 4.3 10^9 tokens, stay hexadecimal."""
    if len(alphabet) ** length >= _TOKENS:
        return alphabet
    return alphabet + "".join(c for c in _LOCAL_ALPHABET if c not in alphabet)


def _hash(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def roles_to_json(column_roles: dict) -> list:
    """``column_roles`` as ``[[column, role], ...]`` (JSON object keys would turn indices into strings)."""
    return [[plain(column), role] for column, role in column_roles.items()]


def roles_from_json(pairs) -> dict | None:
    """The ``column_roles`` :func:`roles_to_json` wrote."""
    if pairs is None:
        return None
    if not (isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 for p in pairs)):
        raise ValueError("column_roles must be stored as [column, role] pairs")
    return {label_from_json(column): role for column, role in pairs}


def label_from_json(label):
    """A column label as JSON wrote it, in the form :func:`column_label` gives: lists (a MultiIndex column's
    tuple) back as tuples."""
    return tuple(label_from_json(part) for part in label) if isinstance(label, list) else label
