package com.shop;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Prices orders in cents: subtotal, discount, then tax, each rounded half to even. */
public final class Pricing {
    private static final long DISCOUNT_CAP = 5000;

    private Pricing() {}

    public static long totalCents(Order order) {
        long subtotal = 0;
        for (Line line : order.lines()) {
            subtotal = Math.addExact(subtotal, Math.multiplyExact(line.quantity(), line.unitCents()));
        }
        long discounted = subtotal - Math.min(share(subtotal, discountPercent(order)), DISCOUNT_CAP);
        return Math.addExact(discounted, share(discounted, taxPercent(order.region())));
    }

    private static long share(long cents, int percent) {
        return BigDecimal.valueOf(cents)
                .multiply(BigDecimal.valueOf(percent))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.HALF_EVEN)
                .longValueExact();
    }

    private static int discountPercent(Order order) {
        String code = order.discountCode();
        if (code == null) {
            return 0;
        }
        switch (code) {
            case "SAVE10": return 10;
            case "SAVE20": return 20;
            default: throw new IllegalArgumentException("unknown discount code: " + code);
        }
    }

    private static int taxPercent(String region) {
        if ("EU".equals(region)) {
            return 20;
        }
        if ("US".equals(region)) {
            return 8;
        }
        throw new IllegalArgumentException("unknown region: " + region);
    }
}
