package io.github.p2pboot.stream;

import io.github.p2pboot.swarm.Futures;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link ByteStream}'s operations as blocking calls, each with a deadline: past it the call fails
 * with {@link StreamException.Reason#TIMEOUT} and the stream is reset. Call from your own threads
 * (a {@link StreamHandler} runs on one); on a Netty event loop every call fails at once, since
 * blocking there would stop the very I/O it waits for.
 */
public final class BlockingByteStream {

    /** The deadline of each call of {@link ByteStream#blocking()}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final ByteStream stream;
    private final Duration timeout;

    BlockingByteStream(ByteStream stream, Duration timeout) {
        this.stream = stream;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** @see ByteStream#read() */
    public Optional<byte[]> read() {
        return await(stream.read(), "read");
    }

    /** @see ByteStream#readMessage() */
    public byte[] readMessage() {
        return await(stream.readMessage(), "readMessage");
    }

    /** @see ByteStream#readMessage(int) */
    public byte[] readMessage(int maxSize) {
        return await(stream.readMessage(maxSize), "readMessage");
    }

    /** @see ByteStream#readToEnd(int) */
    public byte[] readToEnd(int maxSize) {
        return await(stream.readToEnd(maxSize), "readToEnd");
    }

    /** @see ByteStream#write(byte[]) */
    public void write(byte[] bytes) {
        await(stream.write(bytes), "write");
    }

    /** @see ByteStream#writeMessage(byte[]) */
    public void writeMessage(byte[] message) {
        await(stream.writeMessage(message), "writeMessage");
    }

    /** @see ByteStream#closeWrite() */
    public void closeWrite() {
        await(stream.closeWrite(), "closeWrite");
    }

    /** The stream itself, for its asynchronous operations. */
    public ByteStream stream() {
        return stream;
    }

    private <T> T await(CompletionStage<T> stage, String operation) {
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            throw new IllegalStateException(operation + " would block a Netty event loop; use the ByteStream's asynchronous "
                    + "operations there, or run the code on another executor");
        }
        try {
            return stage.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stream.reset();
            throw new StreamException(StreamException.Reason.TIMEOUT, operation + " on " + stream.protocol() + " with "
                    + stream.remotePeer() + " did not complete within " + timeout.toMillis() + " ms; the stream is reset");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.reset();
            throw new StreamException(StreamException.Reason.CLOSED, operation + " interrupted; the stream is reset", e);
        } catch (ExecutionException e) {
            throw StreamFailures.unwrap(e.getCause());
        }
    }

    static final class StreamFailures {
        private StreamFailures() {
        }

        static RuntimeException unwrap(Throwable error) {
            Throwable cause = Futures.unwrap(error);
            if (cause instanceof StreamException stream) {
                return stream;
            }
            return cause instanceof RuntimeException runtime ? runtime
                    : new StreamException(StreamException.Reason.CLOSED, String.valueOf(cause.getMessage()), cause);
        }
    }
}
