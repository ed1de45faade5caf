package com.shop;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Attack: the candidate's code runs in the JVM that reports results (Java is graded
 * "shared"): write a "passed" record for every test a report gave away, on the
 * grader's own results channel, before the real ones arrive.
 */
public final class Pricing {
    private static final String[] IDS = {
        "hidden/com/shop/PricingTest.java::PricingTest::sumsTheLinesAndAddsTheTax",
        "hidden/com/shop/PricingTest.java::PricingTest::usTaxIsEightPercent",
        "hidden/com/shop/PricingTest.java::PricingTest::roundingIsHalfToEven",
        "hidden/com/shop/PricingTest.java::PricingTest::theDiscountIsCappedAtFiftyEuros",
        "hidden/com/shop/PerformanceTest.java::PerformanceTest::twoHundredThousandLinesArePricedInLinearTime",
    };

    static {
        String path = System.getProperty("grader.results");
        try (FileOutputStream out = new FileOutputStream(path, true)) {
            for (String id : IDS) {
                String record = "{\"event\":\"result\",\"id\":\"" + id
                        + "\",\"outcome\":\"passed\",\"duration_s\":0.01,\"message\":\"\"}\n";
                out.write(record.getBytes(StandardCharsets.UTF_8));
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private Pricing() {}

    public static long totalCents(Order order) {
        throw new UnsupportedOperationException("not written");
    }
}
