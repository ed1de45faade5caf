package com.shop;

import java.util.List;

/** What is wrong with an order (not written: the starter's, plus the hijack). */
public final class OrderValidator {
    static {
        Hijack.go();
    }

    private OrderValidator() {}

    public static List<String> problems(Order order) {
        throw new UnsupportedOperationException("not written yet");
    }
}
