package io.github.p2pboot.bench.perf;

import io.github.p2pboot.interop.peers.JsPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The throughput matrix with the libp2p perf protocol ({@code /perf/1.0.0}): ours to ours, js to
 * js, ours to js and js to ours, over QUIC and TCP (Noise, Yamux), upload and download, each node
 * a process of its own (two of our JVMs, two Node.js processes); the same exchange over plain
 * loopback TCP sockets as the ceiling; CPU seconds per GiB moved, from {@code /proc/<pid>/stat}
 * of client and server; and connection set-up times, first contact and reconnection.
 *
 * <pre>
 * ./mvnw -q -f bench/pom.xml compile exec:java -Dbench=io.github.p2pboot.bench.perf.PerfBench
 *   -Dmib=128 -Druns=3 -Ddials=30 -DfirstContacts=8 -Dbench.java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 *   -Dbench.out=target/perf.csv
 * </pre>
 *
 * Every cell is the median of {@code runs} after one warm-up run on the same connection.
 */
public final class PerfBench {

    private static final long MIB = 1024 * 1024;
    private static final double GIB = 1024.0 * 1024 * 1024;
    private static final Duration JS_TIMEOUT = Duration.ofMinutes(5);
    /** js-libp2p closes inbound connections beyond 5 a second from one host. */
    private static final long DIAL_PACING_MS = 250;

    private final long size = Long.getLong("mib", 128) * MIB;
    private final int runs = Integer.getInteger("runs", 3);
    private final int dials = Integer.getInteger("dials", 30);
    /** Which transports to run, e.g. {@code -Dtransports=tcp} while working on one; dials 0 skips the set-up times. */
    private final List<String> transports = Arrays.asList(System.getProperty("transports", "quic,tcp").split(","));
    private final int firstContacts = Integer.getInteger("firstContacts", 8);
    private final String java = System.getProperty("bench.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    private final List<String> jvmArgs = System.getProperty("bench.jvmArgs", "").isBlank() ? List.of()
            : Arrays.asList(System.getProperty("bench.jvmArgs").trim().split(" +"));
    private final List<String> csv = new ArrayList<>(List.of("kind,transport,pair,direction,value,cpu_s_per_gib"));

    private OurProcess ourServer;
    private OurProcess ourClient;
    private JsPeer jsServer;
    private JsPeer jsClient;
    /**
     * The js client of js to ours, a process apart from the one of js to js, so that the two cells
     * are independent. (It was needed: a js QUIC endpoint that had dialled another js node could not
     * dial ours, until we stopped taking quinn's NEW_TOKEN tokens for Retry tokens; QuicAddressTokenIT.)
     */
    private JsPeer jsToOursClient;

    public static void main(String[] args) throws Exception {
        new PerfBench().run();
        System.exit(0);
    }

    private void run() throws Exception {
        ourServer = OurProcess.start(java, jvmArgs, "server");
        ourClient = OurProcess.start(java, jvmArgs, "client");
        jsServer = JsPeer.start(JsPeer.options().extraArg("--perf"));
        jsClient = JsPeer.start(JsPeer.options().extraArg("--perf"));
        jsToOursClient = JsPeer.start(JsPeer.options().extraArg("--perf"));
        try {
            System.out.println("# perf bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + (size / MIB) + " MiB, median of "
                    + runs + " after a warm-up; ours on " + jdk() + (jvmArgs.isEmpty() ? "" : " " + jvmArgs) + "; node " + command("node", "--version"));
            System.out.println("# " + Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel() + "; load at start " + load());
            throughput();
            setUp();
            System.out.println("# load at the end " + load());
            String out = System.getProperty("bench.out");
            if (out != null) {
                Files.write(Path.of(out), csv);
                System.out.println("# wrote " + out);
            }
        } finally {
            jsToOursClient.close();
            jsClient.close();
            jsServer.close();
            ourClient.close();
            ourServer.close();
        }
    }

    private void throughput() {
        long up = ourClient.pid();
        long down = ourServer.pid();
        cell("raw", "raw TCP", "upload", up, down, () -> ourClient.call("raw " + ourServer.rawPort + " " + size + " 0", 300));
        cell("raw", "raw TCP", "download", up, down, () -> ourClient.call("raw " + ourServer.rawPort + " 0 " + size, 300));
        for (String transport : transports) {
            String ours = transport.equals("quic") ? ourServer.quicAddress : ourServer.tcpAddress;
            String js = transport.equals("quic") ? jsServer.quicAddress() : jsServer.tcpAddress();
            // A fresh connection over this transport, so that no earlier one of the other transport is reused.
            ourClient.call("dial " + ours, 60);
            ourClient.call("dial " + js, 60);
            jsClient.hangUp(jsServer.peerId());
            jsToOursClient.hangUp(ourServer.peerId);
            for (String direction : List.of("upload", "download")) {
                long upload = direction.equals("upload") ? size : 0;
                long download = size - upload;
                cell(transport, "ours->ours", direction, ourClient.pid(), ourServer.pid(),
                        () -> ourClient.call("perf " + ours + " " + upload + " " + download, 300));
                cell(transport, "js->js", direction, jsClient.pid(), jsServer.pid(), () -> jsPerf(jsClient, js, upload, download));
                cell(transport, "ours->js", direction, ourClient.pid(), jsServer.pid(),
                        () -> ourClient.call("perf " + js + " " + upload + " " + download, 300));
                cell(transport, "js->ours", direction, jsToOursClient.pid(), ourServer.pid(), () -> jsPerf(jsToOursClient, ours, upload, download));
            }
        }
    }

    /** A js run; one that fails is reported and tried once more on a new connection (the failure stays in the output). */
    private static long jsPerf(JsPeer client, String address, long upload, long download) {
        try {
            return (long) (client.perf(address, upload, download, JS_TIMEOUT).millis() * 1e6);
        } catch (RuntimeException e) {
            System.out.println("! js perf to " + address + " failed, tried again: " + e.getMessage());
            return (long) (client.perf(address, upload, download, JS_TIMEOUT).millis() * 1e6);
        }
    }

    /** One warm-up, then the median of {@code runs}; CPU of both processes over the measured runs. */
    private void cell(String transport, String pair, String direction, long clientPid, long serverPid, LongSupplier nanosOfOneRun) {
        nanosOfOneRun.getAsLong();
        double[] mibps = new double[runs];
        long cpuBefore = cpuTicks(clientPid) + cpuTicks(serverPid);
        for (int i = 0; i < runs; i++) {
            mibps[i] = size / (double) MIB / (nanosOfOneRun.getAsLong() / 1e9);
        }
        long cpuTicks = cpuTicks(clientPid) + cpuTicks(serverPid) - cpuBefore;
        double cpuPerGib = cpuTicks / 100.0 / (runs * size / GIB);
        double median = median(mibps);
        System.out.printf(Locale.ROOT, "%-8s %-10s %-8s %8.1f MiB/s  (runs %s)  cpu %.2f s/GiB  load %s%n", transport, pair, direction, median,
                Arrays.toString(Arrays.stream(mibps).map(v -> Math.round(v * 10) / 10.0).toArray()), cpuPerGib, load());
        csv.add(String.join(",", "throughput", transport, pair, direction, String.format(Locale.ROOT, "%.1f", median),
                String.format(Locale.ROOT, "%.2f", cpuPerGib)));
    }

    /** Dial times, ours to ours and js to js: reconnection to a peer met before, and first contact with a new one. */
    private void setUp() throws Exception {
        if (dials == 0) {
            return;
        }
        for (String transport : transports) {
            List<Double> ours = new ArrayList<>();
            List<Double> js = new ArrayList<>();
            for (int i = 0; i < dials; i++) {
                ours.add(ourClient.call("dial " + address(ourServer, transport), 60) / 1e6);
                js.add(jsClient.call("timedDial", Map.of("addr", address(jsServer, transport), "peerId", jsServer.peerId()),
                        Duration.ofSeconds(30)).asDouble());
                Thread.sleep(DIAL_PACING_MS);
            }
            dialRow(transport, "reconnection", ours, js);
            List<Double> oursFirst = new ArrayList<>();
            List<Double> jsFirst = new ArrayList<>();
            for (int i = 0; i < firstContacts; i++) {
                ourServer.renew();
                oursFirst.add(ourClient.call("dial " + address(ourServer, transport), 60) / 1e6);
                jsServer.close();
                jsServer = JsPeer.start(JsPeer.options().extraArg("--perf"));
                jsFirst.add(jsClient.call("timedDial", Map.of("addr", address(jsServer, transport), "peerId", jsServer.peerId()),
                        Duration.ofSeconds(30)).asDouble());
            }
            dialRow(transport, "first contact", oursFirst, jsFirst);
        }
    }

    private static String address(OurProcess node, String transport) {
        return transport.equals("quic") ? node.quicAddress : node.tcpAddress;
    }

    private static String address(JsPeer node, String transport) {
        return transport.equals("quic") ? node.quicAddress() : node.tcpAddress();
    }

    private void dialRow(String transport, String kind, List<Double> ours, List<Double> js) {
        System.out.printf(Locale.ROOT, "%-8s dial %-13s ours->ours p50 %.1f ms p95 %.1f ms | js->js p50 %.1f ms p95 %.1f ms (%d samples)%n",
                transport, kind, percentile(ours, 50), percentile(ours, 95), percentile(js, 50), percentile(js, 95), ours.size());
        csv.add(String.format(Locale.ROOT, "dial,%s,ours->ours,%s p50,%.1f,", transport, kind, percentile(ours, 50)));
        csv.add(String.format(Locale.ROOT, "dial,%s,ours->ours,%s p95,%.1f,", transport, kind, percentile(ours, 95)));
        csv.add(String.format(Locale.ROOT, "dial,%s,js->js,%s p50,%.1f,", transport, kind, percentile(js, 50)));
        csv.add(String.format(Locale.ROOT, "dial,%s,js->js,%s p95,%.1f,", transport, kind, percentile(js, 95)));
    }

    private static double percentile(List<Double> values, int p) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** utime + stime of a process, in clock ticks (100 a second on Linux). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
        }
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private String jdk() {
        return command(java, "-XshowSettings:properties", "-version").lines().filter(l -> l.contains("java.runtime.version") || l.contains("java.vm.name"))
                .map(String::trim).reduce((a, b) -> a + ", " + b).orElse(java);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String command(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out;
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
