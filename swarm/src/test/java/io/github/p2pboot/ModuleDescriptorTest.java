package io.github.p2pboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.swarm.Swarm;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's module descriptor: the packages it exports are the API, they resolve against the
 * modules it requires, and no exported signature names a type from a package it keeps to itself.
 * The tests run on the class path, so this is where the descriptor is held to what it says.
 */
class ModuleDescriptorTest {

    private static final String MODULE = "io.github.p2pboot.swarm";
    /** The API. A package added here is a deliberate promise to users. */
    private static final Set<String> API = Set.of(
            "io.github.p2pboot.identity",
            "io.github.p2pboot.multiaddr",
            "io.github.p2pboot.swarm",
            "io.github.p2pboot.stream",
            "io.github.p2pboot.kademlia",
            "io.github.p2pboot.keeper",
            "io.github.p2pboot.peerstore",
            "io.github.p2pboot.resource",
            "io.github.p2pboot.protocol.ping",
            "io.github.p2pboot.protocol.perf");

    private final Path classes = classesDirectory();

    @Test
    void exportsExactlyTheApiPackagesUnqualified() {
        ModuleDescriptor descriptor = descriptor();
        assertThat(descriptor.exports()).allSatisfy(e -> assertThat(e.isQualified()).as(e.source()).isFalse());
        assertThat(descriptor.exports().stream().map(ModuleDescriptor.Exports::source)).containsExactlyInAnyOrderElementsOf(API);
        assertThat(descriptor.packages()).as("the wire machinery is in the module but not exported")
                .contains("io.github.p2pboot.transport", "io.github.p2pboot.muxer.yamux", "io.github.p2pboot.security.noise",
                        "io.github.p2pboot.security.tls", "io.github.p2pboot.multistream", "io.github.p2pboot.codec");
    }

    @Test
    void resolvesAgainstTheModulesItRequires() {
        Map<String, ModuleReference> available = new LinkedHashMap<>();
        ModuleFinder.of(classes).find(MODULE).ifPresent(m -> available.put(MODULE, m));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (path.equals(classes) || !Files.exists(path)) {
                continue;
            }
            try {
                ModuleFinder.of(path).findAll().forEach(m -> available.putIfAbsent(m.descriptor().name(), m));
            } catch (FindException notAModule) {
                // Test-only jars whose module name cannot be derived; the engine does not require them.
            }
        }
        ModuleFinder finder = new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return Optional.ofNullable(available.get(name));
            }

            @Override
            public Set<ModuleReference> findAll() {
                return new HashSet<>(available.values());
            }
        };

        Configuration resolved = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), Set.of(MODULE));

        ResolvedModule engine = resolved.findModule(MODULE).orElseThrow();
        assertThat(engine.reads().stream().map(m -> m.name()))
                .contains("io.netty.transport", "io.netty.codec.classes.quic", "org.bouncycastle.pkix", "com.google.protobuf", "org.slf4j");
    }

    @Test
    void exportedSignaturesNameOnlyExportedOrRequiredTypes() throws Exception {
        Set<String> leaks = new TreeSet<>();
        for (Class<?> type : exportedTypes()) {
            List<Type> named = new ArrayList<>();
            if (type.getGenericSuperclass() != null) {
                named.add(type.getGenericSuperclass());
            }
            named.addAll(List.of(type.getGenericInterfaces()));
            for (Field field : type.getDeclaredFields()) {
                if (visible(field)) {
                    named.add(field.getGenericType());
                }
            }
            List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            executables.addAll(List.of(type.getDeclaredMethods()));
            for (Executable executable : executables) {
                if (!visible(executable) || executable.isSynthetic()) {
                    continue;
                }
                named.addAll(List.of(executable.getGenericParameterTypes()));
                named.addAll(List.of(executable.getGenericExceptionTypes()));
                if (executable instanceof java.lang.reflect.Method method) {
                    named.add(method.getGenericReturnType());
                }
            }
            Set<Class<?>> referenced = new HashSet<>();
            named.forEach(t -> collect(t, referenced, new HashSet<>()));
            for (Class<?> used : referenced) {
                String pkg = used.getPackageName();
                if (pkg.startsWith("io.github.p2pboot") && !API.contains(pkg)) {
                    leaks.add(type.getName() + " names " + used.getName());
                }
            }
        }
        assertThat(leaks).as("exported signatures that name types users cannot reach").isEmpty();
    }

    private List<Class<?>> exportedTypes() throws IOException, ClassNotFoundException {
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            List<String> names = files.map(f -> classes.relativize(f).toString())
                    .filter(f -> f.endsWith(".class") && !f.equals("module-info.class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace(java.io.File.separatorChar, '.'))
                    .collect(Collectors.toList());
            for (String name : names) {
                Class<?> type = Class.forName(name, false, getClass().getClassLoader());
                if (API.contains(type.getPackageName()) && reachable(type)) {
                    types.add(type);
                }
            }
        }
        assertThat(types).as("public types in the API packages").hasSizeGreaterThan(20);
        return types;
    }

    /** Public, and nested only in public types. */
    private static boolean reachable(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member member) {
        int modifiers = member.getModifiers();
        boolean extendable = !Modifier.isFinal(member.getDeclaringClass().getModifiers());
        return Modifier.isPublic(modifiers) || (extendable && Modifier.isProtected(modifiers));
    }

    private static void collect(Type type, Set<Class<?>> into, Set<Type> seen) {
        if (!seen.add(type)) {
            return;
        }
        if (type instanceof Class<?> c) {
            if (c.isArray()) {
                collect(c.getComponentType(), into, seen);
            } else {
                into.add(c);
            }
        } else if (type instanceof ParameterizedType p) {
            collect(p.getRawType(), into, seen);
            for (Type argument : p.getActualTypeArguments()) {
                collect(argument, into, seen);
            }
        } else if (type instanceof WildcardType w) {
            Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds())).forEach(b -> collect(b, into, seen));
        } else if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                collect(bound, into, seen);
            }
        } else if (type instanceof GenericArrayType a) {
            collect(a.getGenericComponentType(), into, seen);
        }
    }

    private ModuleDescriptor descriptor() {
        return ModuleFinder.of(classes).find(MODULE).orElseThrow(() -> new AssertionError("no module " + MODULE + " in " + classes))
                .descriptor();
    }

    private static Path classesDirectory() {
        try {
            return Path.of(Swarm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
