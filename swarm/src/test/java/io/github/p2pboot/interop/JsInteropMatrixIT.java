package io.github.p2pboot.interop;

import io.github.p2pboot.interop.peers.PeerProcess;

/** The interop matrix's js-libp2p row (see {@link InteropMatrix}). */
class JsInteropMatrixIT extends InteropMatrix {

    @Override
    PeerProcess.Implementation implementation() {
        return PeerProcess.Implementation.JS;
    }
}
