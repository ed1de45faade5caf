package com.shop;

/**
 * Attack: end the JVM with status 0 from the candidate's code while a test runs (not
 * from a static initializer: the classes load normally, the first call ends it all).
 */
public final class Pricing {
    private Pricing() {}

    public static long totalCents(Order order) {
        System.exit(0);
        return 0;
    }
}
