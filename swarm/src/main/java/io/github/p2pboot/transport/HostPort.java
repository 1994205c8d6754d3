package io.github.p2pboot.transport;

import io.github.p2pboot.multiaddr.Component;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.netty.channel.ChannelFuture;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The network part of a transport multiaddr: its first two components, a host ({@code ip4},
 * {@code ip6} or a {@code dns} name) and a port ({@code tcp} or {@code udp}). Transports share it to
 * read addresses and to resolve names off the event loop.
 */
public record HostPort(Protocol hostProtocol, String host, Protocol portProtocol, int port) {

    private static final Set<Protocol> HOSTS = Set.of(Protocol.IP4, Protocol.IP6, Protocol.DNS, Protocol.DNS4, Protocol.DNS6);

    /**
     * Reads the host and port of {@code address} if its components, ignoring a trailing
     * {@code /p2p}, are exactly a host, a port of {@code portProtocol} and then {@code rest}.
     *
     * @return null if the address does not have that shape
     */
    public static HostPort match(Multiaddr address, Protocol portProtocol, Protocol... rest) {
        List<Component> components = address.withoutPeerId().components();
        if (components.size() != 2 + rest.length
                || !HOSTS.contains(components.get(0).protocol())
                || components.get(1).protocol() != portProtocol) {
            return null;
        }
        for (int i = 0; i < rest.length; i++) {
            if (components.get(2 + i).protocol() != rest[i]) {
                return null;
            }
        }
        return new HostPort(components.get(0).protocol(), components.get(0).value(), portProtocol,
                Integer.parseInt(components.get(1).value()));
    }

    public boolean isIpLiteral() {
        return hostProtocol == Protocol.IP4 || hostProtocol == Protocol.IP6;
    }

    /** The socket address of an ip4 or ip6 host; never does a name lookup. */
    public InetSocketAddress literalSocketAddress() {
        if (!isIpLiteral()) {
            throw new IllegalStateException(host + " is a name, not an IP address");
        }
        try {
            // An IP literal is parsed without any lookup.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid IP address " + host, e);
        }
    }

    /**
     * Resolves the address: at once for IP literals, on a common pool thread for names so that no
     * event loop blocks on DNS. {@code dns4} and {@code dns6} pick an address of their family.
     */
    public CompletableFuture<InetSocketAddress> resolve() {
        if (isIpLiteral()) {
            return CompletableFuture.completedFuture(literalSocketAddress());
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (InetAddress candidate : InetAddress.getAllByName(host)) {
                    boolean v4 = candidate.getAddress().length == 4;
                    if (hostProtocol == Protocol.DNS || (hostProtocol == Protocol.DNS4) == v4) {
                        return new InetSocketAddress(candidate, port);
                    }
                }
                throw new UnknownHostException("no " + hostProtocol.textName() + " address for " + host);
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * Waits for a listener's socket to bind to this host and port.
     *
     * @param address the listen address, for the error message
     * @return this host with the port actually bound; the requested host rather than the socket's
     *     own report, since a socket bound to {@code 0.0.0.0} may call itself the dual-stack
     *     {@code ::}, which would misdescribe an IPv4 listener
     * @throws BindException naming {@code address} if the bind failed
     */
    public InetSocketAddress awaitBind(ChannelFuture bind, Multiaddr address) throws BindException {
        bind.awaitUninterruptibly();
        if (!bind.isSuccess()) {
            BindException e = new BindException("cannot listen on " + address + ": " + bind.cause().getMessage());
            e.initCause(bind.cause());
            throw e;
        }
        int boundPort = ((InetSocketAddress) bind.channel().localAddress()).getPort();
        return new InetSocketAddress(literalSocketAddress().getAddress(), boundPort);
    }
}
