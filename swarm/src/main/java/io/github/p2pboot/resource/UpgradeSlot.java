package io.github.p2pboot.resource;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/** A pending-upgrade slot of the {@link ResourceManager}: released once, however the upgrade ends. */
public final class UpgradeSlot {

    private final ResourceManager manager;
    private final InetAddress host;
    private final AtomicBoolean held = new AtomicBoolean(true);

    UpgradeSlot(ResourceManager manager, InetAddress host) {
        this.manager = manager;
        this.host = host;
    }

    /** Gives the slot back; later calls do nothing. */
    public void release() {
        if (held.compareAndSet(true, false)) {
            manager.releaseUpgrade(host);
        }
    }
}
