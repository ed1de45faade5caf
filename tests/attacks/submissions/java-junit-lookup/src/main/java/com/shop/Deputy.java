package com.shop;

import java.lang.invoke.MethodHandles;
import org.junit.platform.console.shadow.picocli.CommandLine;
import org.junit.runners.model.FrameworkMethod;

/** Trusted code (granted everything) that calls MethodHandles.lookup() for us, so that the
 * Lookup is on its class (the attack suite's variants replace USE). */
final class Deputy {
    /** "junit4": FrameworkMethod.invokeExplosively; "picocli": the console launcher's
     * command line library, running the method as a command (CommandLine.execute). */
    static final String USE = "junit4";

    private Deputy() {}

    static MethodHandles.Lookup lookup() throws Throwable {
        java.lang.reflect.Method lookup = MethodHandles.class.getMethod("lookup");
        if (USE.equals("picocli")) {
            CommandLine command = new CommandLine(
                    CommandLine.Model.CommandSpec.forAnnotatedObjectLenient(lookup));
            command.execute();
            return (MethodHandles.Lookup) command.getExecutionResult();
        }
        return (MethodHandles.Lookup) new FrameworkMethod(lookup).invokeExplosively(null);
    }
}
