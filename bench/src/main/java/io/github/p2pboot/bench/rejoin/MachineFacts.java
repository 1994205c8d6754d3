package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.swarm.SwarmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the figures were measured on, in a form that can be pasted above the table. */
final class MachineFacts {

    private MachineFacts() {
    }

    static String describe(RejoinBench.Options options, SwarmConfig ours) {
        Path interop = interopDirectory();
        return "Rejoin benchmark, " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", " + options.restarts + " restarts per case\n"
                + "Machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + "; "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + "; Node.js "
                + command("node", "--version") + ", js-libp2p " + npmVersion(interop, "libp2p")
                + ", @chainsafe/libp2p-quic " + npmVersion(interop, "@chainsafe/libp2p-quic") + "\n"
                + "Our nodes: QUIC idle " + ours.quic().maxIdleTimeout().toMillis() + " ms, liveness (QUIC) a ping every "
                + ours.quic().liveness().interval().toMillis() + " ms, timeout floor " + ours.quic().liveness().minPingTimeout().toMillis()
                + " ms, " + ours.quic().liveness().failures() + " misses close; TCP " + ours.tcp().liveness().interval().toMillis() + " ms / "
                + ours.tcp().liveness().minPingTimeout().toMillis() + " ms / " + ours.tcp().liveness().failures()
                + (options.keepAlive == null && options.idle == null ? " (engine defaults)" : "")
                + "; file peer store and peer keeper (target " + BenchNode.TARGET_PEERS + ") on the restarted nodes"
                + "; survivor poll mode " + options.poll.name().toLowerCase(java.util.Locale.ROOT) + "\n"
                + "Engine: " + engineVersion() + "\n"
                + loadLine("at the start");
    }

    /** The commit the engine was built from, if the bench is told ({@code -Dbench.engine.commit}) or runs in the repository. */
    private static String engineVersion() {
        String told = System.getProperty("bench.engine.commit");
        if (told != null) {
            return "main at " + told;
        }
        String head = command("git", "rev-parse", "--short", "HEAD");
        return head.matches("[0-9a-f]{7,40}") ? "repository at " + head + " (the installed engine jar may differ)" : "unknown commit";
    }

    static String loadLine(String when) {
        try {
            return "Load average " + when + ": " + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "Load average " + when + ": unknown";
        }
    }

    private static String cpuModel() {
        try {
            Matcher m = Pattern.compile("model name\\s*:\\s*(.+)").matcher(Files.readString(Path.of("/proc/cpuinfo")));
            return m.find() ? m.group(1).trim() : "unknown CPU";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String npmVersion(Path interop, String module) {
        try {
            Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"")
                    .matcher(Files.readString(interop.resolve("node_modules").resolve(module).resolve("package.json")));
            return m.find() ? m.group(1) : "?";
        } catch (IOException e) {
            return "? (not installed)";
        }
    }

    private static String command(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static Path interopDirectory() {
        String configured = System.getProperty("p2pboot.interop.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        return Files.isDirectory(Path.of("interop")) ? Path.of("interop") : Path.of("..", "interop");
    }
}
