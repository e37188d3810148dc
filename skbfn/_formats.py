"""The history of skbfn's saved formats, in one place: what each version changed and how it is read today.

Two kinds of saved models exist:

- files written by :func:`skbfn.save` (safetensors with a JSON document),
  whose ``format_version`` is listed in :data:`FILE_FORMATS`;
  :func:`upgrade_document` turns the document of any readable version into
  today's, and :func:`tensors_kept_in_document` gives the tensors that old
  versions stored in the document;
- pickles (``pickle``, ``joblib``), whose estimator state is upgraded by
  :func:`upgrade_generator_state` and :func:`upgrade_imputer_state`, and
  whose classes are found under their old module paths
  (:data:`OLD_MODULE_PATHS`).

This module imports nothing from skbfn, so that any layer may use it.
"""

from __future__ import annotations

import copy
import importlib
import sys

import torch

__all__ = [
    "EMA_COUNT",
    "FILE_FORMAT",
    "FILE_FORMATS",
    "FILE_FORMAT_VERSION",
    "OLD_MODULE_PATHS",
    "RECONSTRUCTION_DIVISOR_BEFORE",
    "alias_old_modules",
    "tensors_kept_in_document",
    "upgrade_document",
    "upgrade_generator_state",
    "upgrade_imputer_state",
]

FILE_FORMAT = "skbfn-bfngenerator"
# Each readable version of the file format, and what it changed.
FILE_FORMATS = {
    1: "the digest covers tensor names and bytes only (skbfn 0.1 before the document was signed)",
    2: "the digest covers the document and every tensor's name, dtype, shape and bytes",
    3: "the EMA's update count is the tensor 'ema.n_updates', no longer the document's 'ema_updates'",
    4: "the document holds the category tilt ('category_tilt')",
    5: "hidden_layer_sizes=None means the widths of the table's default profile (before: of its network)",
    6: "columns may be ids, dropped or empty, datetime columns record their time unit and zone, and the "
    "parameters column_roles, max_categories, enforce_bounds and reproduce_missing exist; encoders may list "
    "missingness indicators",
    7: "the document records the share of the likelihood bound's draws that its reconstruction term gets "
    "('reconstruction_divisor'); files before gave it a quarter",
    8: "the parameter neighbour_noise exists",
    9: "columns of dates or times held as strings or Python objects record how ('time_format'), and "
    "continuous columns their point masses ('point_masses'), each an indicator among the model's columns, "
    "and the decimals their samples are rounded to ('decimals')",
    10: "integer columns too wide for bins may be dequantised over their normal scores (a column with both "
    "'lattice' and 'normal_scores'), each integer's cell its own width, and columns of numbers held as text "
    "record how they are written ('number_format')",
    11: "number formats may mark negatives in accounting parentheses or with a trailing minus ('negative'), "
    "positives with a plus sign ('plus'), write an exponent ('exponent') and end in a unit of measure; time "
    "formats may be times of day ('time' objects, or strings such as '%H:%M'), end in a zone designator written "
    "as text ('Z') or in '%z' (instants, written in UTC) and write milliseconds ('%3f'); id columns of UUIDs and "
    "e-mail addresses make fresh ones ('uuid' and 'email' templates)",
    12: "constant columns with missing cells may have a missingness indicator, columns of times held as text "
    "(and constant ones) may mark missing cells with a string such as '?' ('missing_marker'), and time columns "
    "may count months ('M'), hours ('h') or minutes ('min') and hold dates as numbers ('%Y%m%d' with a numeric "
    "dtype), and numeric columns multiples of a step ('step': thousands, or halves)",
    13: "the parameter dropout exists",
    14: "encoders give real-valued and dequantised integer columns a tail beyond their training range "
    "('continuous_tail'), which scores values beyond it: a reader of format 13 would ignore it and score them "
    "otherwise; columns of dates held as strings in several formats read them in each ('read_formats'); number "
    "formats with a plus sign may write zeros without it ('plus_on_zero'); datetime columns may count units past "
    "an offset ('time_offset'); encoders give categorical and constant columns a tail for values not seen in fit "
    "('category_tail'), which a reader of format 13 would refuse",
    15: "the parameters max_categories and beta_1 may be 'auto' (their defaults since; a reader of format 14 would "
    "refuse them, and under beta_1='auto' build categorical columns of more than 20 classes at another accuracy); "
    "object columns of Python ints or Decimals record that type ('number_type'), which samples "
    "are given back in",
    16: "numeric columns whose values are mostly multiples of a coarser unit than their own record it "
    "('round_unit'), with an indicator among the model's columns that a reader of format 15 would not build; "
    "encoders record the orders between columns that every training row kept ('orders'), which samples keep, "
    "the real columns that copy another in many rows ('copies'), each with an indicator among the model's "
    "columns, and the columns that bin another ('partitions'), which samples keep",
    17: "encoders record the columns that a field of a date determines, a weekday or a month name "
    "('calendar_fields'), and the columns computed from others, a total from its terms or a tax as a rate of an "
    "amount ('arithmetic'), which samples compute and scores count as certain: a reader of format 16 would sample "
    "them apart from what determines them",
    18: "arithmetic columns may be a signed sum of three or more columns ('operation': 'sum', with 'terms' and "
    "'signs') or a product with a factor (a rate of a product, 'factor' beside '*'), which a reader of format 17 "
    "would refuse",
    19: "arithmetic columns may add to a time a plain number that counts days, hours, minutes or seconds ('unit': "
    "a discharge date as a visit date plus a stay in days), and may compute a column before one of their terms "
    "(the discharge from a stay after it), or be another column plus a fixed offset ('operation': 'shift', "
    "with 'offset': a due date 30 days after its invoice), or the whole years from one date to another or to a "
    "fixed day ('operation': 'years': an age beside a birth date), which a reader of format 18 would refuse; "
    "encoders record the cells a category leaves blank in every training row ('blanks'), which samples keep "
    "blank and a reader of format 18 would not",
    20: "columns of numbers or dates held as text may hold a few codes beside them ('codes': '<0.5' below a limit "
    "of detection, 'present' for a job not ended), each with an indicator among the model's columns, and "
    "arithmetic columns may be a fixed multiple of a ratio of two columns, the second maybe squared "
    "('operation': '/', with 'factor' and 'power': a body mass index from a weight and a height), both of which "
    "a reader of format 19 would refuse; encoders record the largest gap between two ordered times ('windows': "
    "shipped within a week of the order), which samples keep and a reader of format 19 would not; number formats "
    "may group thousands with a no-break space and write negatives with the typographic minus sign, and columns "
    "may hold durations in clock fields ('number_format' of kind 'elapsed': '0:03:25'), and blanks may be by the "
    "codes of a column ('by' a column with 'codes': no ratio where the value is '<0.5'), which a reader of format "
    "19 would refuse",
    21: "time formats may write days, months and hours without a leading zero ('%-d', '%-m', '%-H', '%-I': "
    "'3/5/2024 9:30', as spreadsheets write dates) and names in capitals ('%^b': '05-MAR-24'), and columns of "
    "numbers may hold months 'YYYYMM' ('%Y%m' with a numeric dtype: 201512) and strings ISO weeks ('%G-W%V': "
    "'2021-W08'), which a reader of format 20 would refuse or read wrongly; encoders record the days of the week "
    "a date column falls on ('weekdays': trading days, Monday to Friday), which samples keep and a reader of "
    "format 20 would not; id columns may make keys of varying length run by run ('runs' templates: IP "
    "addresses), which a reader of format 20 would refuse",
    22: "encoders record the columns that another column's value determines ('lookups': a borough from its zone, a "
    "town from its port's code), which samples keep and a reader of format 21 would not; columns may hold "
    "durations as counts with units ('number_format' of kind 'unit_durations': '2h 50m'), which a reader of "
    "format 21 would refuse; blanks may be by another column's missing cells ('missing': true: a city missing "
    "wherever its street is), which a reader of format 21 would refuse",
    23: "categorical columns may pool their rare levels into their last category ('rare_levels': zip codes or "
    "cities past 200 levels), which a reader of format 22 would refuse",
    24: "id columns whose training keys repeat record how many keys held each count of rows ('key_repeats': "
    "customers' ids beside their orders), which samples keep and a reader of format 23 would refuse, and id "
    "columns with missing cells may have a missingness indicator (guests' orders without a customer id), and "
    "numbers held as text may be marked approximate ('~403', '≈ 12.5'), and durations may be written as ISO 8601 "
    "writes them ('iso': 'PT4M13S'), and dates may be read at a year's precision beside finer ones ('%Y' among "
    "'read_formats': '1999' beside '1999-05-12'), and dates all on one day of the week may count weeks "
    "('time_unit': 'W'), all of which a reader of format 23 would refuse",
    25: "numbers held as text may be written at several magnitudes ('magnitudes' of a number format: '$350K' "
    "beside '$1.2M', '750 MB' beside '1.2 GB'), and durations as pandas and Python write them (a number format of "
    "kind 'day_durations': '1 days 23:30:13', '2 days, 0:05:00'), both of which a reader of format 24 would refuse; "
    "encoders record the categorical columns that a rule over several others decides ('rules': who is a child "
    "from sex and age), which samples keep and a reader of format 24 would not, and partitions may hold one value "
    "a label ('values': a product's price), which a reader of format 24 would refuse",
    26: "encoders may split a column of cells holding several numbers into part columns ('compounds': '120/80' as "
    "'pressure[1]' and 'pressure[2]'), which a reader of format 25 would not write back as one column",
}
FILE_FORMAT_VERSION = max(FILE_FORMATS)
EMA_COUNT = "ema.n_updates"
# hidden_layer_sizes=None in files of formats 1-4: the widths every table then got.
_WIDTHS_BEFORE_PROFILES = {"mlp": [128, 128, 128], "unet": [32, 64]}
# The reconstruction term's draws (n_elbo_draws // this) of every model fitted before format 7.
RECONSTRUCTION_DIVISOR_BEFORE = 4
# Parameters added after the first release, and the value that reproduces files written before them.
_PARAMETERS_ADDED = {
    "continuous_transform": "affine",  # columns were scaled affinely
    "category_shares": "model",  # samples had the network's own shares
    "column_roles": None,  # every column was modelled
    "max_categories": 50,
    "enforce_bounds": False,  # samples could reach a little past the training range
    "reproduce_missing": False,  # samples had no missing cells
    "neighbour_noise": 0.0,  # rows were trained on as they were
    "dropout": 0.0,  # the network trained without dropout
}


def upgrade_document(document: dict) -> dict:
    """A copy of a file's document, in today's form (its ``format_version`` is read from it, and kept).

    Parameters added since the file was written get the values that
    reproduce it; a format before 4 has no category tilt; before 5,
    ``hidden_layer_sizes=None`` becomes the widths it then meant; before 7,
    the reconstruction term had a quarter of the bound's draws.
    """
    document = copy.deepcopy(document)
    version = document["format_version"]
    params = document["params"]
    for name, value in _PARAMETERS_ADDED.items():
        params.setdefault(name, value)
    document.pop("ema_updates", None)  # before format 3; read by tensors_kept_in_document
    if version < 4:
        document.setdefault("category_tilt", None)
    if version < 5 and params.get("hidden_layer_sizes") is None:
        params["hidden_layer_sizes"] = _WIDTHS_BEFORE_PROFILES.get(params.get("network"))
    if version < 7:
        document.setdefault("reconstruction_divisor", RECONSTRUCTION_DIVISOR_BEFORE)
    return document


def tensors_kept_in_document(document: dict) -> dict[str, torch.Tensor]:
    """Tensors of today's state that a file's format kept in its document (the EMA count before format 3)."""
    if document["format_version"] >= 3:
        return {}
    count = document["ema_updates"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"ema_updates must be a non-negative integer, got {count!r}")
    return {EMA_COUNT: torch.tensor(count, dtype=torch.int64)}


def upgrade_generator_state(state: dict) -> dict:
    """A pickled :class:`~skbfn.BFNGenerator`'s ``__dict__`` in today's form (a copy)."""
    state = dict(state)
    if "_condition" in state:  # skbfn 0.1 before the condition encoder was a fitted attribute
        state["condition_encoder_"] = state.pop("_condition")
    for name, value in _PARAMETERS_ADDED.items():
        if name not in state:
            state[name] = value
            if name == "category_shares" and "model_" in state:
                state["category_tilt_"] = None
    if "model_" in state and "reconstruction_divisor_" not in state:  # fitted before the divisor was recorded
        state["reconstruction_divisor_"] = RECONSTRUCTION_DIVISOR_BEFORE
    return state


def upgrade_imputer_state(state: dict) -> dict:
    """A pickled :class:`~skbfn.BFNImputer`'s ``__dict__`` in today's form (a copy)."""
    state = dict(state)
    if "generator_" in state:  # skbfn 0.1.0 named the fitted model generator_
        state["estimator_"] = state.pop("generator_")
    if "calibrate" not in state:  # before the spread calibration: the draws as they were
        state["calibrate"] = False
        if "estimator_" in state:
            state["spread_scale_"] = 1.0
    return state


# Where skbfn 0.1.0 defined the classes that its pickles name, and where they live now.
OLD_MODULE_PATHS = {
    "skbfn._estimator": "skbfn._estimators.generator",
    "skbfn._imputer": "skbfn._estimators.imputer",
    "skbfn._columns": "skbfn._encoding.table",
    "skbfn._column": "skbfn._encoding.column",
    "skbfn._normal_scores": "skbfn._encoding.normal_scores",
    "skbfn._conditioning": "skbfn._encoding.condition",
    "skbfn._category_tilt": "skbfn._inference.category_tilt",
}


def alias_old_modules() -> None:
    """Make the old module paths name today's modules, so that pickles of skbfn 0.1.0 unpickle.

    Called once by ``skbfn/__init__``: unpickling imports the package first,
    and then finds each old path in ``sys.modules``.
    """
    for old, new in OLD_MODULE_PATHS.items():
        sys.modules.setdefault(old, importlib.import_module(new))
