package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OrderValidatorTest {
    private static List<String> problems(String region, Line... lines) {
        return OrderValidator.problems(new Order(region, List.of(lines), null));
    }

    @Test
    void aGoodOrderHasNoProblems() {
        assertEquals(List.of(), problems("EU", new Line("ABC-123", 3, 999)));
    }

    @Test
    void quantitiesOutsideOneToTenThousandAreProblems() {
        assertEquals(1, problems("EU", new Line("A", 0, 1)).size());
        assertEquals(1, problems("EU", new Line("A", 10_001, 1)).size());
        assertEquals(1, problems("EU", new Line("A", -5, 1)).size());
    }

    @Test
    void aNegativePriceIsAProblem() {
        assertEquals(1, problems("EU", new Line("A", 1, -1)).size());
    }

    @Test
    void skusAreShortAndPlain() {
        assertEquals(1, problems("EU", new Line("A;DROP TABLE", 1, 1)).size());
        assertEquals(1, problems("EU", new Line("x".repeat(33), 1, 1)).size());
        assertEquals(1, problems("EU", new Line("", 1, 1)).size());
    }

    @Test
    void amountsThatWouldOverflowAreProblemsNotWrapArounds() {
        assertTrue(problems("EU", new Line("A", 10_000, Long.MAX_VALUE / 2)).size() >= 1);
        assertTrue(problems("EU", new Line("A", 2, Long.MAX_VALUE / 3),
                new Line("B", 2, Long.MAX_VALUE / 3)).size() >= 1);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertEquals(3, OrderValidator.problems(
                new Order(null, List.of(new Line("", 0, 1)), null)).size());
    }
}
