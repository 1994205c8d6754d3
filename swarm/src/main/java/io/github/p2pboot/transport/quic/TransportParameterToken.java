package io.github.p2pboot.transport.quic;

import io.netty.channel.ChannelHandler;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the stateless reset token into a Netty server codec's quiche configuration, from which
 * quiche copies it into the {@code stateless_reset_token} transport parameter of the next
 * connection it creates.
 *
 * <p>Netty 4.2.18 offers only one token for all connections of a codec
 * ({@code QuicCodecBuilder.statelessResetToken}), which RFC 9000 §10.3.2 forbids ("the same
 * stateless reset token MUST NOT be used for multiple connection IDs"), and without one peers
 * cannot recognise a reset for the handshake connection id, the only id quinn (js- and
 * rust-libp2p) and quiche ever use towards us. So this reaches, by reflection, the two
 * package-private members that the builder's option ends in: the codec's {@code QuicheConfig} and
 * {@code Quiche.quiche_config_set_stateless_reset_token}. Both run on the codec's event loop, in
 * the same call that creates the connection, so no other connection sees the value. If a Netty
 * version lacks them, handshake ids simply get no token (the connection works, resets for it are
 * not recognised by the peer) and this says so once.
 */
final class TransportParameterToken {

    private static final Logger log = LoggerFactory.getLogger(TransportParameterToken.class);
    private static final Method SET_TOKEN = findSetToken();
    private static volatile boolean warned;

    private TransportParameterToken() {
    }

    /** A sink for the codec's next handshake token, or one that does nothing if Netty lacks the members. */
    static Consumer<byte[]> sinkFor(ChannelHandler serverCodec) {
        if (SET_TOKEN == null) {
            return token -> { };
        }
        try {
            Object config = field(serverCodec.getClass(), "config").get(serverCodec);
            Method nativeAddress = config.getClass().getDeclaredMethod("nativeAddress");
            nativeAddress.setAccessible(true);
            return token -> {
                try {
                    long address = (long) nativeAddress.invoke(config);
                    if (address != -1) {
                        SET_TOKEN.invoke(null, address, token);
                    }
                } catch (ReflectiveOperationException e) {
                    unavailable(e);
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable(e);
            return token -> { };
        }
    }

    static boolean available() {
        return SET_TOKEN != null;
    }

    private static Method findSetToken() {
        try {
            Method method = Class.forName("io.netty.handler.codec.quic.Quiche")
                    .getDeclaredMethod("quiche_config_set_stateless_reset_token", long.class, byte[].class);
            method.setAccessible(true);
            return method;
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable(e);
            return null;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    private static void unavailable(Exception e) {
        if (!warned) {
            warned = true;
            log.warn("This Netty QUIC version gives no per-connection stateless reset token ({}): peers will not "
                    + "recognise our stateless resets for handshake connection ids", e.toString());
        }
    }
}
