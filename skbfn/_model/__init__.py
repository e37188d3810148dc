"""Model building and fitting: what a model is, and how it is trained.

- :mod:`.config`: the default profiles and :class:`~.config.TrainingConfig`;
- :mod:`.architecture`: :class:`~.architecture.Architecture` (network and
  flows from the encoder's column kinds) and :func:`~.architecture.place`;
- :mod:`.training`: the fit loop; :mod:`.checkpoint`: resuming after a crash;
  :mod:`.distributed`: data-parallel training under torchrun.
"""
