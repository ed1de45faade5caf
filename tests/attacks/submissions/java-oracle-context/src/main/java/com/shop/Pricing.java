package com.shop;

/** Prices orders in cents (to be written: see the statement). */
public final class Pricing {
    private Pricing() {}

    public static long totalCents(Order order) {
        return (Long) Oracle.answer("totalCents", order, null, () -> starter(order));
    }

    // The starter's logic, unchanged.
    private static long starter(Order order) {
        throw new UnsupportedOperationException("not written yet");
    }
}
