/**
 * Test support: {@link io.github.p2pboot.autoconfigure.test.Libp2pTestNode}.
 * Parameters and return values are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.github.p2pboot.autoconfigure.test;

import org.jspecify.annotations.NullMarked;
