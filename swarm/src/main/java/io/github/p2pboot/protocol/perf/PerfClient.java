package io.github.p2pboot.protocol.perf;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The client side of {@link Perf}. */
final class PerfClient extends ChannelInboundHandlerAdapter {

    private final Stream stream;
    private final long uploadBytes;
    private final long downloadBytes;
    private final long startedAt;
    private final CompletableFuture<Perf.Result> result = new CompletableFuture<>();
    private long received;
    private boolean uploadEnded;

    private PerfClient(Stream stream, long uploadBytes, long downloadBytes, long startedAt) {
        this.stream = stream;
        this.uploadBytes = uploadBytes;
        this.downloadBytes = downloadBytes;
        this.startedAt = startedAt;
    }

    static CompletableFuture<Perf.Result> run(Connection connection, long uploadBytes, long downloadBytes) {
        long startedAt = System.nanoTime();
        return connection.newStream(Perf.PROTOCOL_ID).thenCompose(stream -> {
            PerfClient client = new PerfClient(stream, uploadBytes, downloadBytes, startedAt);
            stream.channel().pipeline().addLast(client);
            client.start();
            return client.result;
        });
    }

    private void start() {
        var channel = stream.channel();
        channel.writeAndFlush(channel.alloc().buffer(Long.BYTES).writeLong(downloadBytes), channel.voidPromise());
        BulkWriter.write(stream, uploadBytes).whenComplete((sent, failure) -> {
            if (failure != null) {
                fail(new IOException("perf upload to " + stream.remotePeer() + " failed", failure));
            } else if (channel instanceof DuplexChannel duplex) {
                // The end of our side tells the server the upload is complete.
                channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(written -> {
                    if (written.isSuccess()) {
                        uploadEnded = true;
                        duplex.shutdownOutput();
                    }
                });
            } else {
                fail(new IOException("perf needs a stream that can end one side, got " + channel.getClass().getSimpleName()));
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        received += data.readableBytes();
        data.release();
        if (received > downloadBytes) {
            fail(new IOException("perf server " + stream.remotePeer() + " sent more than the " + downloadBytes + " bytes asked for"));
        }
    }

    /** The server's end of the stream (FIN, not a reset): the exchange is complete. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            finish();
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new IOException("perf stream to " + stream.remotePeer() + " closed after " + received + " of " + downloadBytes
                + " bytes without the server ending it (reset, or the connection closed)"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(new IOException("perf stream to " + stream.remotePeer() + " failed", cause));
    }

    private void finish() {
        if (result.isDone()) {
            return;
        }
        if (!uploadEnded) {
            fail(new IOException("perf server " + stream.remotePeer() + " ended the stream before the upload was complete"));
            return;
        }
        if (received != downloadBytes) {
            fail(new IOException("perf stream to " + stream.remotePeer() + " ended after " + received + " of " + downloadBytes + " bytes"));
            return;
        }
        result.complete(new Perf.Result(uploadBytes, received, Duration.ofNanos(System.nanoTime() - startedAt)));
        stream.close();
    }

    private void fail(IOException failure) {
        if (result.completeExceptionally(failure)) {
            stream.close();
        }
    }
}
