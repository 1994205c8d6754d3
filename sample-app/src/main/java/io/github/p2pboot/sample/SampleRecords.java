package io.github.p2pboot.sample;

import io.github.p2pboot.kademlia.InvalidRecordException;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.RecordValidator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;

/**
 * The app's own Kademlia namespace, {@code /sample/<name>}: names of 1 to 64 letters, digits,
 * {@code .}, {@code _} or {@code -}, values of UTF-8 text up to 4 KiB. Kademlia refuses records of a
 * namespace that has no validator, from users and from peers alike; this one vouches for these.
 */
@Component
class SampleRecords implements RecordValidator {

    static final String NAMESPACE = "sample";
    static final int MAX_VALUE_BYTES = 4096;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    SampleRecords(Kademlia kademlia) {
        kademlia.registerValidator(NAMESPACE, this);
    }

    @Override
    public void validate(byte[] key, byte[] value) throws InvalidRecordException {
        String problem = problem(key, value);
        if (problem != null) {
            throw new InvalidRecordException(problem);
        }
    }

    /** The record key of a name given over REST; 400 for a name the namespace does not allow. */
    static byte[] key(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "a record name is 1 to 64 letters, digits, '.', '_' or '-', got '" + abbreviate(name) + "'");
        }
        return ("/" + NAMESPACE + "/" + name).getBytes(StandardCharsets.UTF_8);
    }

    /** 400 for a value the namespace does not allow, before the DHT is asked. */
    static void check(byte[] key, byte[] value) {
        String problem = problem(key, value);
        if (problem != null) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, problem);
        }
    }

    private static String problem(byte[] key, byte[] value) {
        String text = new String(key, StandardCharsets.UTF_8);
        String prefix = "/" + NAMESPACE + "/";
        if (!text.startsWith(prefix) || !NAME.matcher(text.substring(prefix.length())).matches()) {
            return "not a /" + NAMESPACE + "/<name> key";
        }
        if (value.length > MAX_VALUE_BYTES) {
            return "value of " + value.length + " bytes; at most " + MAX_VALUE_BYTES + " are allowed";
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            return "value is not UTF-8 text";
        }
        return null;
    }

    private static String abbreviate(String name) {
        return name.length() <= 80 ? name : name.substring(0, 80) + "...";
    }
}
