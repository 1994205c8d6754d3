package io.github.p2pboot.muxer.yamux;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.LogCapture;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes Yamux frame decoding: the real {@link YamuxSession} of a listener in a channel, with
 * inbound streams that echo what they read, fed frame sequences (stream opens, data, window
 * updates, pings, GoAways) that are then damaged. Checked: nothing escapes the session; a frame
 * that breaks the protocol (unknown version or type, a data length beyond any window) ends the
 * connection with GoAway(protocol error) and a log line that says why, before its payload is
 * buffered; the frames we send are well-formed; pings are answered with their value; every
 * stream is closed with its connection and every buffer released.
 */
class YamuxFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final int MAX_STREAMS = 4;
    private static LeakReports leaks;
    private static LogCapture log;

    @BeforeAll
    static void start() {
        leaks = new LeakReports();
        log = new LogCapture(YamuxSession.class, YamuxStreamChannel.class, io.github.p2pboot.resource.Incidents.class);
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
    void badFramesEndTheConnectionCleanlyAndGoodOnesAreServed() {
        Fuzz.forAll(frames(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            List<Channel> streams = new ArrayList<>();
            EmbeddedChannel connection = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(connection, allocator);
            connection.pipeline().addLast(new YamuxSession(false, MAX_STREAMS, stream -> {
                streams.add(stream);
                stream.pipeline().addLast(new Echo());
            }, new io.github.p2pboot.resource.Incidents(), "fuzzing peer"));
            log.clear();
            try {
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                byte[] sent = feeder.drainOutbound();
                boolean open = connection.isOpen();
                feeder.finish();

                List<Frame> received = Frame.split(input.bytes());
                List<Frame> answers = Frame.split(sent);
                assertThat(feeder.escaped()).isEmpty();
                for (ILoggingEvent event : log.events()) {
                    // Incidents reports only what peers did (its WARN lines are the rate-limited summaries).
                    if (event.getLevel().isGreaterOrEqual(Level.WARN)
                            && !event.getLoggerName().equals(io.github.p2pboot.resource.Incidents.class.getName())) {
                        // Only what the peer did may be reported, never a failure of ours.
                        assertThat(event.getFormattedMessage()).matches("(?s)(Yamux protocol error on .*|Peer sent GoAway with error code .*)");
                    }
                }
                for (Frame answer : answers) {
                    assertThat(answer.version).isZero();
                    assertThat(answer.type).isBetween(0, 3);
                    assertThat(answer.complete).isTrue();
                }
                Frame firstBad = received.stream().filter(f -> f.version >= 0).filter(f -> f.version != 0 || f.type > 3
                        || (f.type == 0 && f.length > YamuxStreamChannel.INITIAL_WINDOW)).findFirst().orElse(null);
                if (firstBad != null) {
                    assertThat(open).as("connection open after %s", firstBad).isFalse();
                }
                // A GoAway with an error code, before anything bad, closes the connection at once: nothing to answer.
                boolean endedByThePeer = received.stream().takeWhile(f -> f != firstBad && f.complete)
                        .anyMatch(f -> f.version == 0 && f.type == YamuxSession.TYPE_GO_AWAY && f.length != 0);
                if (!open && !endedByThePeer) {
                    Frame last = answers.get(answers.size() - 1);
                    assertThat(last.type).isEqualTo(YamuxSession.TYPE_GO_AWAY);
                    assertThat(last.length).isEqualTo(YamuxSession.GO_AWAY_PROTOCOL_ERROR);
                    assertThat(log.messages()).anySatisfy(m -> assertThat(m).matches("(?s)" + YamuxSession.PROTOCOL_ERROR + " from .*: "
                            + "(unsupported Yamux version \\d+|unknown Yamux frame type \\d+|data frame of \\d+ bytes on stream \\d+ exceeds the receive window of \\d+"
                            + "|SYN for stream \\d+, an id the peer may not open|SYN for stream \\d+, which is already open) on .*; sent GoAway.*"));
                }
                // Every ping the session read was answered with its own value, in order.
                List<Long> pingsAnswered = answers.stream().filter(f -> f.type == YamuxSession.TYPE_PING).map(f -> f.length).toList();
                List<Long> pingsSent = received.stream().takeWhile(f -> f.version == 0 && f.type <= 3 && f.complete)
                        .filter(f -> f.type == YamuxSession.TYPE_PING && (f.flags & YamuxSession.FLAG_SYN) != 0).map(f -> f.length).toList();
                assertThat(pingsAnswered.size()).isLessThanOrEqualTo(pingsSent.size());
                assertThat(pingsSent.subList(0, pingsAnswered.size())).isEqualTo(pingsAnswered);
                if (open) {
                    assertThat(pingsAnswered).isEqualTo(pingsSent);
                }
                assertThat(streams).allSatisfy(s -> assertThat(s.isOpen()).isFalse());
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    Gen<Mutator.Input> frames() {
        Gen<Integer> id = Gen.frequency(Gen.weight(6, Gen.of(1, 3, 5, 7, 9)),
                Gen.weight(1, Gen.of(0, 2, 4, -1)));
        Gen<Integer> flags = Gen.ints(0, 15);
        Gen<byte[]> payload = Gen.bytes(0, 64);
        Gen<Long> u32 = Gen.longs(0, 0xFFFF_FFFFL);
        Gen<byte[]> data = r -> {
            int f = flags.next(r);
            int i = id.next(r);
            byte[] p = payload.next(r);
            return frame(0, f, i, p.length, p);
        };
        Gen<byte[]> windowUpdate = r -> {
            int f = flags.next(r);
            int i = id.next(r);
            return frame(1, f, i, u32.next(r), new byte[0]);
        };
        Gen<byte[]> open = id.map(i -> frame(1, YamuxSession.FLAG_SYN, i, 0, new byte[0]));
        Gen<Integer> pingFlags = Gen.of(YamuxSession.FLAG_SYN, YamuxSession.FLAG_ACK);
        Gen<byte[]> ping = r -> {
            int f = pingFlags.next(r);
            return frame(2, f, 0, u32.next(r), new byte[0]);
        };
        Gen<byte[]> goAway = Gen.of(0L, 1L, 2L).map(code -> frame(3, 0, 0, code, new byte[0]));
        Gen<byte[]> any = Gen.frequency(Gen.weight(4, open), Gen.weight(6, data),
                Gen.weight(2, windowUpdate), Gen.weight(2, ping), Gen.weight(1, goAway));
        return Mutator.inputs(any.list(0, 8).map(list -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            list.forEach(out::writeBytes);
            return out.toByteArray();
        }));
    }

    private static byte[] frame(int type, int flags, int id, long length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(YamuxSession.HEADER_LENGTH + payload.length);
        b.put((byte) YamuxSession.VERSION).put((byte) type).putShort((short) flags).putInt(id).putInt((int) length).put(payload);
        return b.array();
    }

    /** A frame as a stateless reader splits the bytes; the last may be incomplete. */
    private record Frame(int version, int type, int flags, long id, long length, boolean complete) {
        static List<Frame> split(byte[] data) {
            List<Frame> frames = new ArrayList<>();
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.remaining() >= YamuxSession.HEADER_LENGTH) {
                int version = b.get() & 0xFF;
                int type = b.get() & 0xFF;
                int flags = b.getShort() & 0xFFFF;
                long id = b.getInt() & 0xFFFF_FFFFL;
                long length = b.getInt() & 0xFFFF_FFFFL;
                long payload = type == YamuxSession.TYPE_DATA ? length : 0;
                boolean complete = payload <= b.remaining();
                frames.add(new Frame(version, type, flags, id, length, complete));
                if (!complete || version != 0 || type > 3) {
                    break;
                }
                b.position(b.position() + (int) payload);
            }
            if (b.hasRemaining() && (frames.isEmpty() || frames.get(frames.size() - 1).complete)) {
                frames.add(new Frame(-1, -1, 0, 0, 0, false));
            }
            return frames;
        }
    }

    /** Echoes what a stream reads and ends its side when the peer ends theirs. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                ctx.close();
            }
        }
    }
}
