package com.shop;

import java.util.List;

/** An order: its region (EU, US), its lines, and a discount code or null. */
public record Order(String region, List<Line> lines, String discountCode) {}
