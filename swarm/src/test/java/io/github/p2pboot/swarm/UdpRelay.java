package io.github.p2pboot.swarm;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on loopback that stands for a network path between one client and one server: it
 * forwards each datagram after a delay, drops a share of them at random in each direction, and can
 * drop everything (a peer that vanished without a word, as after kill -9 with no stateless reset).
 * The client sends to {@link #address()}; the server sees the relay's other socket as the client.
 *
 * <p>Datagrams keep their order (one sender thread, equal delays), as on a plain path. For one
 * client at a time: the first address that sends to the relay is the one answers go back to.
 */
public final class UdpRelay implements AutoCloseable {

    private static final int MAX_DATAGRAM = 65_535;

    private final InetSocketAddress server;
    private final double lossRate;
    private final long delayNanos;
    private final Random random;
    private final DatagramSocket clientSide;
    private final DatagramSocket serverSide;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "udp-relay-send"));
    private final Thread fromClient;
    private final Thread fromServer;
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong firstBlackholedFromClient = new AtomicLong();
    private volatile InetSocketAddress client;
    private volatile boolean blackhole;
    private volatile boolean closed;

    /**
     * @param server where to forward the client's datagrams (a loopback address)
     * @param lossRate share of datagrams dropped in each direction, 0 to 1
     * @param delayMillis how long each datagram is held before it is forwarded (one way)
     * @param seed seeds the random drops, so a failing run can be repeated
     */
    public UdpRelay(InetSocketAddress server, double lossRate, long delayMillis, long seed) throws SocketException {
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the relay forwards to loopback only, not " + server);
        }
        this.server = server;
        this.lossRate = lossRate;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.random = new Random(seed);
        InetAddress loopback = server.getAddress();
        this.clientSide = new DatagramSocket(new InetSocketAddress(loopback, 0));
        this.serverSide = new DatagramSocket(new InetSocketAddress(loopback, 0));
        this.fromClient = daemon(() -> pump(clientSide, true), "udp-relay-from-client");
        this.fromServer = daemon(() -> pump(serverSide, false), "udp-relay-from-server");
        fromClient.start();
        fromServer.start();
    }

    /** Where the client sends to. */
    public InetSocketAddress address() {
        return (InetSocketAddress) clientSide.getLocalSocketAddress();
    }

    /** From now on every datagram is dropped (true), or forwarded again (false). */
    public void blackhole(boolean on) {
        blackhole = on;
    }

    /** {@link System#nanoTime()} of the first client datagram the blackhole swallowed, or 0. */
    public long firstBlackholedFromClient() {
        return firstBlackholedFromClient.get();
    }

    public long forwarded() {
        return forwarded.get();
    }

    public long dropped() {
        return dropped.get();
    }

    private void pump(DatagramSocket from, boolean fromTheClient) {
        byte[] buffer = new byte[MAX_DATAGRAM];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                from.receive(packet);
            } catch (IOException e) {
                return;
            }
            InetSocketAddress target;
            if (fromTheClient) {
                if (client == null) {
                    client = (InetSocketAddress) packet.getSocketAddress();
                }
                target = server;
            } else {
                target = client;
            }
            boolean drop;
            synchronized (random) {
                drop = blackhole || target == null || random.nextDouble() < lossRate;
            }
            if (drop) {
                dropped.incrementAndGet();
                if (blackhole && fromTheClient) {
                    firstBlackholedFromClient.compareAndSet(0, System.nanoTime());
                }
                continue;
            }
            byte[] data = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            DatagramSocket out = fromTheClient ? serverSide : clientSide;
            Runnable send = () -> {
                if (blackhole || closed) {
                    dropped.incrementAndGet();
                    return;
                }
                try {
                    out.send(new DatagramPacket(data, data.length, target));
                    forwarded.incrementAndGet();
                } catch (IOException e) {
                    dropped.incrementAndGet();
                }
            };
            try {
                sender.schedule(send, delayNanos, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        clientSide.close();
        serverSide.close();
        sender.shutdownNow();
        fromClient.join(2_000);
        fromServer.join(2_000);
    }
}
