package io.github.p2pboot.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Resetting a stream the way its transport does (QUIC RESET_STREAM and STOP_SENDING, Yamux RST):
 * the peer learns that the stream was abandoned, not finished, and whatever either side still
 * had queued for it is dropped. Low-level: each transport registers how on its stream channels,
 * and code that gives up on a stream (a timeout, a budget refused) calls {@link #reset(Channel)}.
 */
public final class StreamReset {

    /** Where a transport keeps a stream channel's reset action. */
    public static final AttributeKey<Runnable> ATTRIBUTE = AttributeKey.valueOf(StreamReset.class, "reset");

    private StreamReset() {
    }

    /** Registers how {@code stream} is reset; called by the transport that made it. */
    public static void register(Channel stream, Runnable reset) {
        stream.attr(ATTRIBUTE).set(reset);
    }

    /**
     * Resets {@code stream}, or closes it if its transport registered no reset. Runs on the
     * stream's event loop (at once when called there). Does nothing to a stream already closed.
     */
    public static void reset(Channel stream) {
        if (stream.eventLoop().inEventLoop()) {
            resetNow(stream);
        } else {
            stream.eventLoop().execute(() -> resetNow(stream));
        }
    }

    private static void resetNow(Channel stream) {
        if (!stream.isOpen()) {
            return;
        }
        Runnable reset = stream.attr(ATTRIBUTE).get();
        if (reset != null) {
            reset.run();
        } else {
            stream.close();
        }
    }
}
