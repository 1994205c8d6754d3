/**
 * Spring Boot auto-configuration of a libp2p node: {@code libp2p.*} properties to a managed engine, engine events to Spring events, health, metrics and observations.
 * Parameters and return values are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.github.p2pboot.autoconfigure;

import org.jspecify.annotations.NullMarked;
