"""Inference: drawing rows from a fitted model and bounding their likelihood.

- :mod:`.sampling`: sampler runs, the category tilt's rejection loop, given cells;
- :mod:`.scoring`: the per-row likelihood bound with quasi-Monte-Carlo draws
  that belong to each row, and :class:`~.scoring.BoundSettings`;
- :mod:`.category_tilt`: the weights that match the training rows' category shares.
"""
