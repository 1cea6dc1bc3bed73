"""scalinglaws: tested implementations of neural scaling laws for language models.

One module per idea; import what you need, e.g. ``from scalinglaws import chinchilla``.
Published constants live in :mod:`scalinglaws.constants`. The training lab
(:mod:`scalinglaws.lab`) needs PyTorch and is never imported from here.
"""

__version__ = "0.1.0"
