package io.github.p2pboot.stream;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.Direction;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A libp2p stream as bytes and length-prefixed messages, without Netty. Open one with
 * {@link ByteStreams#open}, or serve a protocol with {@link ByteStreams#serve}.
 *
 * <p>Every operation is asynchronous and may be called from any thread; {@link #blocking()} gives
 * the same operations as blocking calls with a deadline, for code that runs off the event loops
 * (a {@link StreamHandler} does). One read and any number of writes may be pending at a time; writes
 * go out in the order they were made.
 *
 * <p>Backpressure: a write completes once its bytes are handed to the transport and the stream can
 * take more (its connection is writable and, over Yamux, the peer's window allows), so a writer that
 * waits for each write holds at most the stream's and connection's windows. Reading holds at most
 * {@link #MAX_BUFFERED} bytes (or what a pending {@link #readMessage}/{@link #readToEnd} needs):
 * beyond that the stream stops reading from the peer until the application reads.
 *
 * <p>Futures returned here cannot be completed by callers.
 */
public interface ByteStream {

    /** The most bytes a stream buffers for a reader that has not asked for them. */
    int MAX_BUFFERED = 256 * 1024;

    /** The default limit of {@link #readMessage()}. */
    int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

    PeerId remotePeer();

    /** The protocol id both sides agreed on. */
    String protocol();

    /** Who opened the stream. */
    Direction direction();

    /** The bytes that arrived since the last read (waiting for some if none did), or empty once the peer ended its side. */
    CompletionStage<Optional<byte[]>> read();

    /**
     * One message prefixed with its length as an unsigned varint (the framing of libp2p's protobuf
     * protocols), of at most {@link #DEFAULT_MAX_MESSAGE_SIZE} bytes.
     */
    default CompletionStage<byte[]> readMessage() {
        return readMessage(DEFAULT_MAX_MESSAGE_SIZE);
    }

    /**
     * One length-prefixed message of at most {@code maxSize} bytes. Fails with
     * {@link StreamException.Reason#TOO_LARGE} (and resets the stream) if the peer announces a longer
     * one, and with {@link StreamException.Reason#ENDED} if the peer ends its side first.
     */
    CompletionStage<byte[]> readMessage(int maxSize);

    /**
     * Everything the peer sends until it ends its side, at most {@code maxSize} bytes; more fails
     * with {@link StreamException.Reason#TOO_LARGE} and resets the stream.
     */
    CompletionStage<byte[]> readToEnd(int maxSize);

    /** Writes {@code bytes}; completes when they are handed to the transport and the stream can take more. */
    CompletionStage<Void> write(byte[] bytes);

    /** Writes {@code message} prefixed with its length as an unsigned varint. */
    CompletionStage<Void> writeMessage(byte[] message);

    /**
     * Ends this side of the stream once everything written so far has gone out (QUIC FIN, Yamux
     * FIN); reading goes on until the peer ends its side. The stream closes when both have.
     */
    CompletionStage<Void> closeWrite();

    /** Abandons the stream in both directions (QUIC RESET_STREAM, Yamux RST); pending operations fail. */
    void reset();

    /** Whether a write now would go out without waiting. */
    boolean isWritable();

    /** Completes when the stream can take more bytes (at once if it can now). */
    CompletionStage<Void> whenWritable();

    /** Completes when the stream has closed, however it did. */
    CompletionStage<Void> closed();

    /** The same operations as blocking calls, each with {@code timeout}. */
    BlockingByteStream blocking(Duration timeout);

    /** The same operations as blocking calls, each with a deadline of {@link BlockingByteStream#DEFAULT_TIMEOUT}. */
    default BlockingByteStream blocking() {
        return blocking(BlockingByteStream.DEFAULT_TIMEOUT);
    }
}
