package io.github.p2pboot.multistream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.p2pboot.codec.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class MultistreamTest {

    private static final String PING = "/ipfs/ping/1.0.0";
    private static final String HEADER_HEX = "13" + hex("/multistream/1.0.0\n");

    private final ListAppender<ILoggingEvent> listenerLog = new ListAppender<>();

    @BeforeEach
    void captureListenerLog() {
        listenerLog.start();
        ((Logger) LoggerFactory.getLogger(MultistreamListener.class)).addAppender(listenerLog);
    }

    @AfterEach
    void releaseListenerLog() {
        ((Logger) LoggerFactory.getLogger(MultistreamListener.class)).detachAppender(listenerLog);
    }

    @Test
    void listenerSendsItsHeaderOnceAsTheSpecShows() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));

        assertThat(readAllOutboundHex(listener)).isEqualTo(HEADER_HEX);
    }

    @Test
    void handlersAddedToAnActiveChannelStartAtOnce() {
        EmbeddedChannel listener = new EmbeddedChannel();
        EmbeddedChannel dialer = new EmbeddedChannel();

        listener.pipeline().addLast(new MultistreamListener(p -> false, (ctx, p) -> { }));
        dialer.pipeline().addLast(new MultistreamDialer(List.of(PING), new CompletableFuture<>()));

        assertThat(readAllOutboundHex(listener)).isEqualTo(HEADER_HEX);
        assertThat(readAllOutboundHex(dialer)).isEqualTo(HEADER_HEX + "11" + hex(PING + "\n"));
    }

    @Test
    void dialerSendsHeaderAndFirstProposalTogether() {
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING, "/other/1"), new CompletableFuture<>()));

        ByteBuf first = dialer.readOutbound();

        assertThat(ByteBufUtil.hexDump(first)).isEqualTo(HEADER_HEX + "11" + hex(PING + "\n"));
        assertThat((Object) dialer.readOutbound()).isNull();
        first.release();
    }

    @Test
    void exactBytesOfARefusalAndAnAcceptance() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(Set.of(PING)::contains, (ctx, p) -> { }));
        readAllOutboundHex(listener);

        listener.writeInbound(messages("/multistream/1.0.0", "/nope/1"));
        assertThat(readAllOutboundHex(listener)).isEqualTo("036e610a");

        listener.writeInbound(messages(PING));
        assertThat(readAllOutboundHex(listener)).isEqualTo("11" + hex(PING + "\n"));
    }

    @Test
    void lsIsAnsweredWithNa() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));
        readAllOutboundHex(listener);

        listener.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex(HEADER_HEX + "036c730a")));

        assertThat(readAllOutboundHex(listener)).isEqualTo("036e610a");
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNotNull();
    }

    @Test
    void dialerAndListenerAgreeAfterARefusal() {
        AtomicReference<String> selectedByListener = new AtomicReference<>();
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(Set.of(PING)::contains,
                (ctx, protocol) -> selectedByListener.set(protocol)));
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of("/unknown/1.0.0", PING), selected));

        pump(dialer, listener);

        assertThat(selected).isCompletedWithValue(PING);
        assertThat(selectedByListener.get()).isEqualTo(PING);
        assertThat(dialer.pipeline().get(MultistreamDialer.class)).isNull();
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNull();
        assertThat(dialer.isOpen()).isTrue();
        assertThat(listener.isOpen()).isTrue();
    }

    @Test
    void bytesAfterTheEchoReachTheHandlerAddedWhenTheFutureCompletes() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));
        Received application = new Received();
        selected.thenAccept(protocol -> dialer.pipeline().addLast(application));
        readAllOutboundHex(dialer);
        ByteBuf answer = messages("/multistream/1.0.0", PING);
        answer.writeBytes("payload".getBytes(StandardCharsets.UTF_8));

        dialer.writeInbound(answer);
        dialer.writeInbound(Unpooled.copiedBuffer(" and more", StandardCharsets.UTF_8));

        assertThat(selected).isCompletedWithValue(PING);
        assertThat(application.text()).isEqualTo("payload and more");
        assertThat(dialer.pipeline().get(MultistreamDialer.class)).isNull();
    }

    @Test
    void bytesAfterTheAcceptedProposalReachTheHandlerOnSelectedAdded() {
        Received application = new Received();
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(Set.of(PING)::contains,
                (ctx, protocol) -> ctx.pipeline().addLast(application)));
        ByteBuf proposal = messages("/multistream/1.0.0", PING);
        proposal.writeBytes("ping bytes".getBytes(StandardCharsets.UTF_8));

        listener.writeInbound(proposal);

        assertThat(application.text()).isEqualTo("ping bytes");
        assertThat(readAllOutboundHex(listener)).isEqualTo(HEADER_HEX + "11" + hex(PING + "\n"));
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNull();
    }

    @Test
    void noCommonProtocolFailsNamingTheProposals() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of("/a", "/b"), selected));

        pump(dialer, listener);

        assertThat(failure(selected)).isInstanceOf(ProtocolNegotiationException.class).hasMessage("peer supports none of [/a, /b]");
        assertThat(dialer.isOpen()).isFalse();
        assertThat(listener.isOpen()).isTrue();
    }

    /** Each bad answer is preceded by a good header unless the header itself is the problem. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "132f6d756c746973747265616d2f322e302e300a | expected multistream header /multistream/1.0.0, got '/multistream/2.0.0'",
        "HEADER 8108 | multistream message of 1025 bytes exceeds the limit of 1024",
        "HEADER 03616263 | multistream message does not end with a newline",
        "HEADER 00 | empty multistream message",
        "HEADER 8000 | invalid multistream message length: varint is not minimally encoded",
        "HEADER ffffffffffffffffff | invalid multistream message length: varint is longer than 9 bytes",
        "HEADER 03ff fe0a | multistream message is not valid UTF-8",
        "HEADER 036c730a | peer answered 'ls' to the proposal of /ipfs/ping/1.0.0",
    })
    void badAnswerFailsTheDialerAndClosesTheStream(String input, String message) {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));

        dialer.writeInbound(bytes(input));

        assertThat(failure(selected)).isInstanceOf(ProtocolNegotiationException.class).hasMessage(message);
        assertThat(dialer.isOpen()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "036e610a | expected multistream header /multistream/1.0.0, got 'na'",
        "HEADER 8108 | multistream message of 1025 bytes exceeds the limit of 1024",
        "HEADER 03616263 | multistream message does not end with a newline",
        "HEADER 8000 | invalid multistream message length: varint is not minimally encoded",
        "HEADER 03ff fe0a | multistream message is not valid UTF-8",
    })
    void badProposalClosesTheListenersStream(String input, String message) {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));

        listener.writeInbound(bytes(input));

        assertThat(listener.isOpen()).isFalse();
        assertThat(listenerLog.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.endsWith(": " + message));
    }

    @Test
    void messagesUpToTheLimitAreAccepted() {
        String longest = "/" + "x".repeat(Messages.MAX_MESSAGE_LENGTH - 2);
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(longest::equals, (ctx, p) -> { }));
        readAllOutboundHex(listener);

        listener.writeInbound(messages("/multistream/1.0.0", longest));

        assertThat(readAllOutboundHex(listener)).startsWith("8008");
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNull();
    }

    @Test
    void truncatedMessageWaitsForTheRest() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(Set.of(PING)::contains, (ctx, p) -> { }));
        ByteBuf proposal = messages("/multistream/1.0.0", PING);

        while (proposal.readableBytes() > 1) {
            listener.writeInbound(proposal.readRetainedSlice(1));
            assertThat(listener.pipeline().get(MultistreamListener.class)).isNotNull();
        }
        listener.writeInbound(proposal);

        assertThat(listener.isOpen()).isTrue();
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNull();
    }

    @Test
    void thirtyTwoRefusalsAreAllowedButNotMore() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));
        listener.writeInbound(messages("/multistream/1.0.0"));
        for (int i = 0; i < MultistreamListener.MAX_REFUSALS; i++) {
            listener.writeInbound(messages("/nope/" + i));
        }
        assertThat(listener.isOpen()).isTrue();

        listener.writeInbound(messages("/one/too/many"));

        assertThat(listener.isOpen()).isFalse();
        assertThat(listenerLog.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.endsWith(": peer proposed more than 32 unsupported protocols"));
    }

    @Test
    void inputShutdownDuringNegotiationClosesTheStream() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));

        dialer.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        listener.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(failure(selected)).hasMessage("stream closed by the peer during protocol negotiation of [/ipfs/ping/1.0.0]");
        assertThat(dialer.isOpen()).isFalse();
        assertThat(listener.isOpen()).isFalse();
        assertThat(listenerLog.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.endsWith(": stream closed by the peer before a protocol was agreed"));
    }

    @Test
    void closedStreamFailsTheDialer() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));

        dialer.close();

        assertThat(failure(selected)).isInstanceOf(ProtocolNegotiationException.class)
                .hasMessage("stream closed during protocol negotiation of [/ipfs/ping/1.0.0]");
    }

    @Test
    void afterACallerTimeoutTheDialerIgnoresInput() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));
        selected.cancel(false);

        dialer.writeInbound(messages("/multistream/1.0.0", PING));

        assertThat(dialer.pipeline().get(MultistreamDialer.class)).isNotNull();
        assertThat((Object) dialer.readInbound()).isNull();
    }

    private static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        return future.handle((v, e) -> e).join();
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Hex with HEADER standing for the encoded multistream header; spaces are ignored. */
    private static ByteBuf bytes(String spec) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(spec.replace("HEADER", HEADER_HEX).replace(" ", "")));
    }

    private static ByteBuf messages(String... texts) {
        ByteBuf buf = Unpooled.buffer();
        for (String text : texts) {
            byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
            Varint.write(bytes.length, buf);
            buf.writeBytes(bytes);
        }
        return buf;
    }

    private static String readAllOutboundHex(EmbeddedChannel channel) {
        StringBuilder hex = new StringBuilder();
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            hex.append(ByteBufUtil.hexDump(out));
            out.release();
        }
        return hex.toString();
    }

    /** Moves bytes between the two channels until neither has anything to send. */
    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (int round = 0; round < 20; round++) {
            boolean moved = false;
            for (Object out; (out = a.readOutbound()) != null; moved = true) {
                b.writeInbound(out);
            }
            for (Object out; (out = b.readOutbound()) != null; moved = true) {
                a.writeInbound(out);
            }
            if (!moved) {
                return;
            }
        }
    }

    /** Stands in for the application protocol's handler: collects what reaches it. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        private final List<String> chunks = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            chunks.add(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }

        String text() {
            return String.join("", chunks);
        }
    }
}
