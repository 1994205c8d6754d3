package io.github.p2pboot.multistream;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.Capture;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.LogCapture;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes multistream-select on both sides, with the real {@link MultistreamListener} and
 * {@link MultistreamDialer} in a channel, against a model of the spec: a protocol is agreed exactly
 * when the model agrees one, the bytes after it reach the protocol's handler untouched, the answers
 * sent are the spec's, and bad input closes the stream with a reason that names the problem. No
 * exception reaches the end of the pipeline and every buffer is released.
 */
class MultistreamFuzzTest {

    private static final String PING = "/ipfs/ping/1.0.0";
    private static final String YAMUX = "/yamux/1.0.0";
    private static final Set<String> SUPPORTED = Set.of(PING, YAMUX);
    private static final List<String> PROPOSALS = List.of("/noise", YAMUX);
    private static final AtomicInteger TRIES = new AtomicInteger();

    private static LeakReports leaks;
    private static LogCapture log;

    @BeforeAll
    static void start() {
        leaks = new LeakReports();
        log = new LogCapture(MultistreamListener.class, MultistreamDialer.class);
    }

    @AfterAll
    static void noLeaks() {
        try {
            assertThat(leaks.collect()).isEmpty();
        } finally {
            leaks.close();
            log.close();
        }
    }

    @Test
    void listenerAgreesExactlyWhenTheSpecDoes() {
        Fuzz.forAll(proposals(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            AtomicReference<String> selected = new AtomicReference<>();
            Capture protocol = new Capture();
            EmbeddedChannel channel = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            channel.pipeline().addLast(new MultistreamListener(SUPPORTED::contains, (ctx, id) -> {
                assertThat(selected.getAndSet(id)).isNull();
                ctx.pipeline().addLast(protocol);
            }));
            log.clear();
            try {
                byte[] header = feeder.drainOutbound();
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                byte[] answers = feeder.drainOutbound();
                boolean open = channel.isOpen();
                feeder.finish();

                ListenerModel model = ListenerModel.of(input.bytes());
                assertThat(header).isEqualTo(encode(Messages.HEADER));
                assertThat(answers).isEqualTo(model.answers.toByteArray());
                assertThat(selected.get()).isEqualTo(model.selected);
                assertThat(open).isEqualTo(model.error == null);
                if (model.selected != null) {
                    assertThat(protocol.received()).isEqualTo(Arrays.copyOfRange(input.bytes(), model.consumed, input.bytes().length));
                    assertThat(channel.pipeline().get(MultistreamListener.class)).isNull();
                }
                if (model.error != null) {
                    assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("multistream-select failed").contains(model.error));
                }
                assertThat(feeder.escaped()).isEmpty();
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    @Test
    void dialerAgreesExactlyWhenTheSpecDoes() {
        Fuzz.forAll(answers(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            CompletableFuture<String> selected = new CompletableFuture<>();
            Capture protocol = new Capture();
            EmbeddedChannel channel = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            selected.thenAccept(id -> channel.pipeline().addLast(protocol));
            channel.pipeline().addLast(new MultistreamDialer(PROPOSALS, selected));
            log.clear();
            try {
                byte[] opening = feeder.drainOutbound();
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                byte[] proposals = feeder.drainOutbound();
                boolean open = channel.isOpen();
                boolean doneBeforeClose = selected.isDone();
                feeder.finish();

                DialerModel model = DialerModel.of(input.bytes());
                assertThat(opening).isEqualTo(concat(encode(Messages.HEADER), encode(PROPOSALS.get(0))));
                assertThat(proposals).isEqualTo(model.proposals.toByteArray());
                assertThat(open).isEqualTo(model.error == null);
                if (model.selected != null) {
                    assertThat(selected).isCompletedWithValue(model.selected);
                    assertThat(protocol.received()).isEqualTo(Arrays.copyOfRange(input.bytes(), model.consumed, input.bytes().length));
                    assertThat(channel.pipeline().get(MultistreamDialer.class)).isNull();
                } else if (model.error != null) {
                    assertThat(doneBeforeClose).isTrue();
                    assertThat(selected).isCompletedExceptionally();
                    Throwable cause = selected.handle((v, e) -> e).join();
                    assertThat(cause).isInstanceOf(ProtocolNegotiationException.class);
                    assertThat(cause.getMessage()).contains(model.error);
                } else {
                    // Still waiting when the stream closed: the close fails it, naming the negotiation.
                    assertThat(doneBeforeClose).isFalse();
                    Throwable cause = selected.handle((v, e) -> e).join();
                    assertThat(cause).isInstanceOf(ProtocolNegotiationException.class)
                            .hasMessageContaining("closed during protocol negotiation");
                }
                assertThat(feeder.escaped()).isEmpty();
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    Gen<Mutator.Input> proposals() {
        Gen<String> proposal = Gen.oneOf(Gen.of(PING, YAMUX, "ls", "/noise", "/other/1.0.0", "na"),
                Gen.strings(Gen.anyChar(), 0, 40).map(s -> "/" + s));
        return Mutator.inputs(Combinators3.messages(proposal, true));
    }

    Gen<Mutator.Input> answers() {
        Gen<String> answer = Gen.of("na", "/noise", YAMUX, PING, "ls");
        return Mutator.inputs(Combinators3.messages(answer, false));
    }

    /** Valid-looking negotiations: the header (usually), a few messages, and some protocol bytes after them. */
    private static final class Combinators3 {
        static Gen<byte[]> messages(Gen<String> message, boolean longOnes) {
            Gen<String> any = longOnes
                    ? Gen.frequency(Gen.weight(30, message),
                            Gen.weight(1, Gen.strings(Gen.asciiChar(), 1020, 1030)))
                    : message;
            Gen<List<String>> lists = any.list(0, 5);
            Gen<byte[]> trailers = Gen.bytes(0, 40);
            return r -> {
                        int headerChoice = r.nextInt(10);
                        List<String> list = lists.next(r);
                        byte[] trailer = trailers.next(r);
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        if (headerChoice > 0) {
                            out.writeBytes(encode(Messages.HEADER));
                        }
                        list.forEach(m -> out.writeBytes(encode(m)));
                        out.writeBytes(trailer);
                        return out.toByteArray();
                    };
        }
    }

    private static byte[] encode(String message) {
        byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
        return concat(Varint.encode(text.length), text);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** One message read from the input by the spec's rules: its text, or the problem, or neither if more bytes are needed. */
    private record Read(String text, String problem, int end) {
        static Read at(byte[] data, int at) {
            Varint.Decoded length;
            try {
                length = Varint.decode(data, at);
            } catch (IllegalArgumentException e) {
                return e.getMessage().startsWith("truncated") ? null : new Read(null, "invalid multistream message length", 0);
            }
            if (length.value() > Messages.MAX_MESSAGE_LENGTH) {
                return new Read(null, "exceeds the limit", 0);
            }
            if (length.value() == 0) {
                return new Read(null, "empty multistream message", 0);
            }
            int start = at + length.length();
            if (data.length - start < length.value()) {
                return null;
            }
            int end = start + (int) length.value();
            if (data[end - 1] != '\n') {
                return new Read(null, "does not end with a newline", 0);
            }
            try {
                String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(data, start, end - start - 1)).toString();
                return new Read(text, null, end);
            } catch (CharacterCodingException e) {
                return new Read(null, "not valid UTF-8", 0);
            }
        }
    }

    private static final class ListenerModel {
        final ByteArrayOutputStream answers = new ByteArrayOutputStream();
        String selected;
        String error;
        int consumed;

        static ListenerModel of(byte[] data) {
            ListenerModel m = new ListenerModel();
            boolean header = false;
            int refusals = 0;
            int at = 0;
            while (true) {
                Read read = Read.at(data, at);
                if (read == null) {
                    return m;
                }
                if (read.problem != null) {
                    m.error = read.problem;
                    return m;
                }
                at = read.end;
                if (!header) {
                    if (!read.text.equals(Messages.HEADER)) {
                        m.error = "expected multistream header";
                        return m;
                    }
                    header = true;
                } else if (!read.text.equals("ls") && SUPPORTED.contains(read.text)) {
                    m.selected = read.text;
                    m.answers.writeBytes(encode(read.text));
                    m.consumed = at;
                    return m;
                } else {
                    if (++refusals > MultistreamListener.MAX_REFUSALS) {
                        m.error = "more than " + MultistreamListener.MAX_REFUSALS + " unsupported";
                        return m;
                    }
                    m.answers.writeBytes(encode(Messages.NOT_AVAILABLE));
                }
            }
        }
    }

    private static final class DialerModel {
        final ByteArrayOutputStream proposals = new ByteArrayOutputStream();
        String selected;
        String error;
        int consumed;

        static DialerModel of(byte[] data) {
            DialerModel m = new DialerModel();
            boolean header = false;
            int proposal = 0;
            int at = 0;
            while (true) {
                Read read = Read.at(data, at);
                if (read == null) {
                    return m;
                }
                if (read.problem != null) {
                    m.error = read.problem;
                    return m;
                }
                at = read.end;
                if (!header) {
                    if (!read.text.equals(Messages.HEADER)) {
                        m.error = "expected multistream header";
                        return m;
                    }
                    header = true;
                } else if (read.text.equals(PROPOSALS.get(proposal))) {
                    m.selected = read.text;
                    m.consumed = at;
                    return m;
                } else if (!read.text.equals(Messages.NOT_AVAILABLE)) {
                    m.error = "peer answered '" + read.text + "' to the proposal of " + PROPOSALS.get(proposal);
                    return m;
                } else if (++proposal >= PROPOSALS.size()) {
                    m.error = "peer supports none of " + PROPOSALS;
                    return m;
                } else {
                    m.proposals.writeBytes(encode(PROPOSALS.get(proposal)));
                }
            }
        }
    }
}
