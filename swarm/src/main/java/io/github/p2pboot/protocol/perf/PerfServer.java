package io.github.p2pboot.protocol.perf;

import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.transport.StreamEnds;
import io.github.p2pboot.transport.StreamReset;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server side of {@link Perf}: one {@link Exchange} per inbound stream. */
final class PerfServer implements ProtocolHandler {

    private static final Logger log = LoggerFactory.getLogger(PerfServer.class);

    private final long maxBytes;

    PerfServer(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public String protocolId() {
        return Perf.PROTOCOL_ID;
    }

    @Override
    public void handleStream(Stream stream) {
        stream.channel().pipeline().addLast(new Exchange(stream, maxBytes));
    }

    /** Reads the request and the upload, counting and discarding, then sends what was asked for. */
    private static final class Exchange extends ChannelInboundHandlerAdapter {
        private final Stream stream;
        private final long maxBytes;
        /** The big-endian request as it arrives, one byte at a time at worst. */
        private long requested;
        private int headerBytes;
        private long uploaded;
        private boolean sending;

        Exchange(Stream stream, long maxBytes) {
            this.stream = stream;
            this.maxBytes = maxBytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            try {
                if (sending) {
                    return;
                }
                while (headerBytes < Long.BYTES && data.isReadable()) {
                    requested = (requested << 8) | data.readUnsignedByte();
                    headerBytes++;
                    if (headerBytes == Long.BYTES && Long.compareUnsigned(requested, maxBytes) > 0) {
                        refuse(ctx, "asked for " + Long.toUnsignedString(requested) + " bytes, more than the limit of " + maxBytes);
                        return;
                    }
                }
                uploaded += data.readableBytes();
                if (uploaded > maxBytes) {
                    refuse(ctx, "uploaded more than the limit of " + maxBytes + " bytes");
                }
            } finally {
                data.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (!(event instanceof ChannelInputShutdownEvent) || sending) {
                ctx.fireUserEventTriggered(event);
                return;
            }
            if (headerBytes < Long.BYTES) {
                refuse(ctx, "ended the stream within the 8-byte request (" + headerBytes + " bytes)");
                return;
            }
            // The spec: the answer goes out only after the upload has ended, never alongside it.
            sending = true;
            BulkWriter.write(stream, requested).whenComplete((sent, failure) -> {
                if (failure != null) {
                    log.debug("perf stream from {}: sending failed: {}", stream.remotePeer(), failure.toString());
                    StreamReset.reset(ctx.channel());
                } else {
                    StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                }
            });
        }

        private void refuse(ChannelHandlerContext ctx, String why) {
            // Peer-caused: DEBUG only, the log is not the peer's to fill.
            log.debug("perf stream from {} reset: {}", stream.remotePeer(), why);
            sending = true;
            StreamReset.reset(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("perf stream from {} failed: {}", stream.remotePeer(), cause.toString());
            StreamReset.reset(ctx.channel());
        }
    }
}
