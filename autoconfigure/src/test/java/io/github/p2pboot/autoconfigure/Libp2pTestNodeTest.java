package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.autoconfigure.test.Libp2pTestNode;
import io.github.p2pboot.identity.KeyFile;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.swarm.Swarm;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

/** A test's node with {@link Libp2pTestNode}: a fresh identity, no files, free loopback ports. */
@SpringJUnitConfig(Libp2pTestNodeTest.Node.class)
@Libp2pTestNode
class Libp2pTestNodeTest {

    @Autowired
    Swarm swarm;

    @Autowired
    ApplicationContext context;

    @Test
    void runsOnFreeLoopbackPortsWithAnEphemeralIdentity() {
        assertThat(swarm.listenAddresses()).hasSize(2).allSatisfy(address -> {
            assertThat(address.toString()).startsWith("/ip4/127.0.0.1/").doesNotContain("/4001");
        });
        assertThat(context.getBeanNamesForType(KeyFile.class)).isEmpty();
        assertThat(swarm.peerStore()).isInstanceOf(InMemoryPeerStore.class);
    }

    @ImportAutoConfiguration(Libp2pAutoConfiguration.class)
    static class Node {
    }
}
