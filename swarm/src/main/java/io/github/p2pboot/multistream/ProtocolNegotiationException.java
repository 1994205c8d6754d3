package io.github.p2pboot.multistream;

import java.io.IOException;

/** multistream-select failed on a stream: bad input, or no protocol both sides support. */
public class ProtocolNegotiationException extends IOException {

    public ProtocolNegotiationException(String message) {
        super(message);
    }
}
