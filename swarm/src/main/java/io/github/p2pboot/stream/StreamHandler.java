package io.github.p2pboot.stream;

/**
 * Serves one inbound stream of a protocol, on a thread of the protocol's executor (never a Netty
 * event loop), so it may block: use {@link ByteStream#blocking()}. When it returns, this side of
 * the stream is ended if it was not already; if it throws, the stream is reset. Either way only
 * this stream is affected.
 */
@FunctionalInterface
public interface StreamHandler {

    void handle(ByteStream stream) throws Exception;
}
