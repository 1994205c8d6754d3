package io.github.p2pboot.interop;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.util.HexFormat;

/**
 * A node in a child JVM, for {@link QuicStatelessResetJsIT} to kill -9: args are the identity's
 * seed (hex) and the UDP port; prints {@code READY <address>} once it listens, and exits by itself
 * after two minutes should the test fail to kill it.
 */
public final class RestartedNodeMain {

    private RestartedNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        PrivateKey key = PrivateKey.ed25519FromSeed(HexFormat.of().parseHex(args[0]));
        Swarm swarm = new Swarm(SwarmConfig.builder(key).ioThreads(1).listen("/ip4/127.0.0.1/udp/" + args[1] + "/quic-v1").build());
        swarm.start();
        System.out.println("READY " + swarm.listenAddresses().get(0).withPeerId(swarm.localPeerId()));
        System.out.flush();
        Thread.sleep(120_000);
        System.exit(0);
    }
}
