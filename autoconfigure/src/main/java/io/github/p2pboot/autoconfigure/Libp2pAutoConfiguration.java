package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.KeyFile;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** Runs a libp2p {@link Swarm} configured from {@code libp2p.*}. */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "libp2p.enabled", matchIfMissing = true)
@EnableConfigurationProperties(Libp2pProperties.class)
public class Libp2pAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "libp2p.identity.ephemeral", havingValue = false, matchIfMissing = true)
    KeyFile libp2pKeyFile(Libp2pProperties properties) {
        return KeyFile.open(properties.getIdentity().getKeyFile());
    }

    @Bean
    @ConditionalOnMissingBean
    PrivateKey libp2pHostKey(ObjectProvider<KeyFile> keyFile) {
        KeyFile file = keyFile.getIfAvailable();
        return file != null ? file.privateKey() : PrivateKey.generateEd25519();
    }

    @Bean
    @ConditionalOnMissingBean
    SwarmConfig libp2pSwarmConfig(Libp2pProperties properties, PrivateKey hostKey) {
        Libp2pProperties.Quic quic = properties.getQuic();
        SwarmConfig.Builder builder = SwarmConfig.builder(hostKey)
                .quic(new QuicSettings(quic.getMaxIdleTimeout(), quic.getKeepAliveInterval(), quic.getHandshakeTimeout(), quic.getMaxStreams()));
        properties.getListen().forEach(builder::listen);
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Swarm libp2pSwarm(SwarmConfig config) {
        return new Swarm(config);
    }

    @Bean
    @ConditionalOnMissingBean
    SwarmLifecycle libp2pSwarmLifecycle(Swarm swarm) {
        return new SwarmLifecycle(swarm);
    }
}
