package io.github.p2pboot.kademlia;

/** A record its namespace's {@link RecordValidator} refused. */
public class InvalidRecordException extends Exception {

    public InvalidRecordException(String message) {
        super(message);
    }
}
