"""Development scripts, run from the checkout: the bench (``python -m scripts.bench``) and
the soak test (``python -m scripts.soak``), each a package."""
