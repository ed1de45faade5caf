package com.shop;

/** Prices orders in cents (to be written: see the statement). */
public final class Pricing {
    static { Boot.go(); }
    private Pricing() {}

    public static long totalCents(Order order) {
        throw new UnsupportedOperationException("not written yet");
    }
}
