package io.github.p2pboot.protocol.perf;

import io.github.p2pboot.swarm.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a number of bytes to a stream as fast as the peer takes them and no faster: while the
 * stream is writable, then waits until it is again. What it holds is one shared chunk, whatever
 * the count. Runs on the stream's event loop.
 */
final class BulkWriter {

    static final int CHUNK_SIZE = 64 * 1024;

    /** The bytes every perf stream sends: never released, never written to, read through duplicates. */
    private static final ByteBuf CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(CHUNK_SIZE, CHUNK_SIZE).writeZero(CHUNK_SIZE).asReadOnly());

    private final Stream stream;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long remaining;

    private BulkWriter(Stream stream, long count) {
        this.stream = stream;
        this.remaining = count;
    }

    /**
     * Writes {@code count} bytes to {@code stream}; completes when the last was handed to the
     * transport, fails if the stream closes first. Call on the stream's event loop.
     */
    static CompletableFuture<Void> write(Stream stream, long count) {
        BulkWriter writer = new BulkWriter(stream, count);
        writer.pump();
        return writer.done;
    }

    private void pump() {
        var channel = stream.channel();
        while (remaining > 0 && stream.isWritable()) {
            int size = (int) Math.min(CHUNK_SIZE, remaining);
            remaining -= size;
            channel.write(size == CHUNK_SIZE ? CHUNK.duplicate() : CHUNK.slice(0, size), channel.voidPromise());
        }
        channel.flush();
        if (remaining == 0) {
            done.complete(null);
        } else if (!channel.isActive()) {
            done.completeExceptionally(new java.io.IOException("perf stream closed with " + remaining + " bytes unsent"));
        } else {
            stream.whenWritable().whenComplete((writable, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    pump();
                }
            });
        }
    }
}
