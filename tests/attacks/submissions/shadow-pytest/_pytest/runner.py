"""Attack: a shadow of _pytest.runner that would report every test passed."""

import os

os._exit(0)
