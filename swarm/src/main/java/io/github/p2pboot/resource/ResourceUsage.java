package io.github.p2pboot.resource;

import java.util.Map;

/**
 * What peers make the node hold now, against its {@link ResourceLimits}, and how often each kind
 * of refusal or peer error happened since the start.
 *
 * @param inboundConnections established connections peers dialled
 * @param outboundConnections established connections we dialled
 * @param pendingUpgrades inbound connections still authenticating
 * @param streams open streams
 * @param memory bytes reserved by buffers for peers
 * @param peers peers holding any resource
 * @param incidents every kind of refusal and peer error seen, with its total
 */
public record ResourceUsage(int inboundConnections, int outboundConnections, int pendingUpgrades, int streams, long memory,
        int peers, Map<String, Long> incidents) {

    public ResourceUsage {
        incidents = Map.copyOf(incidents);
    }
}
