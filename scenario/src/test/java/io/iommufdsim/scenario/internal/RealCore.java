package io.iommufdsim.scenario.internal;

import io.iommufdsim.api.SimMachineFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The core's SimMachineFactory outside OSGi. It is looked up by name so that this module compiles
 * before core.impl provides it; until then the tests that need it are skipped (not passed).
 */
final class RealCore {
    static final String FACTORY_CLASS = "io.iommufdsim.core.iommufd.SimMachineFactoryComponent";

    private RealCore() {
    }

    static SimMachineFactory factory() throws ReflectiveOperationException {
        Class<?> type;
        try {
            type = Class.forName(FACTORY_CLASS);
        } catch (ClassNotFoundException e) {
            Assumptions.abort(FACTORY_CLASS + " is not in core.impl yet");
            throw e;
        }
        Constructor<?> chosen = null;
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.getParameterCount() == 0) {
                chosen = c;
                break;
            }
            if (c.getParameterCount() == 1 && chosen == null) {
                chosen = c;
            }
        }
        if (chosen == null) {
            throw new AssertionError(FACTORY_CLASS + " has no no-arg or (config) constructor");
        }
        chosen.setAccessible(true);
        Object instance = chosen.getParameterCount() == 0 ? chosen.newInstance()
                : chosen.newInstance(defaultConfig(chosen.getParameterTypes()[0]));
        return (SimMachineFactory) instance;
    }

    /** A DS configuration with every attribute at its default (an annotation type), or an empty map. */
    private static Object defaultConfig(Class<?> type) {
        if (type.isAssignableFrom(Map.class)) {
            return Map.of();
        }
        if (!type.isInterface()) {
            throw new AssertionError("cannot build a " + type.getName() + " configuration");
        }
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> type.getName() + "(defaults)";
                };
            }
            if (method.getName().equals("annotationType")) {
                return type;
            }
            return method.getDefaultValue();
        });
    }
}
