package io.github.p2pboot.kademlia;

import java.util.List;

/**
 * Checks records of one key namespace (the {@code ns} of keys {@code /ns/...}), before they are
 * stored or returned. Register with {@link Kademlia#registerValidator}: records of a namespace
 * without a validator are refused (not stored, served, put or returned), since nothing could vouch
 * for them. A namespace whose records need no check registers {@code (key, value) -> { }}.
 */
public interface RecordValidator {

    /**
     * @throws InvalidRecordException naming what is wrong with the record
     */
    void validate(byte[] key, byte[] value) throws InvalidRecordException;

    /** Picks the best of several valid values for one key; the index into {@code values}. */
    default int select(byte[] key, List<byte[]> values) {
        return 0;
    }
}
