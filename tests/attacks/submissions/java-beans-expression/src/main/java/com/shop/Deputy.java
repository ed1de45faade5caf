package com.shop;

import java.beans.Expression;
import java.lang.invoke.MethodHandles;

/** java-junit-lookup's deputy swapped for the JDK's own reflective invoker: a
 * java.beans.Expression (java.desktop, granted everything) that calls the static
 * MethodHandles.lookup() by name, so that the Lookup would be on the class java.beans makes
 * the reflective call from. The rest of java-junit-lookup is reused as it is. */
final class Deputy {
    private Deputy() {}

    static MethodHandles.Lookup lookup() throws Throwable {
        return (MethodHandles.Lookup) new Expression(MethodHandles.class, "lookup", new Object[0]).getValue();
    }
}
