package com.shop;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/** java-junit-lookup's deputy swapped for JUnit 5's own: ReflectionSupport.invokeMethod
 * (junit-platform-commons, on the test JVM's class path and granted everything) calls
 * Method.invoke for whoever asks, so MethodHandles.lookup() called through it would be a
 * full-privilege Lookup on ReflectionUtils. Looked up at run time, like java-junit-lookup's
 * (the rest of that submission is reused as it is). */
final class Deputy {
    private Deputy() {}

    static MethodHandles.Lookup lookup() throws Throwable {
        Method lookup = MethodHandles.class.getMethod("lookup");
        Class<?> support = Class.forName("org.junit.platform.commons.support.ReflectionSupport");
        return (MethodHandles.Lookup) support
                .getMethod("invokeMethod", Method.class, Object.class, Object[].class)
                .invoke(null, lookup, null, new Object[0]);
    }
}
