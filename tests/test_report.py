"""The synthetic-data report: each fidelity and utility measure against a hand-computed case, the exact nearest
distances against brute force, and evaluate() end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

from skbfn import BFNGenerator, evaluate
from skbfn.metrics import (
    SyntheticDataReport,
    classifier_two_sample_auc,
    closest_record_share,
    column_shapes,
    copied_values,
    pair_trends,
    relations_kept,
    synthetic_utility,
)
from skbfn.metrics._tables import distance_space, learn_layout, model_features
from skbfn.metrics.privacy import nearest_training_distances


# ------------------------------------------------------------ column shapes
def test_column_shapes_are_ks_for_numbers_and_tvd_for_categories():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0], "c": ["a", "b", "b", "b"]})
    # x: the ECDFs part at 4 (1 against 3/4); c: shares (1/2, 1/2) against (1/4, 3/4)
    assert column_shapes(real, synthetic) == {"x": 0.25, "c": 0.25}
    assert column_shapes(real, real) == {"x": 0.0, "c": 0.0}


def test_missing_cells_and_unseen_categories_count_in_the_shapes():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, np.nan, np.nan], "c": ["a", "a", "b", "zebra"]})
    # x: a missing cell sits above every number, so at 2 the ECDFs are 1/2 and 1/2, at 4 they are 1 and 1/2
    # c: 'zebra' is the category 'other', absent from the real rows: TVD 1/4
    assert column_shapes(real, synthetic) == {"x": 0.5, "c": 0.25}


def test_codes_beside_numbers_are_values_of_their_own_not_missing_cells():
    """A laboratory value below its limit of detection, '<0.5', read as a missing cell, hid a generator that drew
    missing cells for it: the shapes, the pair tables and the distances saw no difference."""
    lab = [f"{v:.1f}" for v in np.linspace(1.0, 3.0, 30)] + ["<0.5"] * 6 + [None] * 4
    real = pd.DataFrame({"lab": lab, "c": ["a", "b"] * 20})
    missing_for_codes = real.assign(lab=[None if v == "<0.5" else v for v in lab])
    layout = learn_layout(real)
    assert layout.codes == {"lab": ("<0.5",)}
    # numbers, then the code, then missing cells: after the code the ECDFs are 36/40 and 30/40
    assert column_shapes(real, missing_for_codes)["lab"] == pytest.approx(6 / 40)
    assert column_shapes(real, real.iloc[::-1])["lab"] == 0.0
    # with 2 bins: the code's 6 rows (3 a, 3 b) move to the missing bin: 6/40 of the joint mass moves
    assert pair_trends(real, missing_for_codes, n_bins=2)[("lab", "c")] == pytest.approx(6 / 40)
    # a code and a missing cell are 2 apart (a code one-hot and a missing indicator), at the same median number
    code_row, missing_row = distance_space(real.iloc[[30, 36]], layout)
    assert np.abs(code_row - missing_row).sum() == pytest.approx(3.0)
    distances, _ = nearest_training_distances(missing_for_codes.iloc[30:36], real, real)
    np.testing.assert_allclose(distances, 0.0)  # the training set's own missing rows (same c)
    features, categorical = model_features(real.iloc[[0, 30, 36]], layout)  # the classifiers see the code
    np.testing.assert_array_equal(features[:, -1], [0.0, 1.0, 0.0])
    assert categorical[-1] and np.isnan(features[1:, 0]).all()
    # rows of the code are 2 from every row of numbers (a code one-hot apart), not at the median with them
    assert nearest_training_distances(real.iloc[30:36], real.iloc[:30], real, layout)[0].min() >= 2.0


# --------------------------------------------------------------- pair trends
def test_pair_trends_of_two_numbers_are_half_the_change_in_rank_correlation():
    x = np.arange(50.0)
    real = np.column_stack([x, x**3])  # rank correlation 1
    assert pair_trends(real, np.column_stack([x, -x])) == {(0, 1): 1.0}
    assert pair_trends(real, np.column_stack([x, x])) == {(0, 1): 0.0}
    noise = np.random.default_rng(0).permutation(x)
    expected = abs(1 - pd.Series(x).corr(pd.Series(noise), method="spearman")) / 2
    assert pair_trends(real, np.column_stack([x, noise]))[(0, 1)] == pytest.approx(expected)


def test_pair_trends_with_a_category_are_tvd_of_joint_frequencies():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"], "d": ["u", "v", "u", "v"]})
    synthetic = pd.DataFrame({"c": ["a", "a", "b", "b"], "d": ["u", "u", "v", "v"]})
    # joint shares: real (a,u) (a,v) (b,u) (b,v) = 1/4 each; synthetic (a,u) 1/2, (b,v) 1/2: TVD 1/2
    assert pair_trends(real, synthetic) == {("c", "d"): 0.5}
    numbers = pd.DataFrame({"x": [0.0, 0.0, 1.0, 1.0], "c": ["a", "a", "b", "b"]})
    flipped = pd.DataFrame({"x": [0.0, 0.0, 1.0, 1.0], "c": ["b", "b", "a", "a"]})
    assert pair_trends(numbers, flipped, n_bins=2) == {("x", "c"): 1.0}  # same marginals, opposite trend


# ------------------------------------------------------- two-sample test
def test_the_two_sample_test_is_near_one_half_for_the_same_data_and_near_one_for_other_data():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
    same = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
    assert abs(classifier_two_sample_auc(real, same, random_state=0) - 0.5) < 0.05
    shifted = same.assign(x=same["x"] + 1.5)
    assert classifier_two_sample_auc(real, shifted, random_state=0) > 0.8
    other_categories = same.assign(c=rng.choice(["a", "z"], 2000))  # 'z' never occurs in the real rows
    assert classifier_two_sample_auc(real, other_categories, random_state=0) > 0.8


# ----------------------------------------------------------------- utility
def test_utility_trains_on_synthetic_and_tests_on_real():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(900, 2))
    table = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": np.where(x[:, 0] > 0, "pos", "neg")})
    train, holdout = table[:600], table[600:]
    faithful = synthetic_utility(train, train, holdout, "label", random_state=0)
    assert faithful.task == "classification" and faithful.metric == "accuracy"
    assert faithful.synthetic == faithful.real > 0.9
    broken = train.assign(label=rng.permutation(train["label"].to_numpy()))  # the labels no longer follow a
    assert synthetic_utility(broken, train, holdout, "label", random_state=0).synthetic < 0.7
    regression = table.assign(label=3 * x[:, 0] + 0.1 * rng.normal(size=900))
    fitted = synthetic_utility(regression[:600], regression[:600], regression[600:], "label", random_state=0)
    assert fitted.task == "regression" and fitted.metric == "r2" and fitted.real > 0.9
    with pytest.raises(ValueError, match="target 'nope'"):
        synthetic_utility(train, train, holdout, "nope")


# ------------------------------------------------------------------ privacy
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_categories=st.integers(1, 4), missing=st.floats(0.0, 0.4))
def test_nearest_distances_are_exactly_those_of_brute_force(seed, n_categories, missing):
    rng = np.random.default_rng(seed)

    def table(n):
        frame = pd.DataFrame({"x": rng.normal(size=n), "y": rng.exponential(size=n)})
        frame["c"] = rng.choice(list("abcd"[:n_categories]) + ["new"] * (n % 2), n)
        frame.loc[rng.random(n) < missing, "x"] = np.nan
        return frame

    train, synthetic, holdout = table(120), table(61), table(40)
    layout = learn_layout(train)
    fast = nearest_training_distances(synthetic, train, holdout, layout)
    brute = NearestNeighbors(n_neighbors=1, metric="manhattan", algorithm="brute").fit(distance_space(train, layout))
    for rows, distances in zip((synthetic, holdout), fast, strict=True):
        np.testing.assert_allclose(distances, brute.kneighbors(distance_space(rows, layout))[0][:, 0], atol=1e-12)


def test_closeness_and_copied_values():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(["a", "b"], 400)})
    holdout = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(["a", "b"], 400)})
    assert closest_record_share(train[:100].assign(x=train["x"][:100] + 1e-9), train, holdout) == 1.0
    fresh = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})
    assert abs(closest_record_share(fresh, train, holdout) - 0.05) < 0.03
    ids = pd.DataFrame({"id": [f"u{i}" for i in range(80)], "x": rng.normal(size=80)})
    synthetic = pd.DataFrame({"id": ["u1", "u2", "u3", "fresh"], "x": [0.0, 1.0, 2.0, 3.0]})
    assert copied_values(synthetic, ids) == {"id": 0.75}
    numbered = pd.DataFrame({"key": np.arange(80), "x": rng.normal(size=80)})  # an integer id: free, not a number
    assert copied_values(pd.DataFrame({"key": [3, 5, 1000, 1001], "x": [0.0] * 4}), numbered) == {"key": 0.5}
    assert learn_layout(numbered).free == ("key",) and learn_layout(numbered[:40]).numeric == ("key", "x")


# ----------------------------------------------------------------- evaluate
@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 400
    a = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "a": a,
            "b": 2 * a + rng.normal(scale=0.5, size=n),
            "kind": np.where(a + rng.normal(scale=0.5, size=n) > 0, "high", "low"),
            "user": [f"user-{i:04d}" for i in range(n)],
        }
    )
    frame.loc[rng.random(n) < 0.1, "b"] = np.nan
    return frame[:280], frame[280:]


def test_evaluate_a_bfn_generator_end_to_end(mixed):
    train, holdout = mixed
    gen = BFNGenerator(hidden_layer_sizes=(32,), max_iter=150, n_elbo_draws=8, random_state=0).fit(train)
    report = evaluate(gen, train, holdout, target="kind", n_bootstrap=50, random_state=0)
    assert isinstance(report, SyntheticDataReport)
    assert report.n_synthetic == len(train) and report.free_columns == ("user",)
    assert set(report.column_shapes) == {"a", "b", "kind"} and ("a", "b") in report.pair_trends
    assert 0.0 <= report.two_sample_auc <= 1.0 and report.membership is not None
    assert report.utility.target == "kind" and report.utility.task == "classification"
    assert report.copied_values == {"user": 0.0}  # skbfn makes up fresh ids
    document = report.to_dict()
    json.dumps(document)  # plain values throughout
    assert document["privacy"]["membership"]["auc"] == report.membership.auc
    assert document["fidelity"]["column_shapes_mean"] == pytest.approx(np.mean(list(report.column_shapes.values())))
    text = str(report)
    for line in ("column shapes", "pair trends", "two-sample AUC", "membership AUC", "user: values copied"):
        assert line in text
    figure = report.plot()
    assert len(figure.axes) >= 4
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_relations_kept_count_the_synthetic_rows_keeping_each_rule_every_real_row_keeps():
    """An order, a partition, a sum and a rule over two columns, found in the real rows; hand-made synthetic rows
    break each in a known share of rows (a missing cell keeps them)."""
    rng = np.random.default_rng(0)
    n = 600
    start, sibsp, parch = rng.uniform(0, 10, n), rng.poisson(0.5, n), rng.poisson(0.4, n)
    age = rng.integers(18, 80, n).astype(float)
    real = pd.DataFrame(
        {
            "start": start,
            "end": start + rng.uniform(0.5, 5, n),
            "age": age,
            "group": np.where(age < 40, "young", "old"),
            "sibsp": sibsp,
            "parch": parch,
            "alone": np.where(sibsp + parch == 0, "yes", "no"),
            "net": np.round(rng.uniform(10, 100, n), 2),
        }
    )
    real["gross"] = (real["net"] * 1.2).round(2)
    synthetic = real.iloc[:8].copy()
    synthetic.loc[synthetic.index[:2], "end"] = synthetic["start"].iloc[:2] - 1.0  # 2 of 8 end before they start
    synthetic.loc[synthetic.index[2], "group"] = "old" if synthetic["group"].iloc[2] == "young" else "young"
    synthetic.loc[synthetic.index[3:6], "alone"] = np.where(synthetic["alone"].iloc[3:6] == "yes", "no", "yes")
    synthetic.loc[synthetic.index[6], "gross"] += 1.0
    synthetic.loc[synthetic.index[7], "age"] = np.nan  # a missing cell breaks nothing
    kept = relations_kept(real, synthetic)
    assert kept == {
        "start <= end": 0.75,
        "group bins age": 0.875,
        "gross = 1.2 * net": 0.875,
        "alone decided by sibsp, parch": 0.625,
    }
    assert relations_kept(real, real.iloc[::-1]) == dict.fromkeys(kept, 1.0)
    assert relations_kept(real, real.assign(group=np.where(real["age"] < 40, "old", "young"))) == {
        **kept,
        **{"start <= end": 1.0, "gross = 1.2 * net": 1.0, "alone decided by sibsp, parch": 1.0, "group bins age": 0.0},
    }
    assert relations_kept(real, real.assign(net="ten")) == {}  # a word among numbers: nothing read
    # a category the real rows never held breaks it, even beside an age its first category would bin
    unseen = relations_kept(real, real.assign(group=np.where(real["age"] >= 60, "senior", real["group"])))
    assert unseen["group bins age"] == pytest.approx(1 - np.mean(real["age"] >= 60))
    report = evaluate(synthetic, real.iloc[100:], real.iloc[:100], random_state=0)
    assert report.reference["relations_kept"] == dict.fromkeys(kept, 1.0)
    assert report.relations_kept == kept and report.to_dict()["fidelity"]["relations_kept"] == kept
    assert "relations kept, mean share of 4" in str(report) and "broken most: alone decided by sibsp, parch" in str(
        report
    )


def test_evaluate_separates_a_copying_generator_from_a_fresh_sample(mixed):
    train, holdout = mixed
    copies = train.sample(len(train), replace=True, random_state=1)
    copying = evaluate(copies, train, holdout, random_state=0)
    fresh = evaluate(holdout.sample(len(train), replace=True, random_state=1), train, holdout, random_state=0)
    assert copying.exact_copies == len(train) and copying.closest_record_share == 1.0
    assert fresh.exact_copies == 0 and fresh.closest_record_share < 0.5
    assert copying.membership is None  # a table has no scores to audit


def test_evaluate_takes_a_scikit_learn_density_model_and_arrays():
    rng = np.random.default_rng(0)
    train, holdout = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    report = evaluate(GaussianMixture(1, random_state=0).fit(train), train, holdout, random_state=0)
    assert report.membership.low < 0.5 < report.membership.high
    assert abs(report.two_sample_auc - 0.5) < 0.1 and report.exact_copies == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t, h: evaluate(t.drop(columns="a"), t, h), "columns"),
        (lambda t, h: evaluate(t, t, h.rename(columns={"a": "z"})), "columns"),
        (lambda t, h: evaluate(t, t, h[:0]), "held-out row"),
        (lambda t, h: evaluate(t, t, h, quantile=1.5), "quantile"),
        (lambda t, h: evaluate(t, t, h, target="missing"), "target"),
        (lambda t, h: evaluate(t[:0], t, h), "no synthetic rows"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(mixed, call, match):
    with pytest.raises(ValueError, match=match):
        call(*mixed)


def test_a_table_of_free_text_only_is_refused_by_every_metric_that_compares_rows():
    rng = np.random.default_rng(0)
    notes = [pd.DataFrame({"note": [f"note {k}" for k in rng.integers(0, 10**6, 120)]}) for _ in range(3)]
    for call in (
        lambda: evaluate(*notes),
        lambda: classifier_two_sample_auc(notes[0], notes[1]),
        lambda: closest_record_share(*notes),
    ):
        with pytest.raises(ValueError, match=r"every column is free text or an id .*\['note'\]"):
            call()
    labelled = [frame.assign(label=rng.integers(0, 2, 120)) for frame in notes]
    with pytest.raises(ValueError, match="training on the synthetic rows needs a column"):
        synthetic_utility(*labelled, target="label")
    assert copied_values(notes[0], notes[0]) == {"note": 1.0}  # copied values still count free text
    assert copied_values(notes[1], notes[0])["note"] < 0.05


def test_every_column_type_of_a_real_table_is_read_and_measured():
    rng = np.random.default_rng(0)
    n = 300

    def table(shift: float) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "id": [f"c-{key}" for key in rng.choice(10**9, n, replace=False)],
                "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n) + shift * 100, unit="D"),
                "seen": pd.Timestamp("2024-06-01", tz="Europe/Paris") + pd.to_timedelta(rng.random(n), unit="D"),
                "session": pd.to_timedelta(rng.exponential(60, n), unit="s"),
                "visits": pd.array(rng.poisson(3, n), dtype="Int64"),
                "opted_in": pd.array(rng.random(n) < 0.5, dtype="boolean"),
                "segment": pd.Categorical(rng.choice(["basic", "plus", "pro"], n)),
                "empty": np.full(n, np.nan),
                "constant": "same",
            }
        )
        frame.loc[rng.random(n) < 0.1, "visits"] = pd.NA
        frame.loc[rng.random(n) < 0.1, "opted_in"] = pd.NA
        return frame

    train, holdout, shifted = table(0.0), table(0.0), table(1.0)
    layout = learn_layout(train)
    assert layout.free == ("id",)
    assert set(layout.numeric) == {"when", "seen", "session", "visits", "empty"}
    assert set(layout.categories) == {"opted_in", "segment", "constant"}
    same = evaluate(holdout, train, table(0.0), random_state=0)
    moved = evaluate(shifted, train, holdout, random_state=0)
    assert moved.column_shapes["when"] > 0.2 > same.column_shapes["when"]  # dates moved by 100 days
    assert moved.two_sample_auc > 0.7 and same.two_sample_auc < 0.65
    assert np.isfinite([*same.column_shapes.values(), same.closest_record_share]).all()
    assert same.copied_values == {"id": 0.0}


def test_references_to_keys_are_left_out_as_keys_and_their_copies_counted():
    """A customer_id beside each customer's orders was read as a number: a generator's fresh keys made it a
    column drawn all wrong (a shape distance of 1) and let the two-sample classifier tell every row apart."""
    rng = np.random.default_rng(0)
    ids = np.repeat(rng.choice(np.arange(10**5, 10**6), 300, replace=False), 3)
    train = pd.DataFrame({"customer_id": ids, "amount": rng.gamma(2.0, 20.0, 900)})
    train["order_no"] = rng.integers(1, 40, 900)  # a count whose name ends as a key may: a number
    blanks = train.assign(customer_id=train["customer_id"].astype(float).mask(rng.random(900) < 0.2))
    for table in (train, blanks):  # pandas reads integers beside blank cells as floats
        layout = learn_layout(table)
        assert layout.free == ("customer_id",) and layout.numeric == ("amount", "order_no")
    few = train.assign(customer_id=np.repeat(np.arange(30), 30))  # as few as categories: drawn as they are
    assert "customer_id" in learn_layout(few).numeric
    fresh = train.assign(customer_id=train["customer_id"] + 10**6, amount=rng.gamma(2.0, 20.0, 900))
    report = evaluate(fresh, train.iloc[:600], train.iloc[600:], random_state=0)
    assert "customer_id" not in report.column_shapes and report.two_sample_auc < 0.65
    assert report.copied_values == {"customer_id": 0.0}


def test_a_wide_column_whose_rare_levels_the_generator_pools_is_compared_level_by_level():
    """Cities past 200 levels in Zipf shares, which the generator models (frequent levels kept, rare ones pooled),
    were free text to the report: a table with every city alike scored as well as the data."""
    rng = np.random.default_rng(1)
    shares = 1 / np.arange(1, 401) ** 1.1
    cities = np.array([f"city{k:03d}" for k in range(400)], dtype=object)

    def people(n):
        return pd.DataFrame({"city": cities[rng.choice(400, n, p=shares / shares.sum())], "x": rng.normal(size=n)})

    train, holdout = people(2000), people(1000)
    layout = learn_layout(train)
    assert "city" in layout.categories and len(layout.categories["city"]) == train["city"].nunique()
    alike = holdout.assign(city=rng.choice(layout.categories["city"], 1000))
    fresh, uniform = column_shapes(train, holdout)["city"], column_shapes(train, alike)["city"]
    assert uniform > fresh + 0.3
    assert "city" not in learn_layout(train, max_categories=50).categories  # an integer bound pools nothing
    names = pd.DataFrame({"name": [f"Ann Lee {k}" for k in range(300)] * 2, "x": rng.normal(size=600)})
    assert learn_layout(names).free == ("name",)  # half distinct: names, as before


def test_object_arrays_and_numbered_columns_are_read_as_the_user_means():
    rng = np.random.default_rng(0)
    rows = np.empty((300, 2), dtype=object)
    rows[:, 0], rows[:, 1] = rng.normal(size=300), rng.choice(["a", "b"], 300)
    layout = learn_layout(pd.DataFrame(rows))
    assert layout.numeric == (0,) and layout.categorical == (1,)  # numbers stored as objects are numbers
    assert set(evaluate(rows[100:200], rows[:100], rows[200:], random_state=0).column_shapes) == {0, 1}
    train = pd.DataFrame({0: rng.normal(size=200), 1: rng.choice(["x", "y"], 200)})
    as_text = train.set_axis(["0", "1"], axis=1)  # what a generator fitted on numbered columns may return
    assert evaluate(as_text, train, train[:60], random_state=0).exact_copies == 200
