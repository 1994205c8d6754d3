package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.protocol.ping.PingStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness between real nodes on loopback, over QUIC and TCP: one kept ping stream, suspicion and
 * close of a peer that stops answering, no false alarm for a slow one.
 */
class LivenessTest {

    private static final Logger log = LoggerFactory.getLogger(LivenessTest.class);
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** The swarm's own pings, made rare where a test drives a {@link Liveness} of its own. */
    private static final LivenessSettings RARE = new LivenessSettings(Duration.ofSeconds(60), Duration.ofMillis(60), 3);

    enum Kind {
        QUIC(TestSwarms.LOOPBACK_QUIC),
        TCP(TestSwarms.LOOPBACK_TCP);

        final String listen;

        Kind(String listen) {
            this.listen = listen;
        }
    }

    private final TestSwarms swarms = new TestSwarms();
    private final List<AutoCloseable> relays = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        swarms.close();
        for (AutoCloseable relay : relays) {
            relay.close();
        }
    }

    private Swarm start(Kind kind, LivenessSettings liveness) {
        return swarms.start(b -> b.listen(kind.listen)
                .quic(new QuicSettings(Duration.ofSeconds(120), liveness, Duration.ofSeconds(10), 256))
                .tcp(TcpSettings.DEFAULTS.withLiveness(liveness)));
    }

    private static SwarmConnection dial(Swarm from, Swarm to) throws Exception {
        return (SwarmConnection) from.dial(TestSwarms.address(to)).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void oneKeptPingStreamCarriesEveryPing(Kind kind) throws Exception {
        // A floor well above loopback's round trip: a stall of the machine must not get the
        // connection replaced (and a second stream counted) in a test about the stream.
        Swarm a = start(kind, new LivenessSettings(Duration.ofMillis(200), Duration.ofMillis(150), 3));
        Swarm b = start(kind, RARE);
        PingAnswerer answerer = new PingAnswerer();
        b.registerProtocol(answerer);

        SwarmConnection connection = dial(a, b);

        // Six pings: the one at open, then one per interval, over five intervals and more.
        await().atMost(WAIT).until(() -> answerer.pings() >= 6);
        assertThat(answerer.streams()).isEqualTo(1);
        assertThat(a.liveness().pingStreamsOpened(connection)).isEqualTo(1);
        assertThat(connection.isOpen()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void whenBothSidesRunLivenessOnlyTheDialerPings(Kind kind) throws Exception {
        LivenessSettings settings = new LivenessSettings(Duration.ofMillis(200), Duration.ofMillis(150), 3);
        Swarm a = start(kind, settings);
        Swarm b = start(kind, settings);
        SwarmConnection outbound = dial(a, b);
        await().atMost(WAIT).until(() -> b.connection(a.localPeerId()) != null);
        SwarmConnection inbound = (SwarmConnection) b.connection(a.localPeerId());

        await().atMost(WAIT).until(() -> a.liveness().pingsSent(outbound) >= 10);

        // The listener pinged at open (its first round-trip sample) and then let the dialer's
        // pings stand in for its own.
        assertThat(b.liveness().pingsSent(inbound)).isLessThanOrEqualTo(2);
        assertThat(outbound.isOpen()).isTrue();
        assertThat(inbound.isOpen()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theListenerPingsAgainWhenTheDialerStops(Kind kind) throws Exception {
        LivenessSettings settings = new LivenessSettings(Duration.ofMillis(200), Duration.ofMillis(150), 3);
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, settings);
        SwarmConnection outbound = dial(a, b);
        await().atMost(WAIT).until(() -> b.connection(a.localPeerId()) != null);
        SwarmConnection inbound = (SwarmConnection) b.connection(a.localPeerId());

        // a pings only every RARE interval: b, the listener, must watch the connection itself.
        await().atMost(WAIT).until(() -> b.liveness().pingsSent(inbound) >= 5);
        assertThat(outbound.isOpen()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void peerThatStopsAnsweringIsSuspectedThenClosed(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        PingAnswerer answerer = new PingAnswerer();
        b.registerProtocol(answerer);
        LivenessSettings settings = new LivenessSettings(Duration.ofMillis(300), Duration.ofMillis(100), 3);
        RecordingEvents events = new RecordingEvents();
        Liveness liveness = new Liveness(settings, settings, events);
        a.addListener(liveness);
        SwarmConnection connection = dial(a, b);
        awaitRttMeasured(liveness, connection, settings);
        Duration timeout = liveness.pingTimeout(connection);

        answerer.delay(PingAnswerer.SWALLOW);
        long stoppedAt = System.nanoTime();

        CloseCause cause = connection.closeFuture().get(10, TimeUnit.SECONDS);
        long closedAfter = millisSince(stoppedAt);
        log.info("{}: peer stopped answering; closed after {} ms (ping timeout {} ms)", kind, closedAfter, timeout.toMillis());
        assertThat(cause.kind()).isEqualTo(CloseCause.Kind.KEEP_ALIVE_TIMEOUT);
        assertThat(cause.detail()).contains("missed 3 pings in a row").contains("timeout");
        assertThat(events.suspects).hasSize(1);
        assertThat(events.suspects.get(0).connection).isSameAs(connection);
        assertThat(events.suspects.get(0).why).contains("no answer to a ping");
        assertThat(events.recovered).isEmpty();
        // The next ping goes out within an interval; three timeouts (each at most the interval)
        // follow; a second of slack for a loaded machine.
        assertThat(closedAfter).isLessThan(settings.interval().toMillis() + 3 * settings.interval().toMillis() + 1_000);
        assertThat(liveness.pingTimeout(connection)).as("the connection's state is gone").isNull();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void vanishedPeerIsClosedWithinTheIntervalAndThreeTimeouts(Kind kind) throws Exception {
        // The swarms' own liveness at the defaults: a ping a second, floor 60 ms, three misses.
        LivenessSettings defaults = kind == Kind.QUIC ? LivenessSettings.QUIC_DEFAULTS : LivenessSettings.TCP_DEFAULTS;
        Swarm a = start(kind, defaults);
        Swarm b = start(kind, defaults);
        Runnable vanish;
        java.util.function.LongSupplier firstUnanswered;
        Multiaddr viaRelay;
        InetSocketAddress target = socketAddress(TestSwarms.address(b));
        if (kind == Kind.QUIC) {
            UdpRelay relay = new UdpRelay(target, 0, 0, 1);
            relays.add(relay);
            vanish = () -> relay.blackhole(true);
            firstUnanswered = relay::firstBlackholedFromClient;
            viaRelay = Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.address().getPort() + "/quic-v1");
        } else {
            TcpRelay relay = new TcpRelay(target);
            relays.add(relay);
            vanish = relay::freeze;
            firstUnanswered = relay::firstFrozenFromClient;
            viaRelay = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + relay.address().getPort());
        }
        SwarmConnection connection = (SwarmConnection) a.dial(viaRelay.withPeerId(b.localPeerId())).get(10, TimeUnit.SECONDS);
        awaitRttMeasured(a.liveness(), connection, defaults);
        // After the vanishing no sample comes: the timeout stays what it is now (on loopback the
        // floor on QUIC, about 200 ms on TCP; more while the first, slow samples weigh).
        Duration timeout = a.liveness().pingTimeout(connection);

        vanish.run();
        long vanishedAt = System.nanoTime();

        CloseCause cause = connection.closeFuture().get(10, TimeUnit.SECONDS);
        long closedAfter = millisSince(vanishedAt);
        long sentAt = firstUnanswered.getAsLong();
        log.info("{}: peer vanished; closed after {} ms, {} ms after the first unanswered packet (ping timeout {} ms)", kind,
                closedAfter, sentAt == 0 ? "?" : millisSince(sentAt), timeout.toMillis());
        // Given up on by liveness, or superseded by the replacement the pool dials once the second
        // ping is missed (b itself is still there, at its own address).
        assertThat(cause.kind() == CloseCause.Kind.KEEP_ALIVE_TIMEOUT || cause.detail().contains("superseded"))
                .as("closed as dead or replaced: %s", cause).isTrue();
        // At most an interval until the next ping, then three timeouts; 700 ms of slack.
        assertThat(closedAfter).isLessThan(defaults.interval().toMillis() + 3 * timeout.toMillis() + 700);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void slowPeerRaisesTheTimeoutInsteadOfBeingClosed(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        PingAnswerer answerer = new PingAnswerer();
        b.registerProtocol(answerer);
        LivenessSettings settings = new LivenessSettings(Duration.ofMillis(800), Duration.ofMillis(100), 3);
        RecordingEvents events = new RecordingEvents();
        Liveness liveness = new Liveness(settings, settings, events);
        a.addListener(liveness);
        SwarmConnection connection = dial(a, b);
        awaitRttMeasured(liveness, connection, settings);
        // Above the timeout loopback gives (the floor on QUIC; 200 ms and a little on TCP).
        long delay = kind == Kind.QUIC ? 150 : 350;
        Duration before = liveness.pingTimeout(connection);
        assertThat(before.toMillis()).isLessThan(delay);

        answerer.delay(delay);
        int pingsAtSwitch = answerer.pings();

        // The first slow answer misses its deadline; it still arrives and raises the estimate
        // above the delay (one miss alone does not make the connection suspect).
        await().atMost(WAIT).until(() -> liveness.pingTimeout(connection).toMillis() > delay);
        int suspectsWhileAdapting = events.suspects.size();
        int pingsAfterAdapting = answerer.pings();
        await().atMost(WAIT).until(() -> answerer.pings() >= pingsAfterAdapting + 4);

        assertThat(before.toMillis()).isLessThan(delay);
        assertThat(events.suspects).as("no suspicion once the estimate has adapted").hasSize(suspectsWhileAdapting);
        assertThat(liveness.pingTimeout(connection).toMillis()).isGreaterThan(delay);
        assertThat(connection.isOpen()).isTrue();
        assertThat(answerer.pings()).isGreaterThan(pingsAtSwitch);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void probeNowPingsWithoutWaitingForTheInterval(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        PingAnswerer answerer = new PingAnswerer();
        b.registerProtocol(answerer);
        LivenessSettings settings = new LivenessSettings(Duration.ofSeconds(30), Duration.ofMillis(100), 3);
        RecordingEvents events = new RecordingEvents();
        Liveness liveness = new Liveness(settings, settings, events);
        a.addListener(liveness);
        SwarmConnection connection = dial(a, b);
        awaitRttMeasured(liveness, connection, settings);

        answerer.delay(PingAnswerer.SWALLOW);
        long probedAt = System.nanoTime();
        liveness.probeNow(connection);

        CloseCause cause = connection.closeFuture().get(10, TimeUnit.SECONDS);
        long closedAfter = millisSince(probedAt);
        assertThat(cause.kind()).isEqualTo(CloseCause.Kind.KEEP_ALIVE_TIMEOUT);
        assertThat(events.suspects).hasSize(1);
        // Three timeouts of a few hundred milliseconds at most, far below the 30 s interval.
        assertThat(closedAfter).isLessThan(5_000);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void peerThatDoesNotServePingIsNeitherSuspectedNorClosed(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        b.unregisterProtocol(Ping.PROTOCOL_ID);
        LivenessSettings settings = new LivenessSettings(Duration.ofMillis(200), Duration.ofMillis(60), 3);
        RecordingEvents events = new RecordingEvents();
        Liveness liveness = new Liveness(settings, settings, events);
        a.addListener(liveness);
        SwarmConnection connection = dial(a, b);

        // The refusal is an answer: the connection is no longer watched, and stays open.
        await().atMost(WAIT).until(() -> liveness.pingTimeout(connection) == null);
        assertThat(events.suspects).isEmpty();
        assertThat(connection.isOpen()).isTrue();
        assertThatThrownBy(() -> Ping.ping(connection).get(10, TimeUnit.SECONDS)).hasMessageContaining("supports none of");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void keptPingStreamReopensWhenThePeerEndsIt(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        PingAnswerer answerer = new PingAnswerer().endStreamAfter(2);
        b.registerProtocol(answerer);
        SwarmConnection connection = dial(a, b);
        // The swarm's own liveness pings once as the connection opens, on a stream of its own.
        await().atMost(WAIT).until(() -> answerer.pings() >= 1);
        int streamsBefore = answerer.streams();

        try (PingStream pings = Ping.keptStream(connection)) {
            for (int i = 0; i < 6; i++) {
                assertThat(pings.ping().get(10, TimeUnit.SECONDS)).isPositive();
            }
            // Two pings per stream: three streams, whether the end arrived before the next ping
            // or while it was in flight (then it is sent again on the new stream).
            assertThat(pings.streamsOpened()).isEqualTo(3);
        }
        assertThat(answerer.streams() - streamsBefore).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void pingInFlightFailsWhenTheConnectionCloses(Kind kind) throws Exception {
        Swarm a = start(kind, RARE);
        Swarm b = start(kind, RARE);
        b.registerProtocol(new PingAnswerer().delay(PingAnswerer.SWALLOW));
        SwarmConnection connection = dial(a, b);
        PingStream pings = Ping.keptStream(connection);
        CompletableFuture<Duration> ping = pings.ping();

        connection.close().get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> ping.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> pings.ping().get(10, TimeUnit.SECONDS)).hasMessageContaining("closed");
        pings.close();
    }

    private static void awaitRttMeasured(Liveness liveness, SwarmConnection connection, LivenessSettings settings) {
        // Until the first answer the timeout is the interval; after it, it follows the round trip.
        await().atMost(WAIT).until(() -> {
            Duration timeout = liveness.pingTimeout(connection);
            return timeout != null && timeout.compareTo(settings.interval()) < 0;
        });
    }

    private static InetSocketAddress socketAddress(Multiaddr address) {
        String[] parts = address.withoutPeerId().toString().split("/");
        return new InetSocketAddress(parts[2], Integer.parseInt(parts[4]));
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    record Suspicion(SwarmConnection connection, String why) {
    }

    /** Records what a {@link Liveness} reports. */
    static final class RecordingEvents implements LivenessEvents {
        final List<Suspicion> suspects = new CopyOnWriteArrayList<>();
        final List<SwarmConnection> recovered = new CopyOnWriteArrayList<>();

        @Override
        public void suspect(SwarmConnection connection, String why) {
            suspects.add(new Suspicion(connection, why));
        }

        @Override
        public void recovered(SwarmConnection connection) {
            recovered.add(connection);
        }
    }
}
