package io.github.p2pboot.sample;

import io.github.p2pboot.swarm.Swarm;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/** A libp2p node in a Spring Boot application: prints its peer id and dialable addresses. */
@SpringBootApplication
public class SampleApplication {

    private final Swarm swarm;

    public SampleApplication(Swarm swarm) {
        this.swarm = swarm;
    }

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }

    @EventListener(ApplicationReadyEvent.class)
    public void printAddresses() {
        System.out.println("Peer ID: " + swarm.localPeerId());
        swarm.listenAddresses().forEach(address ->
                System.out.println("Listening on " + address.withPeerId(swarm.localPeerId())));
    }
}
