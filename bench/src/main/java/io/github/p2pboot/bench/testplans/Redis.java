package io.github.p2pboot.bench.testplans;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The two Redis commands the transport-interop harness needs (RESP2 over one socket), nothing more. */
final class Redis implements AutoCloseable {

    private static final int MAX_REPLY_BYTES = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Redis(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code host:port}, retrying until {@code timeout} (the harness may start Redis after us). */
    static Redis connect(String hostPort, Duration timeout) throws IOException, InterruptedException {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(host, port), 2_000);
                return new Redis(socket);
            } catch (IOException e) {
                socket.close();
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot reach Redis at " + hostPort + " within " + timeout.toSeconds() + " s", e);
                }
                Thread.sleep(200);
            }
        }
    }

    void rpush(String key, String value) throws IOException {
        Object reply = command("RPUSH", key, value);
        if (!(reply instanceof Long)) {
            throw new IOException("RPUSH " + key + ": unexpected reply " + reply);
        }
    }

    /** BLPOP with a timeout in whole seconds; empty if nothing came. */
    Optional<String> blpop(String key, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.plusSeconds(5).toMillis());
        Object reply = command("BLPOP", key, Long.toString(Math.max(1, timeout.toSeconds())));
        if (reply == null) {
            return Optional.empty();
        }
        if (reply instanceof List<?> pair && pair.size() == 2 && pair.get(1) instanceof String value) {
            return Optional.of(value);
        }
        throw new IOException("BLPOP " + key + ": unexpected reply " + reply);
    }

    private Object command(String... parts) throws IOException {
        StringBuilder request = new StringBuilder("*").append(parts.length).append("\r\n");
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            request.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
        }
        out.write(request.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply();
    }

    private Object reply() throws IOException {
        String line = line();
        if (line.isEmpty()) {
            throw new IOException("empty Redis reply");
        }
        String rest = line.substring(1);
        return switch (line.charAt(0)) {
            case '+' -> rest;
            case '-' -> throw new IOException("Redis: " + rest);
            case ':' -> Long.parseLong(rest);
            case '$' -> {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    yield null;
                }
                if (length > MAX_REPLY_BYTES) {
                    throw new IOException("Redis reply of " + length + " bytes, more than " + MAX_REPLY_BYTES);
                }
                byte[] bytes = in.readNBytes(length + 2);
                yield new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int count = Integer.parseInt(rest);
                if (count < 0) {
                    yield null;
                }
                if (count > 16) {
                    throw new IOException("Redis array of " + count + " elements, more than expected");
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(reply());
                }
                yield items;
            }
            default -> throw new IOException("not a RESP reply: " + line);
        };
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("Redis closed the connection");
            }
            if (line.length() > MAX_REPLY_BYTES) {
                throw new IOException("Redis reply line longer than " + MAX_REPLY_BYTES);
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
