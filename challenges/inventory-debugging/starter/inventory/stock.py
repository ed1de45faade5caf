"""Stock levels per SKU: units on hand, and units reserved for open orders."""

from __future__ import annotations


class OutOfStock(Exception):
    """Not enough available units."""


class Warehouse:
    def __init__(self) -> None:
        self._on_hand: dict[str, int] = {}
        self._reserved: dict[str, int] = {}

    @staticmethod
    def _positive(quantity: int) -> None:
        if quantity < 1:
            raise ValueError("quantity must be at least 1")

    def on_hand(self, sku: str) -> int:
        return self._on_hand.get(sku, 0)

    def reserved(self, sku: str) -> int:
        return self._reserved.get(sku, 0)

    def available(self, sku: str) -> int:
        """Units that can still be promised: on hand minus reserved."""
        return self.on_hand(sku) - self.reserved(sku)

    def skus(self) -> list[str]:
        return sorted(self._on_hand)

    def receive(self, sku: str, quantity: int) -> None:
        self._positive(quantity)
        self._on_hand[sku] = self.on_hand(sku) + quantity

    def reserve(self, sku: str, quantity: int) -> None:
        self._positive(quantity)
        if self.on_hand(sku) < quantity:
            raise OutOfStock(f"{sku}: {self.available(sku)} available, {quantity} asked")
        self._reserved[sku] = self.reserved(sku) + quantity

    def release(self, sku: str, quantity: int) -> None:
        """Give back reserved units (an order was cancelled)."""
        self._positive(quantity)
        if quantity > self.reserved(sku):
            raise ValueError(f"{sku}: only {self.reserved(sku)} reserved")
        self._reserved[sku] = self.reserved(sku) - quantity

    def ship(self, sku: str, quantity: int) -> None:
        """Ship reserved units: they leave both the reservation and the shelf."""
        self._positive(quantity)
        if quantity > self.reserved(sku):
            raise ValueError(f"{sku}: only {self.reserved(sku)} reserved")
        self._on_hand[sku] = self.on_hand(sku) - quantity
