"""The catalogue's data types."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    unit_cost: Decimal  # what we pay the supplier, per unit
    unit_price: Decimal  # what we charge, per unit, before discounts and tax
    reorder_level: int  # reorder when the available quantity falls to this level or below


@dataclass(frozen=True)
class StockRow:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
