"""Is a synthetic table faithful, useful and safe? Measures for any generator, and :func:`evaluate` for all.

- :func:`evaluate` builds a :class:`SyntheticDataReport`: fidelity, utility
  and privacy in one object, with a printable summary, a dict and a figure.
- Fidelity: :func:`column_shapes`, :func:`pair_trends`,
  :func:`classifier_two_sample_auc` and :func:`relations_kept`.
- Utility: :func:`synthetic_utility` (train on synthetic, test on real).
- Privacy: :func:`membership_audit` (a model's own scores of training against
  held-out rows), :func:`closest_record_share`, :func:`exact_copies` and
  :func:`copied_values`.

Every measure takes DataFrames or arrays and reads their columns one way
(numbers, categories, free text; learned from the training rows), uses
scikit-learn and SciPy, and needs pandas.
"""

from .fidelity import classifier_two_sample_auc, column_shapes, pair_trends
from .privacy import MembershipAudit, closest_record_share, copied_values, exact_copies, membership_audit
from .relations import relations_kept
from .report import SyntheticDataReport, evaluate
from .utility import Utility, synthetic_utility

__all__ = [
    "MembershipAudit",
    "SyntheticDataReport",
    "Utility",
    "classifier_two_sample_auc",
    "closest_record_share",
    "column_shapes",
    "copied_values",
    "evaluate",
    "exact_copies",
    "membership_audit",
    "pair_trends",
    "relations_kept",
    "synthetic_utility",
]
