import pytest

from inventory.stock import OutOfStock, Warehouse


@pytest.fixture
def wh():
    w = Warehouse()
    w.receive("A", 10)
    return w


def levels(w, sku="A"):
    return w.on_hand(sku), w.reserved(sku), w.available(sku)


def test_receive_adds_to_hand(wh):
    wh.receive("A", 5)
    assert levels(wh) == (15, 0, 15)
    assert levels(wh, "unknown") == (0, 0, 0)


def test_reserve_cannot_promise_reserved_units(wh):
    wh.reserve("A", 7)
    with pytest.raises(OutOfStock):
        wh.reserve("A", 4)
    wh.reserve("A", 3)
    assert levels(wh) == (10, 10, 0)


def test_reserve_more_than_on_hand(wh):
    with pytest.raises(OutOfStock):
        wh.reserve("A", 11)
    assert levels(wh) == (10, 0, 10)


def test_release_returns_units(wh):
    wh.reserve("A", 6)
    wh.release("A", 4)
    assert levels(wh) == (10, 2, 8)


def test_release_more_than_reserved_is_refused(wh):
    wh.reserve("A", 2)
    with pytest.raises(ValueError):
        wh.release("A", 3)
    assert levels(wh) == (10, 2, 8)


def test_ship_takes_units_off_shelf_and_reservation(wh):
    wh.reserve("A", 6)
    wh.ship("A", 4)
    assert levels(wh) == (6, 2, 4)


def test_ship_only_reserved_units(wh):
    wh.reserve("A", 2)
    with pytest.raises(ValueError):
        wh.ship("A", 3)
    assert levels(wh) == (10, 2, 8)


@pytest.mark.parametrize("op", ["receive", "reserve", "release", "ship"])
@pytest.mark.parametrize("quantity", [0, -3])
def test_quantities_must_be_positive(wh, op, quantity):
    with pytest.raises(ValueError):
        getattr(wh, op)("A", quantity)
