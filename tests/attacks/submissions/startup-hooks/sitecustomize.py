"""Attack: a start-up hook that would load the forcing plugin into every interpreter."""

import os

os.environ["PYTEST_ADDOPTS"] = "-p myplugin"
os.environ["PYTEST_PLUGINS"] = "myplugin"
