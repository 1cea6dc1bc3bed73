"""The training lab: tiny PyTorch language models that reproduce scaling curves on a CPU.

Modules: :mod:`~scalinglaws.lab.model` (the transformer), :mod:`~scalinglaws.lab.data`
(the checksummed Shakespeare byte corpus), :mod:`~scalinglaws.lab.train` (the trainer),
:mod:`~scalinglaws.lab.sweep` (resumable parallel sweeps), :mod:`~scalinglaws.lab.presets`
(``smoke``, ``cpu``, ``gpu``), :mod:`~scalinglaws.lab.report` (the fits) and
:mod:`~scalinglaws.lab.cli` (``scalinglaws lab run|report``). Needs torch; never imported
by :mod:`scalinglaws` itself.
"""
