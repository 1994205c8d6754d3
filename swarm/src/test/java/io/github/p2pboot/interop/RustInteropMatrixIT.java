package io.github.p2pboot.interop;

import io.github.p2pboot.interop.peers.PeerProcess;

/** The interop matrix's rust-libp2p row (see {@link InteropMatrix}). */
class RustInteropMatrixIT extends InteropMatrix {

    @Override
    PeerProcess.Implementation implementation() {
        return PeerProcess.Implementation.RUST;
    }
}
