package io.github.p2pboot.swarm;

import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two nodes on a lossy path for a while: liveness pings every interval, and an echo stream of a
 * few KiB twice a second next to them. Whatever drops and delays the packets (a {@link UdpRelay},
 * netem) is the caller's; this records what closed.
 */
public final class LossyPathScenario {

    private static final Logger log = LoggerFactory.getLogger(LossyPathScenario.class);
    static final String ECHO = "/p2pboot/test/lossy-echo/1.0.0";

    /**
     * @param closes every connection close either node saw, with its cause
     * @param disconnects closes that left a node with no connection to the other
     * @param roundTrips echo streams that came back whole
     * @param failedRoundTrips echo streams that failed or came back different
     * @param pingTimeout the dialler's ping timeout at the end (it follows the measured RTT)
     */
    public record Result(List<String> closes, List<String> disconnects, int roundTrips, int failedRoundTrips, Duration pingTimeout) {

        /**
         * What must not happen on a path that is lossy but alive: liveness giving up on a
         * connection, or the nodes losing each other. A connection the pool replaced once a new
         * one was up (after two missed pings in a row) is not one.
         */
        public List<String> falseAlarms() {
            List<String> alarms = new java.util.ArrayList<>(disconnects);
            closes.stream().filter(close -> close.contains("missed")).forEach(alarms::add);
            return alarms;
        }
    }

    private LossyPathScenario() {
    }

    /** Dials {@code b} from {@code a} at {@code address} and runs the traffic for {@code duration}. */
    public static Result run(Swarm a, Swarm b, Multiaddr address, Duration duration) throws Exception {
        b.registerProtocol(StreamTestSupport.echoHandler(ECHO));
        List<String> closes = new CopyOnWriteArrayList<>();
        List<String> disconnects = new CopyOnWriteArrayList<>();
        for (Swarm swarm : List.of(a, b)) {
            swarm.addListener(new SwarmListener() {
                @Override
                public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
                    String close = swarm.localPeerId() + " closed " + connection + ": " + cause;
                    closes.add(close);
                    if (remaining == 0 && swarm.isRunning()) {
                        disconnects.add(close);
                    }
                }
            });
        }
        SwarmConnection connection = (SwarmConnection) a.dial(address).get(30, TimeUnit.SECONDS);
        Random random = new Random(42);
        int ok = 0;
        int failed = 0;
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end && disconnects.isEmpty()) {
            byte[] data = new byte[1024 + random.nextInt(4096)];
            random.nextBytes(data);
            String stage = "open";
            try {
                // The swarm's choice of connection: the pool may have replaced the first one.
                Stream stream = a.newStream(b.localPeerId(), ECHO).get(10, TimeUnit.SECONDS);
                stage = "echo of " + data.length + " bytes on " + stream.channel();
                byte[] echoed = StreamTestSupport.roundTrip(stream, data);
                if (java.util.Arrays.equals(echoed, data)) {
                    ok++;
                } else {
                    failed++;
                }
            } catch (Exception e) {
                failed++;
                log.info("Echo stream over the lossy path failed ({}): {}", stage, e.toString());
            }
            Thread.sleep(500); // the traffic's pace, not a wait for a condition
        }
        Connection current = a.connection(b.localPeerId());
        Duration timeout = a.liveness().pingTimeout((SwarmConnection) (current != null ? current : connection));
        log.info("Lossy path for {} s: {} closes, {} echo round trips ({} failed), ping timeout {}",
                duration.toSeconds(), closes.size(), ok, failed, timeout);
        return new Result(List.copyOf(closes), List.copyOf(disconnects), ok, failed, timeout);
    }
}
