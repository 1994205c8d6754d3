package io.github.p2pboot.bench.rejoin;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lossy network path on loopback between one dialer and one listener, for case (j): each
 * datagram is held for a fixed delay and a share of them is dropped at random, in each direction.
 * The dialer sends to {@link #port()}; the listener sees the relay's other socket as the dialer.
 * Datagrams keep their order (one sender thread, equal delays). After the idea of the swarm
 * tests' relay, written for the bench (the bench does not depend on test code).
 */
final class LossyUdpRelay implements AutoCloseable {

    private final InetSocketAddress target;
    private final double lossRate;
    private final long delayNanos;
    private final Random random;
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lossy-relay-send"));
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile InetSocketAddress dialer;
    private volatile boolean closed;

    /**
     * @param targetPort the listener's UDP port on loopback
     * @param lossRate share of datagrams dropped in each direction, 0 to 1
     * @param delayMillis how long each datagram is held (one way)
     * @param seed seeds the drops, so that a run can be repeated
     */
    LossyUdpRelay(int targetPort, double lossRate, long delayMillis, long seed) throws SocketException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.target = new InetSocketAddress(loopback, targetPort);
        this.lossRate = lossRate;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.random = new Random(seed);
        this.front = new DatagramSocket(new InetSocketAddress(loopback, 0));
        this.back = new DatagramSocket(new InetSocketAddress(loopback, 0));
        daemon(() -> pump(front, true), "lossy-relay-from-dialer").start();
        daemon(() -> pump(back, false), "lossy-relay-from-listener").start();
    }

    int port() {
        return front.getLocalPort();
    }

    long forwarded() {
        return forwarded.get();
    }

    long dropped() {
        return dropped.get();
    }

    private void pump(DatagramSocket from, boolean fromDialer) {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                from.receive(packet);
            } catch (IOException e) {
                return;
            }
            if (fromDialer && dialer == null) {
                dialer = (InetSocketAddress) packet.getSocketAddress();
            }
            InetSocketAddress to = fromDialer ? target : dialer;
            boolean drop;
            synchronized (random) {
                drop = to == null || random.nextDouble() < lossRate;
            }
            if (drop) {
                dropped.incrementAndGet();
                continue;
            }
            byte[] data = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            DatagramSocket out = fromDialer ? back : front;
            try {
                sender.schedule(() -> {
                    try {
                        out.send(new DatagramPacket(data, data.length, to));
                        forwarded.incrementAndGet();
                    } catch (IOException e) {
                        dropped.incrementAndGet();
                    }
                }, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
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
    public void close() {
        closed = true;
        front.close();
        back.close();
        sender.shutdownNow();
    }
}
