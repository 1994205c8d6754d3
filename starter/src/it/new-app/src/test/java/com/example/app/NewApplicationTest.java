package com.example.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.swarm.Swarm;
import io.netty.util.Version;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The application starts with its libp2p node listening on QUIC (the native codec loaded) and TCP. */
@SpringBootTest(properties = {
        "libp2p.identity.ephemeral=true",
        "libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1,/ip4/127.0.0.1/tcp/0"})
class NewApplicationTest {

    @Autowired
    Swarm swarm;

    @Test
    void startsTheNodeOnTheNettyTheBomGives() {
        assertThat(swarm.isRunning()).isTrue();
        assertThat(swarm.listenAddresses()).map(Object::toString)
                .anyMatch(address -> address.contains("/quic-v1"))
                .anyMatch(address -> address.contains("/tcp/"));
        assertThat(Version.identify().get("netty-common").artifactVersion())
                .isEqualTo(System.getProperty("expected.netty.version"));
    }
}
