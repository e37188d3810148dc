"""Every sentence of "What skbfn.load guarantees" (docs/user_guide/sklearn_integration.rst) has its tests.

``GUARANTEES`` maps each claim, quoted from the page, to the tests that check it. The first test fails when
a sentence of the page holds no quoted claim (a promise added without a test), when a quoted claim is no
longer on the page, or when a listed test does not exist. The tests below fill the claims no other file
checked.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from pathlib import Path

import pytest
from test_persistence_safety import _edit_document

from skbfn import load

PAGE = Path(__file__).parents[1] / "docs" / "user_guide" / "sklearn_integration.rst"

SAFETY, TRUST, BASICS = "test_persistence_safety", "test_persistence_trust", "test_persistence"
HERE = "test_load_guarantees"
GUARANTEES: dict[str, list[str]] = {
    # No code runs.
    "The file is JSON and raw tensors": [f"{BASICS}::test_the_file_is_safetensors_with_a_json_header_and_no_pickle"],
    "dtype names come from an allow-list": [f"{TRUST}::test_dtype_names_outside_the_allow_list_are_refused"],
    "could open a file or import a module": [f"{TRUST}::test_dtype_names_outside_the_allow_list_are_refused"],
    # The file is read once.
    "One open, one read": [f"{TRUST}::test_the_file_is_opened_once_so_the_pinned_hash_covers_what_is_parsed"],
    "a file swapped after it was read cannot be returned": [
        f"{TRUST}::test_a_swap_after_the_read_cannot_change_the_model",
        f"{TRUST}::test_a_file_swapped_back_and_forth_during_loads_never_yields_the_other_model",
    ],
    # Sizes are bounded before anything is parsed.
    "A file above 16 GiB": [f"{HERE}::test_a_file_above_the_size_cap_is_refused_from_its_size_alone"],
    "JSON header above 16 MiB": [
        f"{TRUST}::test_a_header_larger_than_the_cap_is_refused_before_it_is_parsed",
        f"{TRUST}::test_a_huge_header_is_refused_under_a_memory_cap",
    ],
    "metadata must hold the skbfn document and nothing else": [
        f"{TRUST}::test_unknown_or_malformed_entries_are_refused_even_when_resigned"
    ],
    "no entry skbfn does not write": [f"{TRUST}::test_unknown_or_malformed_entries_are_refused_even_when_resigned"],
    # Nothing is allocated before it is validated.
    "The parameters pass the estimator's own constraints": [
        f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file"
    ],
    "upper bounds on the work one call may ask for": [f"{HERE}::test_every_work_limit_is_enforced"],
    "sampler steps times an imputer's draws": [
        f"{TRUST}::test_an_imputer_whose_draws_times_steps_are_too_many_is_refused"
    ],
    "unknown parameters are refused": [
        f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file"
    ],
    "known column kinds": [f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file"],
    "dtypes that fit their column": [f"{TRUST}::test_dtypes_must_fit_their_column_and_work_stays_bounded"],
    "finite positive scales whose flow range maps to finite values": [
        f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file",
        f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error",
    ],
    "as many bins as categories": [f"{SAFETY}::test_a_categorical_column_needs_as_many_bins_as_categories"],
    "none on numeric columns": [f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error"],
    "normal scores with finite positive slopes": [
        f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error"
    ],
    "distinct column names equal to ``feature_names_in``": [
        f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error"
    ],
    "distinct classes of one kind": [
        f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file",
        f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error",
    ],
    "one category weight and count per category": [f"{SAFETY}::test_an_invalid_category_tilt_is_refused"],
    "each weight between 1/16 and 1 and the largest 1": [
        f"{SAFETY}::test_an_invalid_category_tilt_is_refused",
        f"{TRUST}::test_a_tilt_whose_largest_weight_is_not_one_is_refused",
    ],
    "The tensor names, dtypes and shapes in the header must equal": [
        f"{SAFETY}::test_a_relabelled_tensor_dtype_is_refused",
        f"{SAFETY}::test_an_oversized_network_is_refused_before_any_allocation",
    ],
    "Non-finite weights are refused": [f"{SAFETY}::test_a_resigned_file_with_nan_weights_is_refused"],
    # Damage is detected.
    "A SHA-256 digest covers the whole content": [
        f"{SAFETY}::test_relabelled_classes_are_refused",
        f"{SAFETY}::test_a_rescaled_column_is_refused",
        f"{BASICS}::test_tampered_tensor_is_refused",
    ],
    "it detects corruption, not tampering": [f"{SAFETY}::test_expected_sha256_pins_the_whole_file"],
    "pin the hash of the whole file": [f"{SAFETY}::test_expected_sha256_pins_the_whole_file"],
    "``sha256sum model.safetensors`` prints it": [f"{HERE}::test_the_pin_is_the_sha256_of_the_file_bytes"],
    # Versions are checked.
    "another skbfn version loads with an": [f"{SAFETY}::test_versions_are_checked"],
    "a newer file format is refused": [f"{SAFETY}::test_versions_are_checked"],
    "the recorded version must look like a version": [
        f"{TRUST}::test_unknown_or_malformed_entries_are_refused_even_when_resigned"
    ],
    "Files of the first release's format still load": [f"{SAFETY}::test_a_file_of_an_earlier_format_still_loads"],
    # A file never decides where to write.
    "``checkpoint_dir`` is not restored": [f"{SAFETY}::test_checkpoint_dir_is_never_restored_from_a_file"],
    "Every refusal is a ValueError naming the file": [
        f"{SAFETY}::test_invalid_descriptions_are_refused_with_a_value_error_naming_the_file",
        f"{TRUST}::test_fitted_state_is_cross_checked_and_every_refusal_is_a_value_error",
    ],
    # Checkpoints.
    "Keep ``checkpoint_dir`` private": [f"{SAFETY}::test_checkpoints_are_private_and_written_through_fresh_files"],
    "mode 0700 and its files with 0600 through fresh temporary files": [
        f"{SAFETY}::test_checkpoints_are_private_and_written_through_fresh_files"
    ],
    "another user owns or that group and others can": [
        f"{SAFETY}::test_a_checkpoint_directory_others_can_write_is_refused_before_the_fit"
    ],
    "holds a directory where the checkpoint goes": [
        f"{SAFETY}::test_a_checkpoint_directory_others_can_write_is_refused_before_the_fit"
    ],
    "a regular file you own": [f"{SAFETY}::test_a_linked_or_special_checkpoint_is_ignored_without_blocking"],
    "the same skbfn version": [f"{SAFETY}::test_a_checkpoint_of_another_skbfn_version_is_not_resumed"],
    "for the same parameters and data": ["test_training_robustness::test_a_checkpoint_of_another_run_is_not_resumed"],
    "whose every field checks out": [f"{SAFETY}::test_a_forged_or_broken_checkpoint_gets_a_warning_and_a_fresh_start"],
    "Anything else is ignored with a warning, and the fit starts afresh": [
        f"{SAFETY}::test_a_forged_or_broken_checkpoint_gets_a_warning_and_a_fresh_start",
        "test_training_robustness::test_checkpoints_let_a_crashed_fit_resume",
    ],
}


def _section_sentences() -> list[str]:
    text = PAGE.read_text()
    section = text.split("What :func:`skbfn.load` guarantees", 1)[1].split(">>>", 1)[0]
    flat = " ".join(re.sub(r"~+\n", "", section).split()).replace("- **", "**")
    return [s for s in re.split(r"(?<=[.:])\s+(?=[A-Z*(`])", flat) if s.strip("*. ")]


def test_every_sentence_of_the_load_guarantees_has_its_tests():
    sentences = _section_sentences()
    flat = " ".join(sentences)
    assert len(sentences) >= 15  # the section was found and split
    untested = [s for s in sentences if not any(claim in s for claim in GUARANTEES)]
    assert not untested, f"claims without tests: {untested}"
    assert not [claim for claim in GUARANTEES if claim not in flat], "quoted claims no longer on the page"
    for claim, tests in GUARANTEES.items():
        for test in tests:
            module, name = test.split("::")
            assert callable(getattr(importlib.import_module(module), name, None)), f"{claim!r}: no test {test}"


def test_a_file_above_the_size_cap_is_refused_from_its_size_alone(tmp_path):
    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as handle:
        try:
            handle.truncate((1 << 34) + 1)  # sparse: 16 GiB and a byte on disk in a few blocks
        except OSError:
            pytest.skip("this file system cannot hold a sparse 16 GiB file")
    with pytest.raises(ValueError, match=r"bytes, more than a model file may") as info:
        load(path)  # reading it would need 16 GiB of memory
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("name", "limit"),
    [("n_steps", 100_000), ("n_elbo_draws", 100_000), ("n_loss_steps", 100_000), ("time_embedding_dim", 1 << 16)],
)
def test_every_work_limit_is_enforced(moons_file, name, limit):
    _edit_document(moons_file, lambda d: d["params"].update({name: limit}), resign=True)
    try:
        assert load(moons_file).get_params()[name] == limit  # the limit itself is allowed...
    except ValueError as exc:  # ...though a wider time embedding no longer fits the stored weights
        assert "is above" not in str(exc) and "shape" in str(exc)
    _edit_document(moons_file, lambda d: d["params"].update({name: limit + 1}), resign=True)
    with pytest.raises(ValueError, match=rf"{name}={limit + 1} is above") as info:
        load(moons_file)
    assert str(moons_file) in str(info.value)


def test_the_pin_is_the_sha256_of_the_file_bytes(moons_file, moons_model):
    pinned = hashlib.sha256(moons_file.read_bytes()).hexdigest()  # what ``sha256sum model.safetensors`` prints
    assert (
        load(moons_file, expected_sha256=pinned).sample(5, random_state=0) == moons_model.sample(5, random_state=0)
    ).all()
    with pytest.raises(ValueError, match="expected_sha256"):
        load(moons_file, expected_sha256=hashlib.sha256(moons_file.read_bytes() + b" ").hexdigest())
