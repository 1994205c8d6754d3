package io.github.p2pboot.security.noise;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.transport.PeerIdMismatchException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the XX handshake on length-prefixed frames, then replaces itself with a
 * {@link NoiseTransportCodec}; bytes that arrived behind the last handshake message go on to that codec.
 */
final class NoiseHandshakeHandler extends ByteToMessageDecoder implements ChannelOutboundHandler {

    private static final Logger log = LoggerFactory.getLogger(NoiseHandshakeHandler.class);

    private final PrivateKey hostKey;
    private final PeerId expectedRemote;
    private final HandshakeState handshake;
    private final CompletableFuture<PeerId> result;
    private PeerId remote;

    NoiseHandshakeHandler(PrivateKey hostKey, boolean initiator, PeerId expectedRemote, CompletableFuture<PeerId> result) {
        this(hostKey, initiator, expectedRemote, result, X25519.generateKeyPair());
    }

    NoiseHandshakeHandler(PrivateKey hostKey, boolean initiator, PeerId expectedRemote, CompletableFuture<PeerId> result,
            KeyPair noiseStaticKey) {
        this.hostKey = hostKey;
        this.expectedRemote = expectedRemote;
        this.handshake = new HandshakeState(initiator, noiseStaticKey);
        this.result = result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        // The caller may end the handshake itself (orTimeout, cancel): the connection goes too.
        result.whenComplete((peer, failure) -> {
            if (failure != null) {
                ctx.channel().close();
            }
        });
        if (!ctx.channel().isActive()) {
            fail(ctx, new NoiseHandshakeException("channel " + ctx.channel() + " is not active"));
            return;
        }
        if (handshake.isInitiator()) {
            try {
                sendMessage(ctx, new byte[0]);
            } catch (NoiseHandshakeException e) {
                fail(ctx, e);
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        while (!result.isDone() && in.readableBytes() >= 2) {
            int length = in.getUnsignedShort(in.readerIndex());
            if (in.readableBytes() < 2 + length) {
                return;
            }
            in.skipBytes(2);
            byte[] message = new byte[length];
            in.readBytes(message);
            try {
                onMessage(ctx, message);
            } catch (NoiseHandshakeException e) {
                in.skipBytes(in.readableBytes());
                fail(ctx, e);
                return;
            }
            if (handshake.isComplete()) {
                finish(ctx);
                return;
            }
        }
        if (result.isDone()) {
            // Failed already; the channel is closing and nothing more means anything.
            in.skipBytes(in.readableBytes());
        }
    }

    private void onMessage(ChannelHandlerContext ctx, byte[] message) throws NoiseHandshakeException {
        int number = handshake.nextMessage();
        byte[] payload = handshake.readMessage(message);
        // Message 1 carries no identity; messages 2 and 3 each carry the sender's.
        if (number >= 2) {
            remote = HandshakePayloads.verify(payload, handshake.remoteStaticPublicKey());
            if (expectedRemote != null && !expectedRemote.equals(remote)) {
                PeerIdMismatchException mismatch = new PeerIdMismatchException(expectedRemote, remote,
                        String.valueOf(ctx.channel().remoteAddress()));
                throw new NoiseHandshakeException("key of an unexpected peer: expected " + expectedRemote
                        + " but the remote authenticated as " + remote, mismatch);
            }
        }
        if (handshake.isMyTurn()) {
            sendMessage(ctx, HandshakePayloads.create(hostKey, handshake.localStaticPublicKey()));
        }
    }

    private void sendMessage(ChannelHandlerContext ctx, byte[] payload) throws NoiseHandshakeException {
        byte[] message = handshake.writeMessage(payload);
        ByteBuf frame = ctx.alloc().buffer(2 + message.length);
        frame.writeShort(message.length).writeBytes(message);
        ctx.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new NoiseHandshakeException("sending a handshake message failed: " + f.cause(), f.cause()));
            }
        });
    }

    private void finish(ChannelHandlerContext ctx) {
        CipherState[] ciphers = handshake.split();
        // Replacing from within decode: ByteToMessageDecoder hands any remaining bytes to the codec
        // once decode returns, i.e. after the future's callbacks had the chance to add their handlers.
        ctx.pipeline().replace(this, null, new NoiseTransportCodec(ciphers[0], ciphers[1]));
        log.debug("noise handshake with {} done on {}", remote, ctx.channel());
        result.complete(remote);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (result.isDone()) {
            return;
        }
        NoiseHandshakeException failure = cause instanceof NoiseHandshakeException n ? n
                : new NoiseHandshakeException("noise handshake failed: " + cause, cause);
        log.debug("noise handshake on {} failed: {}", ctx.channel(), failure.getMessage());
        ctx.close();
        result.completeExceptionally(failure);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (!result.isDone()) {
            fail(ctx, new NoiseHandshakeException("noise handshake handler removed before the handshake finished"));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, new NoiseHandshakeException("connection closed during the noise handshake, before message "
                + handshake.nextMessage() + " of 3 was " + (handshake.isMyTurn() ? "sent" : "received")));
        super.channelInactive(ctx);
    }

    /** Refused: before the handshake ends there are no keys, and the bytes would leave in the clear. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        promise.setFailure(new NoiseHandshakeException("cannot write before the noise handshake is finished"));
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!result.isDone()) {
            fail(ctx, cause);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
