package io.github.p2pboot.sample;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.stream.Codec;
import io.github.p2pboot.stream.RequestClient;
import io.github.p2pboot.stream.RequestResponse;
import io.github.p2pboot.swarm.ProtocolHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A protocol of the app's own, served and called over REST ({@code POST /api/echo/{peerId}} with
 * text), on the stream API alone: no Netty type, no buffers, no threads. Failures become problem
 * details in {@link StreamErrors}.
 */
@RestController
record EchoController(RequestClient client) {

    static final RequestResponse<String, String> ECHO = RequestResponse.of("/sample/echo/1.0.0", Codec.utf8(), Codec.utf8()).build();

    @Bean
    static ProtocolHandler echoProtocol() {
        return ECHO.serve((peer, text) -> text);
    }

    @PostMapping("/api/echo/{peerId}")
    String echo(@PathVariable String peerId, @RequestBody String text) {
        return client.send(PeerId.parse(peerId), ECHO, text);
    }
}
