package io.github.p2pboot.hostile;

import java.io.OutputStream;
import java.net.Socket;

/**
 * TCP connections that propose {@code /noise} and then reset (SO_LINGER 0): no authentication
 * needed, so nothing but the victim's log policy stands between them and its log.
 */
final class ResetsBeforeNoise implements Siege.Attack {

    private final Victim victim;
    private final int connections;

    ResetsBeforeNoise(Victim victim, int connections) {
        this.victim = victim;
        this.connections = connections;
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        long deadline = start + Attacks.FLOOD_LIMIT.toNanos();
        byte[] proposal = io.netty.buffer.ByteBufUtil.getBytes(RawTcpPeer.proposal("/noise"));
        int done = 0;
        for (int i = 0; i < connections && System.nanoTime() < deadline; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(victim.tcp6(), 5_000);
                OutputStream out = socket.getOutputStream();
                out.write(proposal);
                out.flush();
                // Wait for the victim's first answer, so that it is reading when the reset comes.
                socket.setSoTimeout(2_000);
                socket.getInputStream().read();
                socket.setSoLinger(true, 0);
                done++;
            } catch (java.io.IOException refusedOrSlow) {
                // counted by what is missing from done
            }
        }
        return "TCP resets before Noise: " + done + " of " + connections + " connections proposed /noise and reset, in "
                + Attacks.seconds(start);
    }

    @Override
    public void close() {
    }

}
