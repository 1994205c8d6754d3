package io.github.p2pboot.swarm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback between one client and one server that can freeze: from then on it
 * forwards nothing and closes nothing, so both ends see a silent peer, as when a host vanishes
 * from the network (a process that dies has its kernel close the connection instead, which TCP
 * notices at once).
 */
public final class TcpRelay implements AutoCloseable {

    private final InetSocketAddress server;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final java.util.concurrent.atomic.AtomicLong firstFrozenFromClient = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean frozen;
    private volatile boolean closed;

    public TcpRelay(InetSocketAddress server) throws IOException {
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the relay forwards to loopback only, not " + server);
        }
        this.server = server;
        this.listener = new ServerSocket(0, 4, server.getAddress());
        this.acceptor = new Thread(this::accept, "tcp-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where the client connects to. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Stops forwarding in both directions, keeping the connections open. */
    public void freeze() {
        frozen = true;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket fromClient = listener.accept();
                Socket toServer = new Socket();
                toServer.connect(server, 5_000);
                // Without it, Nagle's algorithm holds small writes (pings) for the peer's delayed ACK.
                fromClient.setTcpNoDelay(true);
                toServer.setTcpNoDelay(true);
                sockets.add(fromClient);
                sockets.add(toServer);
                pipe(fromClient, toServer, true);
                pipe(toServer, fromClient, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** {@link System#nanoTime()} of the first client bytes swallowed after {@link #freeze()}, or 0. */
    public long firstFrozenFromClient() {
        return firstFrozenFromClient.get();
    }

    private void pipe(Socket from, Socket to, boolean fromTheClient) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    if (frozen) {
                        if (fromTheClient) {
                            firstFrozenFromClient.compareAndSet(0, System.nanoTime());
                        }
                        // Swallow what arrives: the sender's TCP sees it acknowledged, and no
                        // answer ever comes, as from a peer that hangs or is cut off.
                        continue;
                    }
                    out.write(buffer, 0, read);
                }
                if (!frozen) {
                    to.shutdownOutput();
                }
            } catch (IOException e) {
                // The relay or an end closed. The sockets are closed by close().
            }
        }, "tcp-relay-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
