package io.github.p2pboot.identity;

import java.nio.file.Path;

/** Another running node holds the lock of this key file: two nodes must not share a peer id. */
public class KeyFileInUseException extends IllegalStateException {

    private final Path path;

    public KeyFileInUseException(Path path) {
        super("key file " + path + " is in use by another running node (its lock " + path + ".lock is held); "
                + "give each node its own key file");
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
