package io.github.p2pboot.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.JsPeer;
import io.github.p2pboot.multistream.MultistreamDialer;
import io.github.p2pboot.multistream.MultistreamListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our Noise against js-libp2p's ({@code @chainsafe/libp2p-noise}) over TCP, both roles: after the
 * handshake, multistream-select for the muxer runs inside the encrypted channel, which proves the
 * transport codec in both directions. No muxer is spoken beyond that.
 */
class NoiseJsInteropIT {

    private static JsPeer js;
    private static final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    static void start() {
        js = JsPeer.start(JsPeer.options().tcp(true));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (js != null) {
            js.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void weDialJs() throws Exception {
        Matcher port = Pattern.compile("/tcp/(\\d+)").matcher(js.tcpAddress());
        assertThat(port.find()).isTrue();
        PrivateKey key = PrivateKey.generateEd25519();
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect("127.0.0.1", Integer.parseInt(port.group(1))).sync().channel();
        try {
            CompletableFuture<String> muxer = channel.eventLoop().submit(() -> {
                CompletableFuture<String> security = new CompletableFuture<>();
                CompletableFuture<String> selected = new CompletableFuture<>();
                security.thenCompose(id -> NoiseSecurity.secure(channel, key, true, PeerId.parse(js.peerId())))
                        .whenComplete((peer, failure) -> {
                            if (failure != null) {
                                selected.completeExceptionally(failure);
                            } else {
                                channel.pipeline().addLast(new MultistreamDialer(List.of("/yamux/1.0.0"), selected));
                            }
                        });
                channel.pipeline().addLast(new MultistreamDialer(List.of(NoiseSecurity.PROTOCOL_ID), security));
                return selected;
            }).get(5, TimeUnit.SECONDS);

            assertThat(muxer.get(10, TimeUnit.SECONDS)).isEqualTo("/yamux/1.0.0");
        } finally {
            channel.close().sync();
        }
    }

    @Test
    void jsDialsUs() throws Exception {
        PrivateKey key = PrivateKey.generateEd25519();
        CompletableFuture<PeerId> remote = new CompletableFuture<>();
        CompletableFuture<String> muxerProposal = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        Channel channel = ctx.channel();
                        channel.pipeline().addLast(new MultistreamListener(NoiseSecurity.PROTOCOL_ID::equals, (c, id) ->
                                NoiseSecurity.secure(channel, key, false, null).whenComplete((peer, failure) -> {
                                    if (failure != null) {
                                        remote.completeExceptionally(failure);
                                        return;
                                    }
                                    remote.complete(peer);
                                    channel.pipeline().addLast(new MultistreamListener(p -> p.startsWith("/yamux/"),
                                            (c2, muxer) -> muxerProposal.complete(muxer)));
                                })));
                        ctx.fireChannelActive();
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            CompletableFuture<Void> dial = CompletableFuture.runAsync(() -> {
                try {
                    js.dial("/ip4/127.0.0.1/tcp/" + port + "/p2p/" + key.peerId());
                } catch (RuntimeException expected) {
                    // We speak no yamux, so the js dial cannot finish; the handshake is what counts.
                }
            });

            assertThat(remote.get(10, TimeUnit.SECONDS).toString()).isEqualTo(js.peerId());
            assertThat(muxerProposal.get(10, TimeUnit.SECONDS)).startsWith("/yamux/");
            dial.cancel(true);
        } finally {
            server.close().sync();
        }
    }
}
