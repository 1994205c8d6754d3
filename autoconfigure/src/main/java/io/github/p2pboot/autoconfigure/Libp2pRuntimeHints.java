package io.github.p2pboot.autoconfigure;

import java.util.ArrayDeque;
import java.util.Deque;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image of an application with the starter needs beyond what Spring Boot and Netty
 * declare themselves (Netty ships the JNI and resource configuration of its native QUIC codec):
 * the protobuf messages of identify, Noise and Kademlia (protobuf's runtime finds their accessors by
 * reflection), the failure analyzers, the build facts {@link NativeQuic} reads, and the getters
 * {@link KnownProperties} reads. Registered in {@code META-INF/spring/aot.factories}.
 */
class Libp2pRuntimeHints implements RuntimeHintsRegistrar {

    /** The outer classes protoc generates for the engine's .proto files. */
    static final String[] PROTOBUF_OUTER_CLASSES = {
        "io.github.p2pboot.protocol.identify.pb.IdentifyProto",
        "io.github.p2pboot.security.noise.pb.NoiseProto",
        "io.github.p2pboot.kademlia.pb.DhtProto",
    };

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        hints.resources().registerPattern("io/github/p2pboot/autoconfigure/build.properties");
        hints.reflection().registerType(Libp2pFailureAnalyzer.class, MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
        hints.reflection().registerType(Libp2pUnknownPropertyFailureAnalyzer.class, MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
        registerWithNested(hints, Libp2pProperties.class, MemberCategory.INVOKE_PUBLIC_METHODS);
        for (String outer : PROTOBUF_OUTER_CLASSES) {
            try {
                registerWithNested(hints, Class.forName(outer, false, classLoader), MemberCategory.INVOKE_PUBLIC_METHODS,
                        MemberCategory.INVOKE_DECLARED_METHODS, MemberCategory.ACCESS_DECLARED_FIELDS);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the engine's generated protobuf class " + outer + " is missing", e);
            }
        }
    }

    private static void registerWithNested(RuntimeHints hints, Class<?> root, MemberCategory... categories) {
        Deque<Class<?>> types = new ArrayDeque<>();
        types.add(root);
        while (!types.isEmpty()) {
            Class<?> type = types.pop();
            hints.reflection().registerType(type, categories);
            for (Class<?> nested : type.getDeclaredClasses()) {
                types.push(nested);
            }
        }
    }
}
