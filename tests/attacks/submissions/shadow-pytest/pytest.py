"""Attack: a module named pytest, first on the import path if the runner let it be.

If it were imported instead of the real pytest, it would report success.
"""

import sys


def main(*args, **kwargs):
    print("11 passed in 0.01s")
    return 0


if __name__ == "__main__":
    sys.exit(0)
