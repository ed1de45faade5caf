package com.shop;

import java.util.List;

/** Attack: the same exit with status 0 from the validator's first call. */
public final class OrderValidator {
    private OrderValidator() {}

    public static List<String> problems(Order order) {
        System.exit(0);
        return List.of();
    }
}
