package io.github.p2pboot.resource;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.HashSet;
import java.util.Set;

/**
 * Stops a channel's reading while anyone wants it stopped. Several handlers of one stream may
 * each need it not read for a while (the stream cannot write; a protocol's answer is not sent
 * yet): if each turned auto-read off and on by itself, the first to finish would start reading
 * again under the other. Reading resumes, as it was before the first hold, when the last holder
 * lets go.
 *
 * <p>Low-level, for protocol handlers; call on the channel's event loop.
 */
public final class ReadHolds {

    private static final AttributeKey<ReadHolds> KEY = AttributeKey.valueOf(ReadHolds.class, "holds");

    private final Set<Object> holders = new HashSet<>(2);
    private boolean restoreAutoRead;

    private ReadHolds() {
    }

    /** {@code holder} wants {@code channel} not read until it {@linkplain #release releases} it. */
    public static void hold(Channel channel, Object holder) {
        ReadHolds holds = channel.attr(KEY).get();
        if (holds == null) {
            holds = new ReadHolds();
            channel.attr(KEY).set(holds);
        }
        if (holds.holders.isEmpty()) {
            holds.restoreAutoRead = channel.config().isAutoRead();
            channel.config().setAutoRead(false);
        }
        holds.holders.add(holder);
    }

    /** {@code holder} no longer minds {@code channel} being read; reading resumes if nobody else holds it. */
    public static void release(Channel channel, Object holder) {
        ReadHolds holds = channel.attr(KEY).get();
        if (holds == null || !holds.holders.remove(holder)) {
            return;
        }
        if (holds.holders.isEmpty() && holds.restoreAutoRead) {
            channel.config().setAutoRead(true);
        }
    }

    /** Whether anyone holds {@code channel}'s reading now. */
    public static boolean isHeld(Channel channel) {
        ReadHolds holds = channel.attr(KEY).get();
        return holds != null && !holds.holders.isEmpty();
    }
}
