"""Your tests go in this folder (see the statement). This one only checks the imports."""

import inventory.importer
import inventory.pricing
import inventory.reports
import inventory.stock  # noqa: F401


def test_package_imports():
    assert inventory.stock.Warehouse() is not None
