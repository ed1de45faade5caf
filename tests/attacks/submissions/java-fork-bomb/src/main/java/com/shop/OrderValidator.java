package com.shop;

import java.util.List;

/** Attack: the validator bombs too (whichever test class runs first). */
public final class OrderValidator {
    private OrderValidator() {}

    public static List<String> problems(Order order) {
        Pricing.totalCents(order);
        return List.of();
    }
}
