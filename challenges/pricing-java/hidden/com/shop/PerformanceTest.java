package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerformanceTest {
    @Test
    void twoHundredThousandLinesArePricedInLinearTime() {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            lines.add(new Line("SKU-" + (i % 1000), 1 + i % 3, 100 + i % 50));
        }
        Order order = new Order("US", lines, null);
        long expected = 0;
        for (Line line : lines) {
            expected += line.quantity() * line.unitCents();
        }
        long subtotal = expected;
        // A quadratic pass over 200 000 lines takes minutes; a linear one, milliseconds.
        long total = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Pricing.totalCents(order));
        assertEquals(subtotal + Math.round(subtotal * 0.08), total, 1);
    }
}
