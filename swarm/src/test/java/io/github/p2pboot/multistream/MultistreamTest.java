package io.github.p2pboot.multistream;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.codec.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MultistreamTest {

    private static final String PING = "/ipfs/ping/1.0.0";

    @Test
    void headerIsEncodedAsTheSpecShows() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));

        ByteBuf header = listener.readOutbound();

        assertThat(ByteBufUtil.hexDump(header)).isEqualTo("13" + ByteBufUtil.hexDump("/multistream/1.0.0\n".getBytes(StandardCharsets.UTF_8)));
        header.release();
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
    }

    @Test
    void bytesAfterTheEchoReachTheNextHandler() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));
        dialer.readOutbound();
        ByteBuf answer = message("/multistream/1.0.0");
        answer.writeBytes(message(PING));
        answer.writeBytes("payload".getBytes(StandardCharsets.UTF_8));

        dialer.writeInbound(answer);

        assertThat(selected).isCompletedWithValue(PING);
        ByteBuf leftover = dialer.readInbound();
        assertThat(leftover.toString(StandardCharsets.UTF_8)).isEqualTo("payload");
        leftover.release();
    }

    @Test
    void noCommonProtocolFailsNamingTheProposals() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of("/a/1", "/b/1"), selected));

        pump(dialer, listener);

        assertThat(selected).isCompletedExceptionally();
        assertThat(selected.handle((v, e) -> e.getMessage()).join()).contains("none of [/a/1, /b/1]");
        assertThat(dialer.isOpen()).isFalse();
        assertThat(listener.isOpen()).isTrue();
    }

    @Test
    void oversizedMessageClosesTheStream() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));
        ByteBuf oversized = Unpooled.buffer();
        Varint.write(Messages.MAX_MESSAGE_LENGTH + 1, oversized);

        listener.writeInbound(oversized);

        assertThat(listener.isOpen()).isFalse();
    }

    @Test
    void wrongHeaderClosesTheStream() {
        CompletableFuture<String> selected = new CompletableFuture<>();
        EmbeddedChannel dialer = new EmbeddedChannel(new MultistreamDialer(List.of(PING), selected));

        dialer.writeInbound(message("/multistream/2.0.0"));

        assertThat(selected.handle((v, e) -> e.getMessage()).join()).contains("expected multistream header");
        assertThat(dialer.isOpen()).isFalse();
    }

    @Test
    void messageWithoutNewlineClosesTheStream() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));
        ByteBuf noNewline = Unpooled.buffer();
        Varint.write(3, noNewline);
        noNewline.writeBytes("abc".getBytes(StandardCharsets.UTF_8));

        listener.writeInbound(noNewline);

        assertThat(listener.isOpen()).isFalse();
    }

    @Test
    void truncatedMessageWaitsForTheRest() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> true, (ctx, p) -> { }));
        ByteBuf header = message("/multistream/1.0.0");

        listener.writeInbound(header.readRetainedSlice(5));

        assertThat(listener.isOpen()).isTrue();
        assertThat(listener.pipeline().get(MultistreamListener.class)).isNotNull();
        header.release();
    }

    @Test
    void tooManyRefusalsCloseTheStream() {
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamListener(p -> false, (ctx, p) -> { }));
        ByteBuf proposals = message("/multistream/1.0.0");
        for (int i = 0; i <= MultistreamListener.MAX_REFUSALS; i++) {
            proposals.writeBytes(message("/nope/" + i));
        }

        listener.writeInbound(proposals);

        assertThat(listener.isOpen()).isFalse();
    }

    private static ByteBuf message(String text) {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer();
        Varint.write(bytes.length, buf);
        buf.writeBytes(bytes);
        return buf;
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
}
