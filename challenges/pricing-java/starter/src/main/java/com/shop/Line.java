package com.shop;

/** One line of an order: a product, how many, and its unit price in cents. */
public record Line(String sku, int quantity, long unitCents) {}
