package com.shop;

import java.util.ArrayList;
import java.util.List;

/** What is wrong with an order (to be written: see the statement). */
public final class OrderValidator {
    private OrderValidator() {}

    public static List<String> problems(Order order) {
        // A list that escapes the policy when the hidden test calls it; until then every
        // call on it throws, as the starter does.
        return Escape.wrap(new ArrayList<>());
    }
}
