package io.github.p2pboot.bench.perf;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.perf.Perf;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of our nodes in a process of its own for {@link PerfBench}, driven by lines on stdin, one
 * answer line on stdout each ({@code ok ...} or {@code err ...}):
 *
 * <ul>
 *   <li>{@code perf <multiaddr> <upload> <download>}: a perf exchange on a connection to that address
 *       (dialled at first use, then kept); answers the nanoseconds it took;
 *   <li>{@code dial <multiaddr>}: closes every connection to its peer, then times a new dial;
 *   <li>{@code renew}: replaces the node by one with a new identity and new ports (a first contact
 *       for whoever dials it next); answers as at the start;
 *   <li>{@code raw <port> <upload> <download>}: the same exchange over a plain TCP socket to
 *       another node's raw server, no libp2p at all;
 *   <li>{@code quit}.
 * </ul>
 *
 * At start, and after {@code renew}, it prints {@code ready <peer id> <quic address> <tcp address> <raw port>}.
 * Every node serves perf, over libp2p and on its raw TCP port.
 */
public final class PerfNode {

    private static final int RAW_BUFFER = 256 * 1024;

    private Swarm swarm;
    private final Map<String, Connection> connections = new HashMap<>();
    private final ServerSocket raw;

    private PerfNode() throws IOException {
        raw = new ServerSocket();
        raw.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::acceptRaw, "raw-perf-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        startSwarm();
    }

    public static void main(String[] args) throws Exception {
        PerfNode node = new PerfNode();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split(" ");
            try {
                switch (words[0]) {
                    case "perf" -> say("ok " + node.perf(words[1], Long.parseLong(words[2]), Long.parseLong(words[3])));
                    case "dial" -> say("ok " + node.dial(words[1]));
                    case "raw" -> say("ok " + rawPerf(Integer.parseInt(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3])));
                    case "renew" -> node.renew();
                    case "quit" -> {
                        node.swarm.close();
                        System.exit(0);
                    }
                    default -> say("err unknown command " + words[0]);
                }
            } catch (Exception e) {
                say("err " + e.toString().replace('\n', ' '));
            }
        }
        node.swarm.close();
        System.exit(0);
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private void startSwarm() {
        swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).listen("/ip4/127.0.0.1/udp/0/quic-v1")
                .listen("/ip4/127.0.0.1/tcp/0").perf(true).build());
        swarm.start();
        String quic = swarm.listenAddresses().stream().filter(a -> a.toString().contains("/quic-v1")).findFirst().orElseThrow()
                .withPeerId(swarm.localPeerId()).toString();
        String tcp = swarm.listenAddresses().stream().filter(a -> a.toString().contains("/tcp/")).findFirst().orElseThrow()
                .withPeerId(swarm.localPeerId()).toString();
        say("ready " + swarm.localPeerId() + " " + quic + " " + tcp + " " + raw.getLocalPort());
    }

    private void renew() {
        connections.clear();
        swarm.close();
        startSwarm();
    }

    private long perf(String address, long upload, long download) throws Exception {
        Connection connection = connections.get(address);
        if (connection == null || !connection.isOpen()) {
            connection = swarm.dial(Multiaddr.parse(address)).get(30, TimeUnit.SECONDS);
            connections.put(address, connection);
        }
        return Perf.run(connection, upload, download).get(300, TimeUnit.SECONDS).elapsed().toNanos();
    }

    private long dial(String address) throws Exception {
        Multiaddr target = Multiaddr.parse(address);
        for (Connection open : swarm.connections(target.peerId().orElseThrow())) {
            open.close();
            open.closeFuture().get(10, TimeUnit.SECONDS);
        }
        connections.values().removeIf(c -> !c.isOpen());
        long start = System.nanoTime();
        Connection connection = swarm.dial(target).get(30, TimeUnit.SECONDS);
        long took = System.nanoTime() - start;
        connections.put(address, connection);
        return took;
    }

    // ---- perf over a plain TCP socket: the same exchange, for the baseline ----

    private static long rawPerf(int port, long upload, long download) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeLong(download);
            sendZeros(out, upload);
            out.flush();
            socket.shutdownOutput();
            long received = drain(socket.getInputStream());
            if (received != download) {
                throw new IOException("raw perf: received " + received + " of " + download);
            }
        }
        return System.nanoTime() - start;
    }

    private void acceptRaw() {
        while (true) {
            try {
                Socket socket = raw.accept();
                Thread serve = new Thread(() -> serveRaw(socket), "raw-perf");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void serveRaw(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            long requested = in.readLong();
            drain(in);
            OutputStream out = socket.getOutputStream();
            sendZeros(out, requested);
            out.flush();
        } catch (IOException e) {
            System.err.println("raw perf server: " + e);
        }
    }

    private static void sendZeros(OutputStream out, long count) throws IOException {
        byte[] chunk = new byte[RAW_BUFFER];
        for (long left = count; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            left -= n;
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[RAW_BUFFER];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }
}
