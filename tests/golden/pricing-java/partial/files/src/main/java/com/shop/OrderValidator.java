package com.shop;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** What is wrong with an order, every problem at once. */
public final class OrderValidator {
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9-]{1,32}");

    private OrderValidator() {}

    public static List<String> problems(Order order) {
        List<String> problems = new ArrayList<>();
        if (order.region() == null || order.region().isBlank()) {
            problems.add("the region is missing");
        }
        if (order.lines() == null || order.lines().isEmpty()) {
            problems.add("the order has no lines");
            return problems;
        }
        long subtotal = 0;
        boolean overflow = false;
        for (int i = 0; i < order.lines().size(); i++) {
            Line line = order.lines().get(i);
            if (line.sku() == null || !SKU.matcher(line.sku()).matches()) {
                problems.add("line " + i + ": bad SKU");
            }
            if (line.quantity() < 1 || line.quantity() > 10_000) {
                problems.add("line " + i + ": quantity out of range");
            }
            if (line.unitCents() < 0) {
                problems.add("line " + i + ": negative price");
            }
            try {
                subtotal = Math.addExact(subtotal, Math.multiplyExact(line.quantity(), line.unitCents()));
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        if (overflow) {
            problems.add("the amounts do not fit in a long");
        }
        return problems;
    }
}
