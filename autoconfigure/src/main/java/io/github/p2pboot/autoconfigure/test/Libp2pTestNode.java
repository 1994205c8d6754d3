package io.github.p2pboot.autoconfigure.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * Runs the test's libp2p node so that tests never collide: a new identity each time (no key file,
 * no peer store file), and QUIC and TCP on free ports of 127.0.0.1 instead of 4001. Read the
 * addresses from {@code Swarm.listenAddresses()}.
 *
 * <pre>{@code
 * @SpringBootTest
 * @Libp2pTestNode
 * class MyProtocolTest { ... }
 * }</pre>
 *
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@TestPropertySource(properties = {
        "libp2p.identity.ephemeral=true",
        "libp2p.peer-store.enabled=false",
        "libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1,/ip4/127.0.0.1/tcp/0"})
public @interface Libp2pTestNode {
}
