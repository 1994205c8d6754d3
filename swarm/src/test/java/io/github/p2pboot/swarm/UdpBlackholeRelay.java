package io.github.p2pboot.swarm;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A UDP relay on loopback between one client and one server, which a test can turn into a black
 * hole: from then on every datagram either way is dropped, as if the far side had vanished without
 * a word (a kill -9, a pulled cable).
 */
final class UdpBlackholeRelay implements AutoCloseable {

    private final DatagramSocket clientSide;
    private final DatagramSocket serverSide;
    private final InetSocketAddress server;
    private volatile SocketAddress client;
    private volatile boolean blackhole;
    private final Thread toServer;
    private final Thread toClient;

    UdpBlackholeRelay(InetSocketAddress server) throws SocketException {
        this.server = server;
        this.clientSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.serverSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        toServer = start("relay-to-server", () -> pump(clientSide, true));
        toClient = start("relay-to-client", () -> pump(serverSide, false));
    }

    private static Thread start(String name, Runnable pump) {
        Thread thread = new Thread(pump, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** The port clients send to. */
    int port() {
        return clientSide.getLocalPort();
    }

    /** Drops every datagram from now on. */
    void blackhole() {
        blackhole = true;
    }

    private void pump(DatagramSocket from, boolean towardsServer) {
        byte[] buffer = new byte[65_535];
        while (!from.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                from.receive(packet);
                if (blackhole) {
                    continue;
                }
                if (towardsServer) {
                    client = packet.getSocketAddress();
                    serverSide.send(new DatagramPacket(packet.getData(), packet.getLength(), server));
                } else if (client != null) {
                    clientSide.send(new DatagramPacket(packet.getData(), packet.getLength(), client));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        clientSide.close();
        serverSide.close();
        toServer.join(2_000);
        toClient.join(2_000);
    }
}
