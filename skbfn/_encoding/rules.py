"""Columns that a rule over several others decides: who is a man, a woman or a child from sex and age, whether a
passenger travels alone from the counts of relatives aboard.

Tables often hold a flag or a class that was computed from two or more other
columns (``'alone'`` where ``sibsp + parch == 0``, ``'who'`` from ``sex`` and
``age < 16``, a risk band from age and smoking). A model of the joint
distribution puts a little mass on rows where the flag and its sources
disagree (a 30-year-old ``'child'``). Where one column decides another, a
partition (:mod:`.partitions`) or a lookup (:mod:`.lookups`) records it; the
encoder records a rule over several as a *rule*: a decision tree of at most
:data:`MAX_DEPTH` levels over the other modelled columns (numbers, and
category indices) that gives a categorical column's value in every training
row holding it, using two columns or more, with every leaf holding at least
:func:`min_leaf_rows` rows, too many for that to be chance. Decoded rows take
the decided column's value from the rule (:func:`with_rules_kept`), as they
compute a calendar field from its date, unless it is drawn missing; where it
is given and a column of its rule is drawn, the sampler draws a row that breaks
the rule again (``enforce_bounds``), as it does one that breaks a partition.
Scores are the model's, as for every relation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int
from .column import Column
from .lookups import drawn_labels, with_lookups_kept
from .orders import MIN_ORDER_ROWS
from .values import as_float, column_values

__all__ = [
    "MAX_DEPTH",
    "Rule",
    "column_rules",
    "min_leaf_rows",
    "rule_number_columns",
    "rules_broken",
    "rules_from_json",
    "with_rules_kept",
]

# The deepest tree a rule may be (a rule of more conditions is no rule a table's author wrote down).
MAX_DEPTH = 3
# A column with more categories than this is decided by no rule here.
MAX_LEVELS = 20
# Rows a tree is grown on (a random subset beyond it); it must then decide every row. A first tree is grown on
# fewer, and must decide them all: most columns decided by no rule fail there, at a tenth of the cost.
_GROWN_ON, _SCREENED_ON = 3000, 300


def min_leaf_rows(n_rows: int) -> int:
    """The fewest training rows each leaf of a rule must hold: 20, and 1% of the rows."""
    return max(MIN_ORDER_ROWS, math.ceil(0.01 * n_rows))


@dataclass(frozen=True)
class Rule:
    """Column ``column`` (categorical, an index of X) decided by a tree over the columns ``by``.

    Node ``i`` of the tree is a leaf where ``feature[i]`` is -1, deciding the
    category index ``label[i]``; else it sends a row to ``left[i]`` where its
    value of ``by[feature[i]]`` is at most ``threshold[i]`` (or missing, if
    ``missing_left[i]``), to ``right[i]`` otherwise. Node 0 is the root.
    """

    column: int
    by: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    missing_left: tuple[bool, ...]
    label: tuple[float, ...]

    def decide(self, features: np.ndarray) -> np.ndarray:
        """The category index the rule gives each row of ``features`` (``[rows, len(by)]``, NaN where missing)."""
        node = np.zeros(len(features), dtype=np.int64)
        feature, threshold = np.asarray(self.feature), np.asarray(self.threshold)
        left, right, missing_left = np.asarray(self.left), np.asarray(self.right), np.asarray(self.missing_left)
        for _ in range(MAX_DEPTH):
            inner = feature[node] >= 0
            if not inner.any():
                break
            value = features[np.arange(len(node)), np.maximum(feature[node], 0)]
            with np.errstate(invalid="ignore"):
                goes_left = np.where(np.isnan(value), missing_left[node], value <= threshold[node])
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
        return np.asarray(self.label)[node]

    def to_dict(self) -> dict:
        """The rule as plain JSON values."""
        return {
            "column": self.column,
            "by": list(self.by),
            "feature": list(self.feature),
            "threshold": [v if math.isfinite(v) else None for v in self.threshold],
            "left": list(self.left),
            "right": list(self.right),
            "missing_left": list(self.missing_left),
            "label": [int(v) if math.isfinite(v) else None for v in self.label],
        }

    def describe(self, names: list[str]) -> str:
        """The rule in words: ``'who decided by sex, age'``."""
        return f"{names[self.column]} decided by {', '.join(names[j] for j in self.by)}"


def column_rules(columns: list[Column], X, excluded: set[int]) -> list[Rule]:
    """The rules that decide the categorical modelled columns of ``X`` (but those of ``excluded``: a column a
    partition, a lookup or a computation decides already) from two or more of its other modelled columns (see
    the module's description).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> sibsp, parch = rng.poisson(0.5, 600), rng.poisson(0.4, 600)
    >>> X = pd.DataFrame({"sibsp": sibsp, "parch": parch, "alone": sibsp + parch == 0})
    >>> [(rule.column, rule.by) for rule in column_rules(TableEncoder().fit(X).columns_, X, set())]
    [(2, (0, 1))]
    """
    targets = [j for j, c in enumerate(columns) if c.kind == "categorical" and c.n_bins <= MAX_LEVELS]
    if not targets:
        return []
    sources = {
        j: c.labels(column_values(X, j)) if c.kind == "categorical" else c.numbers(column_values(X, j), as_float)
        for j, c in enumerate(columns)
        if c.kind in ("continuous", "discretised", "categorical") and j not in excluded
    }
    rng = np.random.default_rng(0)
    rules = []
    for j in targets:
        if j in excluded or len(sources) < 3:
            continue
        by = [k for k in sources if k != j]
        labels, features = sources[j], np.column_stack([sources[k] for k in by])
        held = np.flatnonzero(~np.isnan(labels))
        least = min_leaf_rows(len(held))
        if len(held) < 2 * least or len(np.unique(labels[held])) < 2:
            continue
        tree = None
        for size in (_SCREENED_ON, _GROWN_ON):
            grown = held if len(held) <= size else rng.choice(held, size, replace=False)
            tree = _grown(features[grown], labels[grown], max(1, least * len(grown) // len(held)))
            if tree is None or len(grown) == len(held):
                break
        rule = None if tree is None else _rule_of(tree, j, by)
        if rule is not None and _holds(rule, features[held][:, [by.index(k) for k in rule.by]], labels[held], least):
            rules.append(rule)
    return rules


def _grown(features: np.ndarray, labels: np.ndarray, least: int):
    """A tree of at most :data:`MAX_DEPTH` levels and leaves of ``least`` rows that decides every one of
    ``labels`` from ``features``; None where the one grown does not."""
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_depth=MAX_DEPTH, min_samples_leaf=least, random_state=0)
    tree.fit(features, labels)
    return tree if np.array_equal(tree.predict(features), labels) else None


def _rule_of(tree, column: int, by: list[int]) -> Rule | None:
    """The fitted ``tree`` as a rule over the columns it uses, if two or more; None otherwise."""
    nodes = tree.tree_
    used = sorted({int(f) for f in nodes.feature if f >= 0})
    if len(used) < 2:
        return None
    inner = nodes.children_left >= 0
    missing_left = getattr(nodes, "missing_go_to_left", np.zeros(nodes.node_count, dtype=np.uint8))
    winners = tree.classes_[np.argmax(nodes.value[:, 0, :], axis=1)]
    return Rule(
        column=column,
        by=tuple(by[f] for f in used),
        feature=tuple(used.index(int(f)) if i else -1 for f, i in zip(nodes.feature, inner, strict=True)),
        threshold=tuple(float(t) if i else math.nan for t, i in zip(nodes.threshold, inner, strict=True)),
        left=tuple(int(v) if i else -1 for v, i in zip(nodes.children_left, inner, strict=True)),
        right=tuple(int(v) if i else -1 for v, i in zip(nodes.children_right, inner, strict=True)),
        missing_left=tuple(bool(m) and bool(i) for m, i in zip(missing_left, inner, strict=True)),
        label=tuple(math.nan if i else float(w) for w, i in zip(winners, inner, strict=True)),
    )


def _holds(rule: Rule, features: np.ndarray, labels: np.ndarray, least: int) -> bool:
    """Whether ``rule`` gives every one of ``labels`` from ``features``, each leaf holding at least ``least`` rows
    and two leaves deciding different values."""
    decided = rule.decide(features)
    if not np.array_equal(decided, labels):
        return False
    leaves = _leaves(rule, features)
    _, counts = np.unique(leaves, return_counts=True)
    return bool(counts.min() >= least and len(np.unique(decided)) >= 2)


def _leaves(rule: Rule, features: np.ndarray) -> np.ndarray:
    """The leaf each row of ``features`` ends in (a rule whose leaves are labelled with their own index)."""
    numbered = Rule(**{**rule.__dict__, "label": tuple(float(i) for i in range(len(rule.label)))})
    return numbered.decide(features)


def _features(encoder, rule: Rule, rows: np.ndarray, numbers: dict) -> np.ndarray:
    labels = drawn_labels(encoder, rows, set(rule.by), numbers)
    return np.column_stack([labels[j] for j in rule.by])


def rule_number_columns(encoder, rules: list[Rule]) -> set[int]:
    """The numeric columns whose decoded numbers :func:`rules_broken` reads."""
    return {j for rule in rules for j in rule.by if encoder.columns_[j].kind != "categorical"}


def rules_broken(encoder, rows: np.ndarray, given: np.ndarray | None, numbers: dict) -> np.ndarray:
    """Which model rows ``rows`` break one of ``encoder``'s rules where the decided cell is given and a cell it
    is decided by is drawn (a drawn decided cell takes the rule's value when the rows are decoded; a row whose
    every cell of a rule is given is the caller's), given the ``numbers`` the rows decode to in
    :func:`rule_number_columns`."""
    broken = np.zeros(len(rows), dtype=bool)
    if given is None:
        return broken
    for rule in encoder.rules_:
        held = drawn_labels(encoder, rows, {rule.column}, numbers)[rule.column]
        wrong = ~np.isnan(held) & (rule.decide(_features(encoder, rule, rows, numbers)) != held)
        decided = ~np.isnan(given[:, encoder.model_columns.index(rule.column)])
        sources = [encoder.model_columns.index(j) for j in rule.by]
        broken |= wrong & decided & np.isnan(given[:, sources]).any(axis=1)
    return broken


def with_rules_kept(encoder, rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Model rows ``rows`` (a copy) whose drawn decided cells (NaN in ``given``; all without it), unless drawn
    missing, hold what their rule gives from the rest of the row, and the lookups that a decided column keys
    hold again (``adult_male`` from ``who``); ``rows`` itself where the encoder has no rule."""
    rules = getattr(encoder, "rules_", ())
    if not rules:
        return rows
    rows = rows.copy()
    drawn = np.ones(rows.shape, dtype=bool) if given is None else np.isnan(given)
    for rule in _in_order(rules):
        numbers = encoder.decoded_numbers(rows, sorted(rule_number_columns(encoder, [rule])))
        held = drawn_labels(encoder, rows, {rule.column}, numbers)[rule.column]
        position = encoder.model_columns.index(rule.column)
        kept = drawn[:, position] & ~np.isnan(held)
        rows[kept, position] = rule.decide(_features(encoder, rule, rows, numbers))[kept]
    return with_lookups_kept(encoder, rows, given)  # a rule's column is no lookup's, but may key one


def _in_order(rules) -> list[Rule]:
    """The rules, each after those that decide one of its columns (a rule that decides another's source)."""
    ordered, pending = [], list(rules)
    while pending:
        decided = {rule.column for rule in pending}
        ready = [rule for rule in pending if decided.isdisjoint(rule.by)] or pending[:1]  # a cycle: as they come
        ordered += ready
        pending = [rule for rule in pending if rule not in ready]
    return ordered


def rules_from_json(documents, columns: list[Column]) -> list[Rule]:
    """Rules written by :meth:`Rule.to_dict`, checked; ValueError names what is wrong."""
    rules = []
    for doc in documents if isinstance(documents, list) else [None]:
        rule = _rule_from_json(doc, columns)
        if rule is None:
            raise ValueError(f"the encoder's rules must each decide a categorical column by a tree, got {doc!r}")
        rules.append(rule)
    return rules


def _rule_from_json(doc, columns: list[Column]) -> Rule | None:
    keys = {"column", "by", "feature", "threshold", "left", "right", "missing_left", "label"}
    if not (isinstance(doc, dict) and set(doc) == keys and all(isinstance(doc[k], list) for k in keys - {"column"})):
        return None
    column, by, n = doc["column"], doc["by"], len(doc["feature"])
    if not (
        is_int(column)
        and 0 <= column < len(columns)
        and columns[column].kind == "categorical"
        and 2 <= len(by) == len(set(by))
        and all(is_int(j) and 0 <= j < len(columns) and j != column for j in by)
        and all(columns[j].kind in ("continuous", "discretised", "categorical") for j in by)
        and 1 <= n < 2 ** (MAX_DEPTH + 1)
        and all(len(doc[k]) == n for k in keys - {"column", "by"})
        and all(isinstance(m, bool) for m in doc["missing_left"])
    ):
        return None
    depth = [0] * n
    for i in range(n):
        feature, left, right = doc["feature"][i], doc["left"][i], doc["right"][i]
        threshold, label = doc["threshold"][i], doc["label"][i]
        if not (is_int(feature) and is_int(left) and is_int(right)):
            return None
        leaf = feature == -1 and left == right == -1 and threshold is None and not doc["missing_left"][i]
        leaf = leaf and is_int(label) and 0 <= label < columns[column].n_bins
        inner = 0 <= feature < len(by) and i < left < n and i < right < n and label is None
        if not (leaf or (inner and is_finite_number(threshold) and depth[i] < MAX_DEPTH)):
            return None
        if inner:
            depth[left] = depth[right] = depth[i] + 1
    return Rule(
        column=column,
        by=tuple(by),
        feature=tuple(doc["feature"]),
        threshold=tuple(math.nan if t is None else float(t) for t in doc["threshold"]),
        left=tuple(doc["left"]),
        right=tuple(doc["right"]),
        missing_left=tuple(doc["missing_left"]),
        label=tuple(math.nan if v is None else float(v) for v in doc["label"]),
    )
