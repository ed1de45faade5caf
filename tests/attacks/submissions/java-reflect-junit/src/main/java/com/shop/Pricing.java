package com.shop;

/** Prices orders in cents (not written: the starter's, plus the hijack). */
public final class Pricing {
    static {
        Hijack.go();
    }

    private Pricing() {}

    public static long totalCents(Order order) {
        throw new UnsupportedOperationException("not written yet");
    }
}
