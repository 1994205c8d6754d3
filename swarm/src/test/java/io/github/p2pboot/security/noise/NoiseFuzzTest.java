package io.github.p2pboot.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.LogCapture;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.security.noise.pb.NoiseProto.NoiseExtensions;
import io.github.p2pboot.security.noise.pb.NoiseProto.NoiseHandshakePayload;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes Noise as a listener meets it: the handshake messages an unauthenticated dialler sends
 * (message 1 in the clear, message 3 with its encrypted identity payload), the payload decoder on
 * its own, and the transport codec's frames after the handshake. Checked: a handshake completes only
 * with the dialler's real identity, anything else fails it with a {@link NoiseHandshakeException}
 * that says what was wrong and closes the connection; the codec passes on exactly the authentic
 * plaintexts, in order, and stops at the first frame that is not; every buffer is released.
 */
class NoiseFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final PrivateKey LISTENER_KEY = PrivateKey.generateEd25519();
    private static final KeyPair LISTENER_STATIC = X25519.generateKeyPair();
    private static final PrivateKey DIALLER_KEY = PrivateKey.generateEd25519();
    private static final KeyPair DIALLER_STATIC = X25519.generateKeyPair();
    private static final PeerId DIALLER = PeerId.fromPublicKey(DIALLER_KEY.publicKey());
    private static final byte[] TRANSPORT_KEY = new byte[32];
    private static final String[] HANDSHAKE_ERRORS = {"handshake message ", "remote handshake payload ", "remote identity key is unusable",
            "bad signature: remote peer ", "connection closed during the noise handshake", "noise handshake handler removed"};

    private static LeakReports leaks;
    private static LogCapture log;

    @BeforeAll
    static void start() {
        new SecureRandom().nextBytes(TRANSPORT_KEY);
        leaks = new LeakReports();
        log = new LogCapture(NoiseHandshakeHandler.class, NoiseTransportCodec.class);
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

    /** How a try damages the dialler's side of the handshake. */
    enum Damage { MESSAGE_1, PAYLOAD_3, FRAME_3 }

    /**
     * Found by the transport property: the codec passed on Netty's DecoderException around its
     * NoiseHandshakeException, so the Yamux session behind took it for a bug of ours and logged a
     * WARN with a stack trace for every connection a peer ended with one bad frame.
     */
    @Test
    void aBadTransportFrameReachesTheMuxerAsAnIoErrorLoggedAtDebug() throws Exception {
        try (LogCapture yamuxLog = new LogCapture(io.github.p2pboot.muxer.yamux.YamuxSession.class)) {
            EmbeddedChannel channel = new EmbeddedChannel(new NoiseTransportCodec(new CipherState(new byte[32]), new CipherState(TRANSPORT_KEY)),
                    new io.github.p2pboot.muxer.yamux.YamuxSession(false, 4, stream -> { }, new io.github.p2pboot.resource.Incidents(), "fuzzing peer"));
            byte[] garbage = frame(new byte[40]);

            channel.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(garbage));
            channel.runPendingTasks();

            assertThat(channel.isOpen()).isFalse();
            assertThat(yamuxLog.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
            assertThat(yamuxLog.events()).anySatisfy(e -> assertThat(e.getThrowableProxy().getClassName())
                    .isEqualTo(NoiseHandshakeException.class.getName()));
            channel.finishAndReleaseAll();
        }
    }

    /** One handshake try: what is damaged, and the seed of the damage. */
    private record HandshakeTry(Damage damage, long seed) {
    }

    @Test
    void handshakeSucceedsOnlyWithTheDiallersIdentity() {
        Gen<Damage> damages = Gen.of(Damage.class);
        Gen<Long> seeds = Gen.longs();
        Fuzz.forAll(0.1, r -> new HandshakeTry(damages.next(r), seeds.next(r)), attempt -> {
            Damage damage = attempt.damage();
            long seed = attempt.seed();
            SplittableRandom random = new SplittableRandom(seed);
            TrackingAllocator allocator = new TrackingAllocator();
            CompletableFuture<PeerId> result = new CompletableFuture<>();
            EmbeddedChannel channel = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            channel.pipeline().addLast(new NoiseHandshakeHandler(LISTENER_KEY, false, null, result, LISTENER_STATIC));
            HandshakeState dialler = new HandshakeState(true, DIALLER_STATIC);
            log.clear();
            try {
                byte[] message1 = frame(dialler.writeMessage(new byte[0]));
                if (damage == Damage.MESSAGE_1) {
                    message1 = Mutator.mutate(message1, random);
                }
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(new Mutator.Input(message1, seed).chunks());
                byte[] message2 = feeder.drainOutbound();
                byte[] message3;
                try {
                    dialler.readMessage(unframe(message2));
                    byte[] payload = validPayload(dialler.localStaticPublicKey());
                    if (damage == Damage.PAYLOAD_3) {
                        payload = Mutator.mutate(payload, random);
                    }
                    message3 = frame(dialler.writeMessage(payload));
                    if (damage == Damage.FRAME_3) {
                        message3 = Mutator.mutate(message3, random);
                    }
                } catch (NoiseHandshakeException | IllegalArgumentException e) {
                    // The listener saw a damaged message 1, so its answer does not fit our state: send it garbage.
                    message3 = new byte[random.nextInt(200)];
                    random.nextBytes(message3);
                }
                feeder.feed(new Mutator.Input(message3, seed).chunks());
                boolean withinBudget = meter.withinBudget(message1.length + message3.length, TRIES);
                boolean open = channel.isOpen();
                boolean doneBeforeClose = result.isDone();
                feeder.finish();

                assertThat(feeder.escaped()).isEmpty();
                Throwable failure = result.handle((peer, e) -> e).join();
                if (failure == null) {
                    assertThat(result.join()).isEqualTo(DIALLER);
                } else {
                    assertThat(failure).isInstanceOf(NoiseHandshakeException.class);
                    assertThat(failure.getMessage()).containsAnyOf(HANDSHAKE_ERRORS);
                    if (doneBeforeClose) {
                        assertThat(open).isFalse();
                    }
                }
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    @Test
    void payloadDecoderAcceptsOnlyAValidSignatureOfTheStaticKey() {
        Fuzz.forAll(0.5, payloads(), input -> {
            byte[] staticKey = X25519.rawPublic(DIALLER_STATIC.getPublic());
            try {
                PeerId peer = HandshakePayloads.verify(input.bytes(), staticKey);
                assertThat(peer).isEqualTo(DIALLER);
            } catch (NoiseHandshakeException e) {
                assertThat(e.getMessage()).containsAnyOf(HANDSHAKE_ERRORS);
            }
        });
    }

    @Test
    void transportCodecPassesOnExactlyTheAuthenticPlaintexts() {
        Fuzz.forAll(transportFrames(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            ChannelFeeder.CloseOnError errors = new ChannelFeeder.CloseOnError();
            EmbeddedChannel channel = new EmbeddedChannel(new NoiseTransportCodec(new CipherState(new byte[32]), new CipherState(TRANSPORT_KEY)), errors);
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            try {
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                List<byte[]> plaintexts = feeder.drainInbound();
                boolean open = channel.isOpen();
                feeder.finish();

                TransportModel model = TransportModel.of(input.bytes());
                assertThat(plaintexts).containsExactlyElementsOf(model.plaintexts);
                assertThat(open).isEqualTo(model.error == null);
                if (model.error != null) {
                    assertThat(errors.errors()).singleElement().isInstanceOf(NoiseHandshakeException.class)
                            .extracting(Throwable::getMessage).asString().contains(model.error);
                }
                assertThat(feeder.escaped()).isEmpty();
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    Gen<Mutator.Input> payloads() {
        byte[] staticKey = X25519.rawPublic(DIALLER_STATIC.getPublic());
        byte[] valid = validPayload(staticKey);
        byte[] withExtensions = NoiseHandshakePayload.newBuilder(parse(valid))
                .setExtensions(NoiseExtensions.newBuilder().addStreamMuxers("/yamux/1.0.0").addWebtransportCerthashes(ByteString.copyFrom(new byte[34])))
                .build().toByteArray();
        return Mutator.inputs(Gen.of(valid, withExtensions));
    }

    /** Authentic frames (some with empty plaintext), encrypted in order with the transport key. */
    Gen<Mutator.Input> transportFrames() {
        Gen<byte[]> plaintext = Gen.frequency(Gen.weight(30, Gen.bytes(0, 100)),
                Gen.weight(1, Gen.bytes(1000, 3000)));
        return Mutator.inputs(plaintext.list(0, 4).map(list -> {
            CipherState sender = new CipherState(TRANSPORT_KEY);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : list) {
                try {
                    out.writeBytes(frame(sender.encryptWithAd(new byte[0], p)));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out.toByteArray();
        }));
    }

    private static byte[] validPayload(byte[] noiseStaticKey) {
        return HandshakePayloads.create(DIALLER_KEY, noiseStaticKey);
    }

    private static NoiseHandshakePayload parse(byte[] payload) {
        try {
            return NoiseHandshakePayload.parseFrom(payload);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] frame(byte[] message) {
        byte[] out = new byte[2 + message.length];
        out[0] = (byte) (message.length >> 8);
        out[1] = (byte) message.length;
        System.arraycopy(message, 0, out, 2, message.length);
        return out;
    }

    private static byte[] unframe(byte[] framed) {
        if (framed.length < 2 || ((framed[0] & 0xFF) << 8 | (framed[1] & 0xFF)) != framed.length - 2) {
            throw new IllegalArgumentException("not one whole frame");
        }
        return java.util.Arrays.copyOfRange(framed, 2, framed.length);
    }

    /** What the spec says a receiver makes of the frames: authentic plaintexts until the first bad frame. */
    private record TransportModel(List<byte[]> plaintexts, String error) {
        static TransportModel of(byte[] data) throws Exception {
            CipherState receiver = new CipherState(TRANSPORT_KEY);
            List<byte[]> out = new ArrayList<>();
            int at = 0;
            while (data.length - at >= 2) {
                int length = (data[at] & 0xFF) << 8 | (data[at + 1] & 0xFF);
                if (length < CipherState.TAG_LENGTH) {
                    return new TransportModel(out, "shorter than the 16-byte authentication tag");
                }
                if (data.length - at - 2 < length) {
                    break;
                }
                try {
                    byte[] plain = receiver.decryptWithAd(new byte[0], java.util.Arrays.copyOfRange(data, at + 2, at + 2 + length));
                    if (plain.length > 0) {
                        out.add(plain);
                    }
                } catch (GeneralSecurityException e) {
                    return new TransportModel(out, "failed decryption");
                }
                at += 2 + length;
            }
            return new TransportModel(out, null);
        }
    }
}
