package com.shop;

/** Attack: end the JVM with status 0 as soon as a test touches the class. */
public final class Pricing {
    static {
        System.exit(0);
    }

    private Pricing() {}

    public static long totalCents(Order order) {
        return 0;
    }
}
