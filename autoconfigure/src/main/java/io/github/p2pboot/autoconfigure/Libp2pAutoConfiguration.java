package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.KeyFile;
import io.github.p2pboot.identity.KeyFileInUseException;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.kademlia.KademliaMode;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.keeper.ReconnectBackOff;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.stream.RequestClient;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.policy.AlwaysRetryPolicy;
import org.springframework.retry.policy.SimpleRetryPolicy;

/**
 * Runs a libp2p node configured from {@code libp2p.*}: its identity, the {@link Swarm} and its
 * {@link Kademlia} DHT, the connectivity that joins the network through the bootstrap peers and rejoins it after outages, and
 * the lifecycle that starts and stops them with the application.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "libp2p.enabled", matchIfMissing = true)
@EnableConfigurationProperties(Libp2pProperties.class)
public class Libp2pAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "libp2p.identity.ephemeral", havingValue = false, matchIfMissing = true)
    KeyFile libp2pKeyFile(Libp2pProperties properties) {
        try {
            return KeyFile.open(properties.getIdentity().getKeyFile());
        } catch (KeyFileInUseException e) {
            throw new Libp2pConfigurationException("libp2p.identity.key-file", properties.getIdentity().getKeyFile(), e.getMessage(),
                    "Give each node its own key file, or set libp2p.identity.ephemeral=true. A second node on this machine needs its "
                            + "own ports too, e.g. --libp2p.identity.key-file=.libp2p/node2.key --server.port=8081 "
                            + "--libp2p.listen=/ip4/0.0.0.0/udp/4002/quic-v1,/ip4/0.0.0.0/tcp/4002", e);
        } catch (RuntimeException e) {
            throw new Libp2pConfigurationException("libp2p.identity.key-file", properties.getIdentity().getKeyFile(), e.getMessage(),
                    "Point libp2p.identity.key-file at a readable libp2p key file, or at a path where one can be created.", e);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    PrivateKey libp2pHostKey(ObjectProvider<KeyFile> keyFile) {
        KeyFile file = keyFile.getIfAvailable();
        return file != null ? file.privateKey() : PrivateKey.generateEd25519();
    }

    /** Closed after the swarm, which depends on it, so that the last disconnects reach the file. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    PeerStore libp2pPeerStore(Libp2pProperties properties, PrivateKey hostKey) {
        return Libp2pSettings.peerStore(properties, hostKey);
    }

    @Bean
    @ConditionalOnMissingBean
    SwarmConfig libp2pSwarmConfig(Libp2pProperties properties, PrivateKey hostKey, PeerStore peerStore,
            ObjectProvider<SwarmConfigCustomizer> customizers) {
        Libp2pSettings.checkKademlia(properties.getKademlia());
        NativeQuic.check();
        SwarmConfig.Builder builder = Libp2pSettings.swarmConfigBuilder(properties, hostKey, peerStore);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Swarm libp2pSwarm(SwarmConfig config, ObjectProvider<ProtocolHandler> protocolHandlers,
            ObjectProvider<SwarmCustomizer> customizers) {
        Swarm swarm = new Swarm(config);
        protocolHandlers.orderedStream().forEach(swarm::registerProtocol);
        customizers.orderedStream().forEach(customizer -> customizer.customize(swarm));
        return swarm;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Kademlia libp2pKademlia(Swarm swarm, Libp2pProperties properties, ObjectProvider<KademliaConfigCustomizer> customizers) {
        Libp2pProperties.Kademlia kademlia = properties.getKademlia();
        KademliaConfig.Builder builder = KademliaConfig.builder()
                .protocolId(kademlia.getProtocol())
                .mode(kademlia.getMode() == Libp2pProperties.KademliaMode.CLIENT ? KademliaMode.CLIENT : KademliaMode.SERVER)
                .queryTimeout(kademlia.getQueryTimeout())
                .replicationFactor(kademlia.getReplicationFactor())
                .parallelism(kademlia.getParallelism())
                .bootstrapInterval(kademlia.getBootstrapInterval())
                .recordTtl(kademlia.getRecordTtl())
                .maxStoreBytes(kademlia.getMaxStoreSize() == null ? KademliaConfig.defaultMaxStoreBytes() : kademlia.getMaxStoreSize().toBytes())
                .maxEntriesPerPeer(kademlia.getMaxEntriesPerPeer())
                .maxBytesPerPeer(kademlia.getMaxSizePerPeer().toBytes());
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return new Kademlia(swarm, builder.build());
    }

    /**
     * Sends request-response requests to peers by id ({@code libp2p.client.*}), for protocols
     * declared with {@link io.github.p2pboot.stream.RequestResponse}.
     */
    @Bean
    @ConditionalOnMissingBean
    RequestClient libp2pRequestClient(Swarm swarm, Libp2pProperties properties) {
        Libp2pProperties.Client client = properties.getClient();
        Libp2pSettings.checkClient(client);
        return new RequestClient(swarm, client.getMaxAttempts(), client.getRetryDelay());
    }

    /**
     * The back-off between failed dials of a kept peer, from {@code libp2p.reconnect.*}: spring-retry
     * decides. Replace it with a bean of type {@link ReconnectBackOff}.
     */
    @Bean
    @ConditionalOnMissingBean
    ReconnectBackOff libp2pReconnectBackOff(Libp2pProperties properties) {
        Libp2pSettings.ReconnectSettings reconnect = Libp2pSettings.reconnect(properties.getReconnect());
        RetryPolicy retryPolicy = reconnect.maxAttempts() == 0 ? new AlwaysRetryPolicy() : new SimpleRetryPolicy(reconnect.maxAttempts());
        return new SpringRetryBackOff(retryPolicy, new JitteredExponentialBackOffPolicy(reconnect));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    PeerKeeper libp2pPeerKeeper(Swarm swarm, Kademlia kademlia, Libp2pProperties properties, ReconnectBackOff backOff) {
        // Long enough for the slower transport's handshake.
        Duration quic = swarm.config().quic().handshakeTimeout();
        Duration tcp = swarm.config().tcp().handshakeTimeout();
        Duration dialTimeout = (quic.compareTo(tcp) >= 0 ? quic : tcp).plusSeconds(2);
        return new PeerKeeper(swarm, Libp2pSettings.keeperConfig(properties, backOff, dialTimeout), kademlia);
    }

    @Bean
    @ConditionalOnMissingBean
    PeerConnectivity libp2pPeerConnectivity(Swarm swarm, PeerKeeper keeper, Libp2pProperties properties, ApplicationEventPublisher events) {
        return new PeerConnectivity(swarm, keeper, Libp2pSettings.bootstrapPeers(properties),
                Libp2pSettings.minPeers(properties), events);
    }

    @Bean
    @ConditionalOnMissingBean
    SwarmLifecycle libp2pSwarmLifecycle(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity, Libp2pProperties properties) {
        return new SwarmLifecycle(swarm, kademlia, connectivity, properties.getBootstrap().isDialOnStart(), properties.getListen());
    }
}
