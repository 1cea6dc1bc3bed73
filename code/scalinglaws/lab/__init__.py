"""The training lab: tiny PyTorch language models that reproduce scaling curves on a CPU.

Torch-free (read cached results anywhere): :mod:`~scalinglaws.lab.config`
(what a run is: :class:`GPTConfig`, :class:`TrainConfig`),
:mod:`~scalinglaws.lab.records` (run specs, presets' records, the results
file), :mod:`~scalinglaws.lab.presets` (``smoke``, ``cpu``, ``gpu``) and
:mod:`~scalinglaws.lab.report` (the fits).

Need torch: :mod:`~scalinglaws.lab.model` (the transformer, and
:class:`~scalinglaws.lab.model.StackedGPT`, K of them trained as one),
:mod:`~scalinglaws.lab.data` (the checksummed Shakespeare byte corpus),
:mod:`~scalinglaws.lab.train` (the trainers: one run, or a group of runs of one
shape at once; CPU or GPU) and :mod:`~scalinglaws.lab.sweep` (resumable
parallel sweeps that group compatible runs). The command line is ``scalinglaws lab run|report|verify``
(:mod:`scalinglaws.cli.lab`).
"""
