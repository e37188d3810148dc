"""Columns that a rule over several others decides ('who' from sex and age, 'alone' from sibsp and parch) are
kept by samples, given cells and the imputer."""

from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.tree import DecisionTreeClassifier

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding import TableEncoder
from skbfn._encoding.rules import MAX_DEPTH, Rule, _in_order, _rule_of, column_rules, min_leaf_rows, rules_from_json

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)


def _passengers(n_rows: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Passengers as seaborn's Titanic table has them: 'who' a child under 16, else a man or a woman by sex (also
    where the age is missing), and 'alone' where no relative travels along."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(1, 75, n_rows))
    age[rng.random(n_rows) < 0.2] = np.nan
    sex = rng.choice(["male", "female"], n_rows)
    sibsp, parch = rng.poisson(0.5, n_rows), rng.poisson(0.4, n_rows)
    who = np.where(age < 16, "child", np.where(sex == "male", "man", "woman"))
    fare = np.round(rng.gamma(2.0, 12.0, n_rows) * (1 + sibsp + parch), 2)
    return pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "sibsp": sibsp,
            "parch": parch,
            "fare": fare,
            "who": who,
            "alone": sibsp + parch == 0,
            "adult_male": who == "man",  # a lookup keyed by the rule's column
        }
    )


def _who(rows: pd.DataFrame) -> np.ndarray:
    return np.where(rows["age"] < 16, "child", np.where(rows["sex"] == "male", "man", "woman"))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_features=st.integers(2, 4), missing=st.floats(0.0, 0.3))
def test_a_rule_decides_as_the_tree_it_was_read_from(seed, n_features, missing):
    """The tree's nodes, thresholds and the side its missing values take, as scikit-learn's predict reads them."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(300, n_features))
    features[rng.random(features.shape) < missing] = np.nan
    labels = rng.integers(0, 3, 300).astype(float)
    tree = DecisionTreeClassifier(max_depth=MAX_DEPTH, random_state=0).fit(features, labels)
    rule = _rule_of(tree, n_features, list(range(n_features)))
    if rule is None:  # the tree used one feature only: no rule
        assert len({f for f in tree.tree_.feature if f >= 0}) < 2
        return
    used = list(rule.by)
    np.testing.assert_array_equal(rule.decide(features[:, used]), tree.predict(features))


def test_a_rule_is_kept_after_the_rules_that_decide_its_sources():
    nan = float("nan")
    first = Rule(5, (1, 2), (0, -1, -1), (0.5, nan, nan), (1, -1, -1), (2, -1, -1), (False,) * 3, (nan, 0.0, 1.0))
    then = dataclasses.replace(first, column=6, by=(5, 3))  # decided by first's column
    last = dataclasses.replace(first, column=7, by=(6, 5))
    for rules in ([last, then, first], [then, first, last], [first, last, then]):
        assert [rule.column for rule in _in_order(rules)] == [5, 6, 7]


def _found(table: pd.DataFrame) -> set:
    return {(table.columns[r.column], tuple(table.columns[j] for j in r.by)) for r in TableEncoder().fit(table).rules_}


def test_rules_are_found_where_they_hold_in_every_row_and_nowhere_else():
    X = _passengers()
    rules = {("who", ("age", "sex")), ("alone", ("sibsp", "parch"))}
    assert _found(X) == rules  # adult_male is a lookup of who, not a rule
    plain = X.drop(columns="adult_male")
    encoder = TableEncoder().fit(plain)
    assert {(plain.columns[r.column], tuple(plain.columns[j] for j in r.by)) for r in encoder.rules_} == rules
    assert column_rules(encoder.columns_, plain, set()) == encoder.rules_
    # one row that breaks it, a random column, or a rule whose leaves hold too few rows: no rule
    broken = plain.copy()
    broken.loc[3, "alone"] = not broken.loc[3, "alone"]
    assert _found(broken) == {("who", ("age", "sex"))}
    rng = np.random.default_rng(1)
    assert _found(plain.assign(who=rng.choice(["a", "b"], len(X)), alone=rng.random(len(X)) < 0.5)) == set()
    assert min_leaf_rows(60) == 20 and _found(plain.iloc[:60]) == set()
    # a column that one other decides is a partition's or a lookup's, not a rule's
    banded = X.assign(band=np.where(X["fare"] < 20, "low", "high"))
    assert _found(banded) == rules
    assert "band bins fare" in BFNGenerator(max_iter=1).fit(banded).column_relations_


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return _passengers()


@pytest.fixture(scope="module")
def fitted(passengers) -> BFNGenerator:
    return BFNGenerator(**SMALL, random_state=0).fit(passengers)


def test_samples_keep_the_rules_that_the_model_alone_breaks(fitted, passengers):
    relations = {"who decided by age, sex", "alone decided by sibsp, parch", "adult_male determined by who"}
    assert relations <= set(fitted.column_relations_)
    samples = fitted.sample(2000, random_state=0)
    assert np.array_equal(samples["who"].to_numpy(dtype=str), _who(samples))
    assert np.array_equal(samples["alone"], samples["sibsp"] + samples["parch"] == 0)
    assert np.array_equal(samples["adult_male"], samples["who"] == "man")  # the lookup follows the rule's value
    assert abs((samples["who"] == "child").mean() - (passengers["who"] == "child").mean()) < 0.06
    without = copy.deepcopy(fitted)
    without.encoder_.rules_ = []
    unkept = without.sample(2000, random_state=0)
    broken = (unkept["who"].to_numpy(dtype=str) != _who(unkept)) | (
        unkept["alone"] != (unkept["sibsp"] + unkept["parch"] == 0)
    )
    assert broken.mean() > 0.01  # what the rules keep: the network alone puts some mass on rows that break them


def test_given_cells_and_the_imputer_keep_the_rules(fitted, passengers):
    given = pd.DataFrame({"age": [8.0, 40.0, 40.0, np.nan], "sex": ["male", "male", "female", None]})
    drawn = fitted.sample(4, given=given, random_state=0)
    assert drawn["who"].tolist()[:3] == ["child", "man", "woman"]
    assert drawn["who"].iloc[3] == _who(drawn.iloc[[3]])[0]
    children = fitted.sample(300, given=pd.DataFrame({"who": ["child"] * 300}), random_state=0)
    assert (children["who"] == "child").all() and (children["age"] < 16).all()  # a given 'who' keeps its ages
    holes = passengers.iloc[:200].astype({"alone": object})
    holes.loc[::3, "who"] = None
    holes.loc[1::3, "alone"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the object column 'alone' with holes
        filled = BFNImputer(BFNGenerator(**{**SMALL, "max_iter": 60}, random_state=0)).fit(passengers).transform(holes)
    assert np.array_equal(filled["who"].to_numpy(dtype=str), _who(filled))
    assert np.array_equal(filled["alone"].astype(bool), filled["sibsp"] + filled["parch"] == 0)


def test_rules_survive_save_load_and_pickle_and_bad_documents_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    columns = fitted.encoder_.columns_
    document = fitted.encoder_.to_dict()["rules"][0]
    assert rules_from_json([document], columns)[0] == fitted.encoder_.rules_[0]
    leaf = document["feature"].index(-1)
    inner = document["feature"].index(0)
    corrupt = (
        {"column": 0},  # a numeric column
        {"by": [document["column"], *document["by"][1:]]},  # deciding itself
        {"by": document["by"][:1]},  # one column: a partition's or a lookup's
        {"label": [99 if i == leaf else v for i, v in enumerate(document["label"])]},  # no such category
        {"feature": [7 if i == inner else v for i, v in enumerate(document["feature"])]},  # no such column
        {"left": [0 if i == inner else v for i, v in enumerate(document["left"])]},  # a loop
        {"threshold": [None] * len(document["threshold"])},
        {"missing_left": [1] * len(document["missing_left"])},
        {"unknown": 1},
    )
    for change in corrupt:
        with pytest.raises(ValueError, match="rules must each decide a categorical column"):
            rules_from_json([{**document, **change}], columns)
    # a chain deeper than the rules' trees
    chain = {
        "column": document["column"],
        "by": document["by"],
        "feature": [0, 0, 0, 0, -1, -1, -1, -1, -1],
        "threshold": [1.0, 1.0, 1.0, 1.0, None, None, None, None, None],
        "left": [1, 2, 3, 4, -1, -1, -1, -1, -1],
        "right": [5, 6, 7, 8, -1, -1, -1, -1, -1],
        "missing_left": [False] * 9,
        "label": [None, None, None, None, 0, 0, 0, 0, 0],
    }
    with pytest.raises(ValueError, match="rules must each decide"):
        rules_from_json([chain], columns)
