package com.shop;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the oracle needs beyond the policy: directly once the policy is ours, or through
 * LentHelper, a class of ours defined in JUnit's package and domain (Escape.HOW). */
final class Privileged {
    private Privileged() {}

    static Method[] declaredMethods(Class<?> c) throws Exception {
        Class<?> helper = Escape.helper();
        return helper == null ? c.getDeclaredMethods()
                : (Method[]) helper.getMethod("declaredMethods", Class.class).invoke(null, c);
    }

    static Constructor<?> declaredConstructor(Class<?> c, Class<?>... parameters) throws Exception {
        Class<?> helper = Escape.helper();
        return helper == null ? c.getDeclaredConstructor(parameters)
                : (Constructor<?>) helper.getMethod("declaredConstructor", Class.class,
                        Class[].class).invoke(null, c, parameters);
    }

    static void open(AccessibleObject member) throws Exception {
        Class<?> helper = Escape.helper();
        if (helper == null) {
            member.setAccessible(true);
        } else {
            helper.getMethod("open", AccessibleObject.class).invoke(null, member);
        }
    }

    static Object invoke(Method method, Object target, Object[] arguments) throws Exception {
        Class<?> helper = Escape.helper();
        return helper == null ? method.invoke(target, arguments)
                : helper.getMethod("invoke", Method.class, Object.class, Object[].class)
                        .invoke(null, method, target, arguments);
    }

    static String read(String path) throws Exception {
        Class<?> helper = Escape.helper();
        return helper == null ? Files.readString(Path.of(path))
                : (String) helper.getMethod("read", String.class).invoke(null, path);
    }
}
