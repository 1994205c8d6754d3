package io.github.p2pboot.bench.rejoin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on loopback that counts the datagrams it forwards each way: one dialer sends to
 * {@link #port()}, the relay forwards to the target from a second socket, and the target's answers
 * go back to the dialer from the first. Used to count what an idle QUIC connection costs on the
 * wire (keep-alive pings and their acknowledgements).
 */
final class CountingUdpRelay implements AutoCloseable {

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress target;
    private final AtomicLong toTarget = new AtomicLong();
    private final AtomicLong fromTarget = new AtomicLong();
    private volatile SocketAddress dialer;
    private final Thread frontThread;
    private final Thread backThread;

    CountingUdpRelay(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        target = new InetSocketAddress(loopback, targetPort);
        front = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        back = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        frontThread = new Thread(this::forwardToTarget, "udp-relay-front-" + port());
        backThread = new Thread(this::forwardToDialer, "udp-relay-back-" + port());
        frontThread.setDaemon(true);
        backThread.setDaemon(true);
        frontThread.start();
        backThread.start();
    }

    int port() {
        try {
            return ((InetSocketAddress) front.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a new counting window. */
    void resetCounts() {
        toTarget.set(0);
        fromTarget.set(0);
    }

    long toTarget() {
        return toTarget.get();
    }

    long fromTarget() {
        return fromTarget.get();
    }

    private void forwardToTarget() {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (true) {
                buffer.clear();
                dialer = front.receive(buffer);
                buffer.flip();
                back.send(buffer, target);
                toTarget.incrementAndGet();
            }
        } catch (ClosedChannelException closed) {
            // close() ends the relay.
        } catch (IOException e) {
            System.err.println("udp relay stopped: " + e);
        }
    }

    private void forwardToDialer() {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (true) {
                buffer.clear();
                back.receive(buffer);
                buffer.flip();
                SocketAddress to = dialer;
                if (to != null) {
                    front.send(buffer, to);
                    fromTarget.incrementAndGet();
                }
            }
        } catch (ClosedChannelException closed) {
            // close() ends the relay.
        } catch (IOException e) {
            System.err.println("udp relay stopped: " + e);
        }
    }

    @Override
    public void close() throws IOException {
        front.close();
        back.close();
    }
}
