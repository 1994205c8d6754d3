/**
 * The Yamux stream multiplexer ({@code /yamux/1.0.0}, hashicorp/yamux spec) for connections that
 * lack their own streams, such as TCP secured with Noise. {@link
 * io.github.p2pboot.muxer.yamux.YamuxSession} is the only public type: it is the connection's last
 * pipeline handler, and each stream it opens or accepts is a Netty channel that behaves like a
 * QUIC stream channel with half-closure, so protocol handlers run on either unchanged.
 */
package io.github.p2pboot.muxer.yamux;
