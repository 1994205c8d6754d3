package io.github.p2pboot.bench.rejoin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Ports that are free on loopback right now, for nodes that must come back on the same port after
 * a restart. Another process could take one between the check and the bind; on this machine,
 * with the kernel handing out ephemeral ports in turn, that does not happen in practice.
 */
final class FreePorts {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private FreePorts() {
    }

    static int udp() {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int tcp() {
        try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
