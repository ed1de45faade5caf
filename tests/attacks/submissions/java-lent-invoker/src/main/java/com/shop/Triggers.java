package com.shop;

/** Which trusted callers may run the escape (the attack suite's variants replace this file). */
final class Triggers {
    /** The JVM's Notification Thread, after a collection we ask for (before any test needs it). */
    static final boolean GC_NOTIFICATION = true;
    /** The hidden test itself, calling the List that OrderValidator.problems returns. */
    static final boolean TEST_CALLS_LIST = true;
    /** The grader's listener (and the console's tree), printing the exception we throw. */
    static final boolean LISTENER_PRINTS = true;

    private Triggers() {}
}
