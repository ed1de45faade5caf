"""Development scripts, run from the checkout: the bench (``python -m scripts.bench``, a package)
and the soak test (``scripts/soak.py``)."""
