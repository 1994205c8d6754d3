/**
 * Streams for application protocols, without Netty: {@link io.github.p2pboot.stream.ByteStream},
 * {@link io.github.p2pboot.stream.ByteStreams}, {@link io.github.p2pboot.stream.RequestResponse}
 * and {@link io.github.p2pboot.stream.RequestClient}. See {@code docs/protocols.md}.
 * Parameters and return values are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.github.p2pboot.stream;

import org.jspecify.annotations.NullMarked;
