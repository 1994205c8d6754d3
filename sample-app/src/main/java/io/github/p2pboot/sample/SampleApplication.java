package io.github.p2pboot.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A libp2p node in a Spring Boot web application, built on the starter alone: it prints how to
 * reach it at start ({@link StartupBanner}) and serves its peers, Kademlia records and pings over
 * REST ({@link NodeController}, {@link DhtController}).
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
