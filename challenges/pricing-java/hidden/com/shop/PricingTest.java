package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PricingTest {
    private static Order order(String region, String code, Line... lines) {
        return new Order(region, List.of(lines), code);
    }

    @Test
    void sumsTheLinesAndAddsTheTax() {
        assertEquals(2640, Pricing.totalCents(order("EU", null,
                new Line("A-1", 2, 500), new Line("B-2", 1, 1200))));
    }

    @Test
    void usTaxIsEightPercent() {
        assertEquals(1080, Pricing.totalCents(order("US", null, new Line("A", 1, 1000))));
    }

    @ParameterizedTest
    @CsvSource({"SAVE10, 1080", "SAVE20, 960"})
    void discountCodesApplyBeforeTax(String code, long expected) {
        assertEquals(expected, Pricing.totalCents(order("EU", code, new Line("A", 1, 1000))));
    }

    @Test
    void theDiscountIsCappedAtFiftyEuros() {
        assertEquals(114_000, Pricing.totalCents(order("EU", "SAVE20", new Line("A", 1, 100_000))));
    }

    @Test
    void roundingIsHalfToEven() {
        // 10 % of 125 is 12.5 -> 12; tax 8 % of 113 is 9.04 -> 9
        assertEquals(122, Pricing.totalCents(order("US", "SAVE10", new Line("A", 1, 125))));
        // 10 % of 135 is 13.5 -> 14; tax 20 % of 121 is 24.2 -> 24
        assertEquals(145, Pricing.totalCents(order("EU", "SAVE10", new Line("A", 1, 135))));
    }

    @Nested
    class Refusals {
        @Test
        void anUnknownCodeIsRefused() {
            assertThrows(IllegalArgumentException.class,
                    () -> Pricing.totalCents(order("EU", "FREE", new Line("A", 1, 100))));
        }

        @Test
        void anUnknownRegionIsRefused() {
            assertThrows(IllegalArgumentException.class,
                    () -> Pricing.totalCents(order("MARS", null, new Line("A", 1, 100))));
        }
    }
}
