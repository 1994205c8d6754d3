package io.github.p2pboot.interop;

import io.github.p2pboot.interop.peers.PeerProcess;

/** The interop matrix's go-libp2p row (see {@link InteropMatrix}). */
class GoInteropMatrixIT extends InteropMatrix {

    @Override
    PeerProcess.Implementation implementation() {
        return PeerProcess.Implementation.GO;
    }
}
