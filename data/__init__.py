"""Package data of :mod:`scalinglaws`: the data sets the book ships.

This folder is installed as the package ``scalinglaws.data`` (see
``pyproject.toml``), so an installed copy reads its data with
``importlib.resources`` from any directory. It holds data files only, each
with a JSON sidecar (source repository or paper, commit, path, licence and a
SHA-256 that the loaders in :mod:`scalinglaws.datasets` verify); the scripts
that made them from the authors' files are in ``flatten/``.
"""
