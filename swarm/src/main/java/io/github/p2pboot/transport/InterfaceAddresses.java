package io.github.p2pboot.transport;

import io.github.p2pboot.multiaddr.Component;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns a listen address on the unspecified address ({@code 0.0.0.0} or {@code ::}) into the
 * addresses peers can actually dial: one per address of that family on each interface that is up.
 */
public final class InterfaceAddresses {

    private InterfaceAddresses() {
    }

    public static List<Multiaddr> expand(Multiaddr listenAddress) {
        List<Component> components = listenAddress.components();
        if (components.isEmpty()) {
            return List.of(listenAddress);
        }
        Component host = components.get(0);
        boolean v4 = host.protocol() == Protocol.IP4 && "0.0.0.0".equals(host.value());
        boolean v6 = host.protocol() == Protocol.IP6 && "::".equals(host.value());
        if (!v4 && !v6) {
            return List.of(listenAddress);
        }
        String rest = listenAddress.toString().substring(("/" + host.protocol().textName() + "/" + host.value()).length());
        List<Multiaddr> expanded = new ArrayList<>();
        for (InetAddress address : interfaceAddresses()) {
            boolean matches = v4 ? address instanceof Inet4Address : address instanceof Inet6Address && !address.isLinkLocalAddress();
            if (matches) {
                String ip = address.getHostAddress();
                int zone = ip.indexOf('%');
                expanded.add(Multiaddr.parse("/" + host.protocol().textName() + "/" + (zone < 0 ? ip : ip.substring(0, zone)) + rest));
            }
        }
        return expanded.isEmpty() ? List.of(listenAddress) : expanded;
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    addresses.addAll(Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            // No interface list: the unexpanded address is the best we can offer.
        }
        // Loopback last, so that the first address printed is one other machines can reach.
        addresses.sort((a, b) -> Boolean.compare(a.isLoopbackAddress(), b.isLoopbackAddress()));
        return addresses;
    }
}
