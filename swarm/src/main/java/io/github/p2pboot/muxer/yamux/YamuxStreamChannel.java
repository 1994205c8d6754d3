package io.github.p2pboot.muxer.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.DuplexChannel;
import io.github.p2pboot.transport.StreamReset;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One Yamux stream as a Netty channel, so protocol handlers written for QUIC stream channels run
 * on it unchanged. It lives entirely on the parent connection's event loop: the session calls in
 * from its decoder, the channel calls the session to write frames, and no state is shared with
 * any other thread.
 *
 * <p>Half-closure is always on: the peer's FIN fires {@link ChannelInputShutdownEvent} and the
 * stream stays writable. Once both directions have ended the channel closes itself, as a QUIC
 * stream does when it is finished both ways.
 *
 * <p>{@code close()} first hands the parent whatever queued data the peer's window allows. If
 * data is still queued after that (the window is exhausted), the stream is reset instead of
 * finished, since a FIN would claim that the peer has received everything. Callers that must get
 * all data out close from the listener of their last write.
 */
final class YamuxStreamChannel extends AbstractChannel implements DuplexChannel {

    static final int INITIAL_WINDOW = 256 * 1024;
    /** Small enough for one Noise transport message (65535 bytes) including our frame header. */
    static final int MAX_DATA_FRAME = 16 * 1024;

    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final YamuxSession session;
    private final int id;
    private final boolean inbound;
    private final StreamConfig config;

    // Volatile where other threads ask (isOpen, isOutputShutdown...); only the loop writes them.
    private volatile boolean open = true;
    /** How many bytes the peer still lets us send (its receive window as we track it). */
    private long sendWindow = INITIAL_WINDOW;
    /** How many bytes we still let the peer send. */
    private long receiveWindow = INITIAL_WINDOW;
    /** Bytes handed to the pipeline (or dropped) since we last gave the peer window back. */
    private int consumedSinceUpdate;

    private final ArrayDeque<ByteBuf> received = new ArrayDeque<>();
    private boolean readPending;
    private boolean draining;
    /**
     * False on an outbound stream until it first writes. The caller of openStream may add its
     * handlers from another thread after the future completed; the peer may answer our SYN
     * before that, and the bytes would fall off the end of an empty pipeline. Every libp2p
     * stream opener speaks first (multistream-select), so holding the peer's data until then
     * costs nothing.
     */
    private boolean delivering;

    /** What the pipeline last heard through channelWritabilityChanged from us. */
    private boolean writableReported = true;
    private boolean writabilityCheckPending;

    private boolean finReceived;
    private volatile boolean inputShutdownFired;
    private volatile boolean inputShutdownLocally;

    private volatile boolean outputShutdown;
    private boolean finSent;
    private boolean resetReceived;
    private boolean sessionGone;
    private boolean closeStarted;
    private List<ChannelPromise> finPromises;

    YamuxStreamChannel(YamuxSession session, Channel parent, int id, boolean inbound) {
        super(parent);
        this.session = session;
        this.id = id;
        this.inbound = inbound;
        this.delivering = inbound;
        this.config = new StreamConfig(this);
        // Buffers written here end up in the parent's pipeline: allocate them as it does.
        config.setAllocator(parent.config().getAllocator());
        StreamReset.register(this, this::abort);
    }

    int streamId() {
        return id;
    }

    boolean isInbound() {
        return inbound;
    }

    long receiveWindow() {
        return receiveWindow;
    }

    // ---- calls from the session, on the event loop ----

    /** Takes ownership of {@code data}; the session has already checked it against the window. */
    void onData(ByteBuf data) {
        receiveWindow -= data.readableBytes();
        if (!open || finReceived || inputShutdownLocally) {
            // Nobody will read it, but the peer must not stall on a window we never give back.
            int n = data.readableBytes();
            data.release();
            consumed(n);
            return;
        }
        received.add(data);
        drain();
    }

    void onWindowUpdate(long delta) {
        if (delta <= 0 || !open) {
            return;
        }
        boolean wasBlocked = sendWindow <= 0;
        sendWindow += delta;
        if (wasBlocked) {
            ((StreamUnsafe) unsafe()).writeQueued();
            fireWritability();
        }
    }

    /**
     * Writable only while the peer's window has room, the connection is writable and our own
     * buffer is below its high water mark, as Netty's HTTP/2 child channels do: a handler that
     * stops writing (or reading, see the swarm) while unwritable then holds nothing for a peer that
     * does not read. Our own buffer's changes fire their event themselves.
     */
    @Override
    public boolean isWritable() {
        return open && sendWindow > 0 && parent().isWritable() && super.isWritable();
    }

    @Override
    public long bytesBeforeUnwritable() {
        return isWritable() ? Math.min(super.bytesBeforeUnwritable(), sendWindow) : 0;
    }

    /** Tells the pipeline when the window changed whether we are writable. */
    void updateWritability() {
        if (!open) {
            return;
        }
        boolean writable = isWritable();
        if (writable != writableReported) {
            writableReported = writable;
            pipeline().fireChannelWritabilityChanged();
        }
    }

    /**
     * Fires channelWritabilityChanged whatever we last reported: our own buffer fires the event
     * too, without us, so what we last reported may be stale, and a handler that paused on an
     * event we did not fire (or when it was added) must still hear that we are writable again.
     * Called when the connection's writability or a used-up window changed; a redundant event
     * costs a handler one look at {@code isWritable()}.
     */
    void fireWritability() {
        if (open) {
            writableReported = isWritable();
            pipeline().fireChannelWritabilityChanged();
        }
    }

    /**
     * {@link #updateWritability()} from within a write: a handler that writes on the event would
     * find the flush in progress and its data left unflushed, so the event goes out in a task of
     * its own, as Netty's outbound buffer does it.
     */
    private void updateWritabilityLater() {
        if (open && !writabilityCheckPending && isWritable() != writableReported) {
            writabilityCheckPending = true;
            eventLoop().execute(() -> {
                writabilityCheckPending = false;
                updateWritability();
            });
        }
    }

    void onFin() {
        if (!open || finReceived) {
            return;
        }
        finReceived = true;
        drain();
    }

    /** The peer abandoned the stream: not an error for our handlers, just the end. */
    void onReset() {
        if (!open) {
            return;
        }
        resetReceived = true;
        unsafe().close(unsafe().voidPromise());
    }

    /** Resets the stream from our side, without the FIN a close would send. */
    void abort() {
        if (!open) {
            return;
        }
        if (!sessionGone && !resetReceived) {
            session.writeControl(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_RST, id, 0);
        }
        resetReceived = true; // nothing more goes out for this stream
        unsafe().close(unsafe().voidPromise());
    }

    /** The connection is gone or the session left the pipeline: nothing more can be sent. */
    void onSessionGone() {
        sessionGone = true;
        if (open) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    // ---- reading ----

    private void drain() {
        if (draining || !delivering) {
            return;
        }
        draining = true;
        try {
            boolean again = true;
            while (again && open) {
                boolean delivered = false;
                while (readPending && open && !received.isEmpty()) {
                    if (!config.isAutoRead()) {
                        readPending = false;
                    }
                    ByteBuf data = received.poll();
                    // Counted as consumed when handed over: the pipeline now owns it.
                    consumed(data.readableBytes());
                    delivered = true;
                    pipeline().fireChannelRead(data);
                }
                if (delivered && open) {
                    pipeline().fireChannelReadComplete();
                }
                if (open && received.isEmpty() && finReceived && !inputShutdownFired
                        && !inputShutdownLocally) {
                    inputShutdownFired = true;
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    if (open) {
                        pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
                    }
                    closeIfDoneBothWays();
                }
                again = readPending && !received.isEmpty();
            }
        } finally {
            draining = false;
        }
    }

    private void consumed(int bytes) {
        consumedSinceUpdate += bytes;
        // Half the window, as the spec suggests: few updates, and the peer never stalls long.
        if (consumedSinceUpdate >= INITIAL_WINDOW / 2 && !finReceived && !resetReceived
                && !sessionGone && open) {
            int delta = consumedSinceUpdate;
            consumedSinceUpdate = 0;
            receiveWindow += delta;
            session.writeControl(YamuxSession.TYPE_WINDOW_UPDATE, 0, id, delta);
        }
    }

    private void startDelivering() {
        if (!delivering) {
            delivering = true;
            if (!received.isEmpty() || finReceived) {
                // Not from inside the write that got us here: handlers expect reads on their own.
                eventLoop().execute(this::drain);
            }
        }
    }

    void clearReadPending() {
        readPending = false;
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        drain();
    }

    // ---- writing ----

    @Override
    protected Object filterOutboundMessage(Object msg) throws Exception {
        startDelivering();
        if (outputShutdown) {
            throw new ChannelOutputShutdownException("Yamux stream " + id + " output was shut down");
        }
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException(
                "Yamux streams carry ByteBufs only, not " + msg.getClass().getName());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        boolean wrote = false;
        while (open && !sessionGone) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            ByteBuf buf = (ByteBuf) msg;
            int readable = buf.readableBytes();
            if (readable == 0) {
                in.remove();
                continue;
            }
            if (sendWindow <= 0) {
                break; // the rest waits for a window update; the buffer keeps it
            }
            int n = (int) Math.min(Math.min(readable, sendWindow), MAX_DATA_FRAME);
            ByteBuf slice = buf.retainedSlice(buf.readerIndex(), n);
            sendWindow -= n;
            session.writeData(id, slice);
            wrote = true;
            // Completes the promises of fully handed-over buffers, in order.
            in.removeBytes(n);
        }
        if (wrote) {
            session.flush();
        }
        if (outputShutdown && !finSent && open && in.isEmpty()) {
            sendFin();
        }
        updateWritabilityLater();
    }

    private void sendFin() {
        finSent = true;
        if (!sessionGone) {
            session.writeControl(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_FIN, id, 0);
        }
        List<ChannelPromise> promises = finPromises;
        finPromises = null;
        if (promises != null) {
            for (ChannelPromise p : promises) {
                p.trySuccess();
            }
        }
        closeIfDoneBothWays();
    }

    private void closeIfDoneBothWays() {
        if (open && finSent && (inputShutdownFired || inputShutdownLocally) && !closeStarted) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    // ---- DuplexChannel ----

    @Override
    public boolean isInputShutdown() {
        return inputShutdownFired || inputShutdownLocally || !open;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        onLoop(() -> {
            if (!open) {
                promise.tryFailure(new ClosedChannelException());
                return;
            }
            if (!inputShutdownLocally && !inputShutdownFired) {
                inputShutdownLocally = true;
                int dropped = 0;
                ByteBuf b;
                while ((b = received.poll()) != null) {
                    dropped += b.readableBytes();
                    b.release();
                }
                consumed(dropped);
            }
            promise.trySuccess();
            closeIfDoneBothWays();
        });
        return promise;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !open;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    /** Sends FIN once every byte written before this call has been handed to the parent. */
    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        onLoop(() -> {
            if (finSent) {
                promise.trySuccess();
                return;
            }
            if (!open) {
                promise.tryFailure(new ClosedChannelException());
                return;
            }
            if (finPromises == null) {
                finPromises = new ArrayList<>(1);
            }
            finPromises.add(promise);
            startDelivering();
            if (!outputShutdown) {
                // Flush through the pipeline so that handlers holding writes release them first.
                pipeline().flush();
                outputShutdown = true;
                ChannelOutboundBuffer buffer = unsafe().outboundBuffer();
                if (open && !finSent && (buffer == null || buffer.isEmpty())) {
                    sendFin();
                }
            }
        });
        return promise;
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture output = shutdownOutput();
        ChannelFuture input = shutdownInput();
        output.addListener(o -> input.addListener(i -> {
            Throwable cause = o.cause() != null ? o.cause() : i.cause();
            if (cause == null) {
                promise.trySuccess();
            } else {
                promise.tryFailure(cause);
            }
        }));
        return promise;
    }

    private void onLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    // ---- lifecycle ----

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        // The session registers us on the parent's loop, which is what makes locks unnecessary.
        return parent() == null || loop == parent().eventLoop();
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("Yamux streams cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException("Yamux streams cannot be disconnected");
    }

    @Override
    protected void doClose() {
        open = false;
        ByteBuf b;
        while ((b = received.poll()) != null) {
            b.release();
        }
        List<ChannelPromise> promises = finPromises;
        finPromises = null;
        if (promises != null) {
            ClosedChannelException closed = new ClosedChannelException();
            for (ChannelPromise p : promises) {
                p.tryFailure(closed);
            }
        }
        session.streamClosed(this);
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public String toString() {
        return "[yamux stream " + Integer.toUnsignedString(id) + (inbound ? " in" : " out")
                + " on " + parent() + "]";
    }

    private final class StreamUnsafe extends AbstractUnsafe {

        void writeQueued() {
            flush0();
        }

        @Override
        public void close(ChannelPromise promise) {
            if (open && !closeStarted) {
                closeStarted = true;
                finishOrReset();
            }
            super.close(promise);
        }

        private void finishOrReset() {
            if (sessionGone || resetReceived) {
                return;
            }
            flush0(); // whatever the window allows goes out before we decide FIN or RST
            if (finSent) {
                return;
            }
            ChannelOutboundBuffer buffer = outboundBuffer();
            if (buffer != null && !buffer.isEmpty()) {
                finSent = true;
                session.writeControl(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_RST, id, 0);
            } else {
                finSent = true;
                session.writeControl(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_FIN, id, 0);
            }
        }

        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("Yamux streams are opened by the session"));
        }
    }

    private final class StreamConfig extends DefaultChannelConfig {

        StreamConfig(Channel channel) {
            super(channel);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                return (T) Boolean.TRUE;
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                return true; // half-closure is how these streams always behave
            }
            return super.setOption(option, value);
        }

        @Override
        protected void autoReadCleared() {
            clearReadPending();
        }
    }
}
