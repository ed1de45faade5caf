"""Reports over the warehouse and the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from inventory.models import Product
from inventory.pricing import to_cents
from inventory.stock import Warehouse


def low_stock(warehouse: Warehouse, catalog: Mapping[str, Product]) -> list[str]:
    """SKUs of the catalogue whose available quantity is at or below their reorder
    level, lowest availability first, then by SKU."""
    low = [(warehouse.available(sku), sku) for sku, product in catalog.items()
           if warehouse.available(sku) <= product.reorder_level]
    return [sku for _, sku in sorted(low)]


def stock_value(warehouse: Warehouse, catalog: Mapping[str, Product]) -> Decimal:
    """What the units on hand cost us: sum of on_hand x unit_cost, in cents."""
    total = sum((warehouse.on_hand(sku) * product.unit_price for sku, product in catalog.items()),
                Decimal("0"))
    return to_cents(total)
