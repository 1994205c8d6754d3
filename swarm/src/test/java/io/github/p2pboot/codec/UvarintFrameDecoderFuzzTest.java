package io.github.p2pboot.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the varint length-prefix framing of identify and Kademlia ({@link UvarintFrameDecoder})
 * and the varint readers under it, against a model of the spec: frames come out exactly as a
 * correct reader splits the input, however it is cut into reads; the first bad prefix or
 * oversized length is refused with a {@link CorruptedFrameException} or {@link TooLongFrameException}
 * naming it, before anything is buffered for it; every buffer is released.
 */
class UvarintFrameDecoderFuzzTest {

    private static final int LIMIT = 1024;
    private static final java.util.concurrent.atomic.AtomicInteger TRIES = new java.util.concurrent.atomic.AtomicInteger();
    private static LeakReports leaks;

    @BeforeAll
    static void strictLeakDetection() {
        leaks = new LeakReports();
    }

    @AfterAll
    static void noLeaks() {
        try {
            assertThat(leaks.collect()).isEmpty();
        } finally {
            leaks.close();
        }
    }

    @Test
    void framesAreSplitAsTheSpecSaysAndBadPrefixesRefused() {
        Fuzz.forAll(frames(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            ChannelFeeder.CloseOnError errors = new ChannelFeeder.CloseOnError();
            EmbeddedChannel channel = new EmbeddedChannel(new UvarintFrameDecoder(LIMIT), errors);
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            try {
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                List<byte[]> frames = feeder.drainInbound();
                feeder.finish();

                Model expected = Model.of(input.bytes());
                assertThat(frames).containsExactlyElementsOf(expected.frames);
                assertThat(feeder.escaped()).isEmpty();
                if (expected.error == null) {
                    assertThat(errors.errors()).isEmpty();
                } else {
                    assertThat(errors.errors()).hasSize(1);
                    Throwable error = errors.errors().get(0);
                    assertThat(error).isInstanceOf(expected.error);
                    assertThat(error.getMessage()).containsAnyOf("frame length prefix", "exceeds the limit of " + LIMIT);
                }
                assertThat(allocator.unreleased()).isEmpty();
                // Whatever the declared lengths, nothing is allocated for bytes that did not arrive.
                assertThat(allocator.largestRequest()).isLessThanOrEqualTo(Math.max(1024, 2 * input.bytes().length));
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    /**
     * Found by the Kademlia property: a server that ended a stream after its answers sent the peer
     * one more message, empty, because the encoder framed the empty buffer that marks the flush.
     */
    @Test
    void theEmptyFlushMarkerIsNotSentAsAZeroLengthFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(UvarintFrameEncoder.INSTANCE);

        channel.writeOutbound(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1, 2}), io.netty.buffer.Unpooled.EMPTY_BUFFER);

        io.netty.buffer.ByteBuf frame = channel.readOutbound();
        io.netty.buffer.ByteBuf marker = channel.readOutbound();
        assertThat(io.netty.buffer.ByteBufUtil.getBytes(frame)).containsExactly(2, 1, 2);
        assertThat(marker.readableBytes()).isZero();
        frame.release();
        marker.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void varintReadersAgreeWithTheModel() {
        Fuzz.forAll(varints(), input -> {
            byte[] bytes = input.bytes();
            Long modelValue;
            int modelLength;
            String modelError = null;
            long value = 0;
            int i = 0;
            for (; ; i++) {
                if (i >= Varint.MAX_BYTES) {
                    modelError = "longer";
                    break;
                }
                if (i >= bytes.length) {
                    modelError = "truncated";
                    break;
                }
                int b = bytes[i] & 0xFF;
                value |= (long) (b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0) {
                    if (b == 0 && i > 0) {
                        modelError = "minimal";
                    }
                    break;
                }
            }
            modelValue = modelError == null ? value : null;
            modelLength = i + 1;

            try {
                Varint.Decoded decoded = Varint.decode(bytes, 0);
                assertThat(modelValue).isEqualTo(decoded.value());
                assertThat(decoded.length()).isEqualTo(modelLength);
                assertThat(decoded.value()).isNotNegative();
                assertThat(Varint.encode(decoded.value())).isEqualTo(java.util.Arrays.copyOf(bytes, modelLength));
            } catch (IllegalArgumentException e) {
                assertThat(modelError).isNotNull();
                assertThat(e.getMessage()).contains(modelError);
            }

            io.netty.buffer.ByteBuf in = io.netty.buffer.Unpooled.wrappedBuffer(bytes);
            try {
                long read = Varint.tryRead(in);
                if (read < 0) {
                    assertThat(modelError).isEqualTo("truncated");
                    assertThat(in.readerIndex()).isZero();
                } else {
                    assertThat(modelValue).isEqualTo(read);
                    assertThat(in.readerIndex()).isEqualTo(modelLength);
                }
            } catch (IllegalArgumentException e) {
                assertThat(modelError).isIn("longer", "minimal");
            }
        });
    }

    Gen<Mutator.Input> frames() {
        Gen<byte[]> body = Gen.frequency(
                Gen.weight(20, Gen.bytes(0, 200)),
                Gen.weight(1, Gen.bytes(LIMIT - 2, LIMIT + 2)));
        return Mutator.inputs(body.list(0, 4).map(bodies -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] b : bodies) {
                Varint.write(b.length, out);
                out.writeBytes(b);
            }
            return out.toByteArray();
        }));
    }

    Gen<Mutator.Input> varints() {
        return Mutator.inputs(Gen.nonNegativeLongs().map(Varint::encode));
    }

    /** What a correct reader makes of the input: the whole frames before the first error, and that error. */
    private record Model(List<byte[]> frames, Class<? extends Throwable> error) {
        static Model of(byte[] data) {
            List<byte[]> frames = new ArrayList<>();
            int at = 0;
            while (at < data.length) {
                Varint.Decoded length;
                try {
                    length = Varint.decode(data, at);
                } catch (IllegalArgumentException e) {
                    if (e.getMessage().startsWith("truncated")) {
                        return new Model(frames, null);
                    }
                    return new Model(frames, CorruptedFrameException.class);
                }
                if (length.value() > LIMIT) {
                    return new Model(frames, TooLongFrameException.class);
                }
                int start = at + length.length();
                if (data.length - start < length.value()) {
                    return new Model(frames, null);
                }
                frames.add(java.util.Arrays.copyOfRange(data, start, start + (int) length.value()));
                at = start + (int) length.value();
            }
            return new Model(frames, null);
        }
    }
}
