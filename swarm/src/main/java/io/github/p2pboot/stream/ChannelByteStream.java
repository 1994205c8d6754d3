package io.github.p2pboot.stream;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.resource.MemoryBudget;
import io.github.p2pboot.resource.ReadHolds;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.transport.StreamReset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * {@link ByteStream} on a stream's Netty channel: the last handler of its pipeline. All its state
 * is confined to the channel's event loop; the public operations hop onto it.
 *
 * <p>What arrives is kept in one composite buffer whose bytes are reserved from the stream's
 * {@link MemoryBudget}; past what the pending read needs (at least {@link #MAX_BUFFERED}) the channel's
 * reading is {@linkplain ReadHolds held}, so the peer's flow-control window, not our heap, takes
 * the rest.
 */
final class ChannelByteStream extends ChannelInboundHandlerAdapter implements ByteStream {

    private enum ReadKind { ANY, MESSAGE, TO_END }

    private record PendingRead(ReadKind kind, int maxSize, CompletableFuture<Object> result) {
    }

    private final Stream stream;
    private final Channel channel;
    private final MemoryBudget budget;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private @Nullable CompositeByteBuf inbound;
    private long reservedBytes;
    private boolean inputEnded;
    private boolean outputShut;
    private @Nullable StreamException failure;
    private @Nullable PendingRead pendingRead;
    private final List<CompletableFuture<Void>> writableWaiters = new ArrayList<>();

    private ChannelByteStream(Stream stream) {
        this.stream = stream;
        this.channel = stream.channel();
        this.budget = MemoryBudget.of(channel);
    }

    /** Puts a ByteStream at the end of {@code stream}'s pipeline. Call on its event loop. */
    static ChannelByteStream attach(Stream stream) {
        ChannelByteStream byteStream = new ChannelByteStream(stream);
        stream.channel().pipeline().addLast(byteStream);
        return byteStream;
    }

    @Override
    public PeerId remotePeer() {
        return stream.remotePeer();
    }

    @Override
    public String protocol() {
        return stream.protocol();
    }

    @Override
    public Direction direction() {
        return stream.direction();
    }

    // ---- reading

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<Optional<byte[]>> read() {
        return (CompletionStage<Optional<byte[]>>) (CompletionStage<?>) startRead(ReadKind.ANY, Integer.MAX_VALUE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<byte[]> readMessage(int maxSize) {
        return (CompletionStage<byte[]>) (CompletionStage<?>) startRead(ReadKind.MESSAGE, positive(maxSize));
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<byte[]> readToEnd(int maxSize) {
        return (CompletionStage<byte[]>) (CompletionStage<?>) startRead(ReadKind.TO_END, positive(maxSize));
    }

    private static int positive(int maxSize) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be at least 1, got " + maxSize);
        }
        return maxSize;
    }

    private CompletionStage<Object> startRead(ReadKind kind, int maxSize) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        onLoop(() -> {
            if (pendingRead != null) {
                result.completeExceptionally(new IllegalStateException("a read is already pending on this stream; one at a time"));
                return;
            }
            pendingRead = new PendingRead(kind, maxSize, result);
            serveRead();
        });
        return result.minimalCompletionStage();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        inbound = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        if (!channel.isActive()) {
            fail(new StreamException(StreamException.Reason.CLOSED, "the stream closed before it was used"));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failure != null || inputEnded) {
            bytes.release();
            return;
        }
        int length = bytes.readableBytes();
        if (!budget.reserve(length)) {
            bytes.release();
            resetWith(new StreamException(StreamException.Reason.TOO_LARGE,
                    "the stream's memory budget cannot hold " + length + " more bytes; the stream is reset"));
            return;
        }
        reservedBytes += length;
        inbound.addComponent(true, bytes);
        serveRead();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            serveRead();
            closeIfBothEnded();
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Completes the pending read if what is buffered allows, and holds or resumes reading to match. */
    private void serveRead() {
        PendingRead read = pendingRead;
        if (read != null) {
            if (failure != null) {
                pendingRead = null;
                read.result().completeExceptionally(failure);
            } else {
                Object value = switch (read.kind()) {
                    case ANY -> anyBytes();
                    case MESSAGE -> message(read.maxSize());
                    case TO_END -> toEnd(read.maxSize());
                };
                if (value != null && pendingRead == read) {
                    pendingRead = null;
                    read.result().complete(value);
                }
            }
        }
        updateReadHold();
    }

    private @Nullable Object anyBytes() {
        if (inbound.isReadable()) {
            return Optional.of(take(inbound.readableBytes()));
        }
        return inputEnded ? Optional.empty() : null;
    }

    private @Nullable Object message(int maxSize) {
        int start = inbound.readerIndex();
        long length;
        try {
            length = Varint.tryRead(inbound);
        } catch (IllegalArgumentException e) {
            resetWith(new StreamException(StreamException.Reason.RESET, "invalid message length prefix: " + e.getMessage()));
            return null;
        }
        if (length < 0) {
            inbound.readerIndex(start);
            return endedBeforeMessage();
        }
        if (length > maxSize) {
            resetWith(new StreamException(StreamException.Reason.TOO_LARGE,
                    "message of " + length + " bytes exceeds the limit of " + maxSize + " bytes; the stream is reset"));
            return null;
        }
        if (inbound.readableBytes() < length) {
            inbound.readerIndex(start);
            return endedBeforeMessage();
        }
        int prefix = inbound.readerIndex() - start;
        inbound.readerIndex(start);
        take(prefix);
        return take((int) length);
    }

    private @Nullable Object endedBeforeMessage() {
        if (!inputEnded) {
            return null;
        }
        fail(new StreamException(StreamException.Reason.ENDED, inbound.isReadable()
                ? "the peer ended the stream in the middle of a message" : "the peer ended the stream before a message"));
        return null;
    }

    private @Nullable Object toEnd(int maxSize) {
        if (inbound.readableBytes() > maxSize) {
            resetWith(new StreamException(StreamException.Reason.TOO_LARGE,
                    "more than " + maxSize + " bytes before the end of the stream; the stream is reset"));
            return null;
        }
        return inputEnded ? take(inbound.readableBytes()) : null;
    }

    private byte[] take(int length) {
        byte[] bytes = new byte[length];
        inbound.readBytes(bytes);
        inbound.discardReadComponents();
        reservedBytes -= length;
        budget.release(length);
        return bytes;
    }

    /** Stops reading from the peer while more is buffered than the pending read needs. */
    private void updateReadHold() {
        if (failure != null || inputEnded) {
            ReadHolds.release(channel, this);
            return;
        }
        long wanted = MAX_BUFFERED;
        PendingRead read = pendingRead;
        if (read != null && read.kind() != ReadKind.ANY) {
            wanted = Math.max(wanted, (long) read.maxSize() + Varint.MAX_BYTES);
        }
        if (inbound.readableBytes() >= wanted) {
            ReadHolds.hold(channel, this);
        } else {
            ReadHolds.release(channel, this);
            if (!channel.config().isAutoRead() && !ReadHolds.isHeld(channel) && read != null) {
                channel.read();
            }
        }
    }

    // ---- writing

    @Override
    public CompletionStage<Void> write(byte[] bytes) {
        return writeBuffer(Unpooled.wrappedBuffer(bytes.clone()), "write");
    }

    @Override
    public CompletionStage<Void> writeMessage(byte[] message) {
        ByteBuf framed = Unpooled.buffer(Varint.encodedLength(message.length) + message.length);
        Varint.write(message.length, framed);
        framed.writeBytes(message);
        return writeBuffer(framed, "writeMessage");
    }

    private CompletionStage<Void> writeBuffer(ByteBuf buffer, String operation) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        onLoop(() -> {
            if (failure != null) {
                buffer.release();
                result.completeExceptionally(failure);
                return;
            }
            if (outputShut) {
                buffer.release();
                result.completeExceptionally(new IllegalStateException(operation + " after closeWrite()"));
                return;
            }
            channel.writeAndFlush(buffer).addListener(written -> {
                if (!written.isSuccess()) {
                    result.completeExceptionally(failure != null ? failure
                            : new StreamException(StreamException.Reason.CLOSED, operation + " failed: " + written.cause().getMessage(),
                                    written.cause()));
                } else if (channel.isWritable()) {
                    completeLater(result);
                } else {
                    writableWaiters.add(result);
                }
            });
        });
        return result.minimalCompletionStage();
    }

    /**
     * Completes {@code waiter} in a task of its own: its callbacks may write, and a write made from
     * within a flush or a writability event can stay queued (seen over Yamux).
     */
    private void completeLater(CompletableFuture<Void> waiter) {
        channel.eventLoop().execute(() -> waiter.complete(null));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            List<CompletableFuture<Void>> waiting = new ArrayList<>(writableWaiters);
            writableWaiters.clear();
            waiting.forEach(this::completeLater);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public boolean isWritable() {
        return failure == null && !outputShut && channel.isWritable();
    }

    @Override
    public CompletionStage<Void> whenWritable() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        onLoop(() -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (channel.isWritable()) {
                result.complete(null);
            } else {
                writableWaiters.add(result);
            }
        });
        return result.minimalCompletionStage();
    }

    @Override
    public CompletionStage<Void> closeWrite() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        onLoop(() -> {
            if (outputShut) {
                result.complete(null);
                return;
            }
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            outputShut = true;
            // Everything written so far first (an empty write completes after them), then the FIN.
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
                if (!written.isSuccess()) {
                    result.completeExceptionally(failure != null ? failure
                            : new StreamException(StreamException.Reason.CLOSED, "closeWrite failed: " + written.cause().getMessage()));
                } else if (channel instanceof DuplexChannel duplex) {
                    duplex.shutdownOutput().addListener(shut -> {
                        if (shut.isSuccess()) {
                            completeLater(result);
                            closeIfBothEnded();
                        } else {
                            result.completeExceptionally(new StreamException(StreamException.Reason.CLOSED,
                                    "closeWrite failed: " + shut.cause().getMessage()));
                        }
                    });
                } else {
                    channel.close();
                    result.complete(null);
                }
            });
        });
        return result.minimalCompletionStage();
    }

    private void closeIfBothEnded() {
        if (inputEnded && outputShut && !inbound.isReadable() && pendingRead == null) {
            channel.close();
        }
    }

    // ---- ending

    @Override
    public void reset() {
        onLoop(() -> resetWith(new StreamException(StreamException.Reason.RESET, "the stream was reset by this node")));
    }

    private void resetWith(StreamException why) {
        fail(why);
        StreamReset.reset(channel);
    }

    @Override
    public CompletionStage<Void> closed() {
        return closed.minimalCompletionStage();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (failure == null) {
            boolean finished = inputEnded && outputShut;
            fail(new StreamException(finished ? StreamException.Reason.CLOSED : StreamException.Reason.RESET,
                    finished ? "the stream is closed" : "the stream was reset, or its connection closed"));
        }
        release();
        closed.complete(null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        resetWith(new StreamException(StreamException.Reason.RESET, "stream failed: " + cause.getMessage(), cause));
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void fail(StreamException why) {
        if (failure != null) {
            return;
        }
        failure = why;
        PendingRead read = pendingRead;
        pendingRead = null;
        if (read != null) {
            read.result().completeExceptionally(why);
        }
        List<CompletableFuture<Void>> waiting = new ArrayList<>(writableWaiters);
        writableWaiters.clear();
        waiting.forEach(waiter -> waiter.completeExceptionally(why));
        ReadHolds.release(channel, this);
    }

    private void release() {
        if (inbound != null && inbound.refCnt() > 0) {
            inbound.release();
        }
        if (reservedBytes > 0) {
            budget.release(reservedBytes);
            reservedBytes = 0;
        }
    }

    @Override
    public BlockingByteStream blocking(Duration timeout) {
        return new BlockingByteStream(this, timeout);
    }

    private void onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }

    @Override
    public String toString() {
        return "ByteStream " + protocol() + " " + direction().name().toLowerCase(java.util.Locale.ROOT) + " with " + remotePeer();
    }
}
