package io.github.p2pboot.hostile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Every attack at once from one address, 50 identities in all, each at a fraction of its own
 * test's volume (together still well beyond the victim's memory, were it unbounded).
 */
final class MixedAttack implements Siege.Attack {

    static final int IDENTITIES = 50;

    private final List<Siege.Attack> attacks = new ArrayList<>();

    MixedAttack(Victim victim) {
        long pingVolume = Victim.MAX_HEAP / 2;
        for (int i = 0; i < 4; i++) {
            attacks.add(new PingFlood(victim, false, pingVolume));
            attacks.add(new PingFlood(victim, true, pingVolume));
            attacks.add(new ControlFrameFlood(victim, ControlFrameFlood.Kind.PING, 4 * Attacks.MIB / RawTcpPeer.HEADER));
        }
        attacks.add(new ControlFrameFlood(victim, ControlFrameFlood.Kind.WINDOW_UPDATE_SYN, 4 * Attacks.MIB / RawTcpPeer.HEADER));
        attacks.add(new ControlFrameFlood(victim, ControlFrameFlood.Kind.WINDOW_UPDATE_SYN, 4 * Attacks.MIB / RawTcpPeer.HEADER));
        attacks.add(new ControlFrameFlood(victim, ControlFrameFlood.Kind.GO_AWAY_WITH_ERROR, 10_000));
        attacks.add(new ControlFrameFlood(victim, ControlFrameFlood.Kind.GO_AWAY_WITH_ERROR, 10_000));
        attacks.add(new KademliaFlood(victim, KademliaFlood.Kind.PUT_VALUE, 6, 200));
        attacks.add(new KademliaFlood(victim, KademliaFlood.Kind.ADD_PROVIDER, 2, 60));
        attacks.add(new IdentifyPushes(victim, 16));
        attacks.add(new SlowStreams(victim, 2, 50));
        attacks.add(new ConnectionHog(victim, true, 300, 32, Duration.ofSeconds(10)));
        attacks.add(new QuicDialStorm(victim, 8));
        // No identities: sockets that never authenticate.
        attacks.add(new IdleSockets(victim, 150, 30, Duration.ofSeconds(10)));
        attacks.add(new ResetsBeforeNoise(victim, 100));
        // 12 + 4 + 6 + 2 + 16 + 1 + 1 + 8 = 50 identities.
    }

    @Override
    public String run() {
        List<CompletableFuture<String>> running = new ArrayList<>();
        for (Siege.Attack attack : attacks) {
            running.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return attack.run();
                } catch (Exception e) {
                    return attack.getClass().getSimpleName() + " failed: " + e;
                }
            }, runnable -> {
                Thread thread = new Thread(runnable, "mixed-attack");
                thread.setDaemon(true);
                thread.start();
            }));
        }
        List<String> done = Attacks.joinAll(running, Duration.ofSeconds(50));
        return "mixed attack, " + attacks.size() + " attacks at once (" + done.size() + " finished):"
                + done.stream().collect(Collectors.joining("\n    ", "\n    ", ""));
    }

    @Override
    public void close() {
        attacks.forEach(Siege.Attack::close);
    }
}
