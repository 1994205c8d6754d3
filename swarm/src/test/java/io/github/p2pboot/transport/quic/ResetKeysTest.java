package io.github.p2pboot.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PrivateKey;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResetKeysTest {

    private static final byte[] SEED = HexFormat.of().parseHex("000000000000000000000000000000000000000000000000000000000000002a");
    private final SecureRandom random = new SecureRandom();

    @Test
    void hkdfMatchesRfc5869WithAnEmptySaltAndInfo() {
        // RFC 5869, test case 3 (first 32 bytes of its 42-byte output).
        byte[] ikm = new byte[22];
        java.util.Arrays.fill(ikm, (byte) 0x0b);

        assertThat(HexFormat.of().formatHex(ResetKeys.hkdf(ikm, "", 32)))
                .isEqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
    }

    @Test
    void sameIdentityGivesTheSameTokenForTheSameIdAcrossRestarts() {
        ResetKeys firstRun = ResetKeys.derive(PrivateKey.ed25519FromSeed(SEED));
        ResetKeys secondRun = ResetKeys.derive(PrivateKey.ed25519FromSeed(SEED));
        byte[] id = new ConnectionIds(firstRun, random).newId(ConnectionIds.SERVER_HANDSHAKE);

        assertThat(secondRun.token(id)).isEqualTo(firstRun.token(id)).hasSize(16);
        assertThat(secondRun.newResetToken(java.nio.ByteBuffer.wrap(id)).array()).isEqualTo(firstRun.token(id));
    }

    @Test
    void anotherIdentityOrAnotherIdGivesAnotherToken() {
        ResetKeys ours = ResetKeys.derive(PrivateKey.ed25519FromSeed(SEED));
        ResetKeys theirs = ResetKeys.derive(PrivateKey.generateEd25519());
        ConnectionIds ids = new ConnectionIds(ours, random);
        byte[] id = ids.newId(ConnectionIds.SERVER_ISSUED);

        assertThat(theirs.token(id)).isNotEqualTo(ours.token(id));
        assertThat(ours.token(ids.newId(ConnectionIds.SERVER_ISSUED))).isNotEqualTo(ours.token(id));
    }

    @Test
    void idsOfThisRunOfAnEarlierRunAndOfOthersAreToldApart() {
        PrivateKey key = PrivateKey.ed25519FromSeed(SEED);
        ConnectionIds earlierRun = new ConnectionIds(ResetKeys.derive(key), random);
        ConnectionIds thisRun = new ConnectionIds(ResetKeys.derive(key), random);
        ConnectionIds otherIdentity = new ConnectionIds(ResetKeys.derive(PrivateKey.generateEd25519()), random);
        assertThat(thisRun.epoch()).isNotEqualTo(earlierRun.epoch());

        assertThat(thisRun.classify(thisRun.newId(ConnectionIds.SERVER_HANDSHAKE))).isEqualTo(ConnectionIds.Origin.THIS_RUN);
        assertThat(thisRun.classify(thisRun.newId(ConnectionIds.CLIENT_HANDSHAKE))).isEqualTo(ConnectionIds.Origin.THIS_RUN);
        assertThat(thisRun.classify(earlierRun.newId(ConnectionIds.SERVER_HANDSHAKE))).isEqualTo(ConnectionIds.Origin.EARLIER_RUN_SERVER);
        assertThat(thisRun.classify(earlierRun.newId(ConnectionIds.SERVER_ISSUED))).isEqualTo(ConnectionIds.Origin.EARLIER_RUN_SERVER);
        assertThat(thisRun.classify(earlierRun.newId(ConnectionIds.CLIENT_HANDSHAKE))).isEqualTo(ConnectionIds.Origin.EARLIER_RUN_CLIENT);
        assertThat(thisRun.classify(otherIdentity.newId(ConnectionIds.SERVER_HANDSHAKE))).isEqualTo(ConnectionIds.Origin.FOREIGN);
        assertThat(thisRun.classify(new byte[12])).isEqualTo(ConnectionIds.Origin.FOREIGN);
        int foreign = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] junk = new byte[ConnectionIds.LENGTH];
            random.nextBytes(junk);
            if (thisRun.classify(junk) == ConnectionIds.Origin.FOREIGN) {
                foreign++;
            }
        }
        assertThat(foreign).isEqualTo(10_000);
    }

    @Test
    void idsAreTwentyBytesAndUnique() {
        ConnectionIds ids = new ConnectionIds(ResetKeys.derive(PrivateKey.generateEd25519()), random);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            byte[] id = ids.newId(ConnectionIds.SERVER_ISSUED);
            assertThat(id).hasSize(ConnectionIds.LENGTH);
            seen.add(HexFormat.of().formatHex(id));
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void resetsAreSmallerThanTheirTriggerAndShapedLikeShortHeaderPackets() {
        ResetKeys keys = ResetKeys.derive(PrivateKey.generateEd25519());
        StatelessResetHandler handler = new StatelessResetHandler(new ConnectionIds(keys, random), keys,
                new ResetRateLimiter(System::nanoTime), random, new java.util.concurrent.atomic.AtomicLong());
        byte[] token = keys.token(new byte[ConnectionIds.LENGTH]);
        for (int trigger : new int[] {22, 30, 42, 43, 60, 1200, 1500}) {
            for (int i = 0; i < 50; i++) {
                byte[] reset = handler.reset(trigger, token);
                assertThat(reset.length).isLessThan(trigger).isGreaterThanOrEqualTo(StatelessResetHandler.MIN_RESET)
                        .isLessThanOrEqualTo(StatelessResetHandler.MAX_RESET);
                assertThat(reset[0] & 0xc0).isEqualTo(0x40);
                assertThat(java.util.Arrays.copyOfRange(reset, reset.length - 16, reset.length)).isEqualTo(token);
                if (trigger > StatelessResetHandler.USUAL_RESET) {
                    assertThat(reset.length).isGreaterThanOrEqualTo(StatelessResetHandler.USUAL_RESET);
                }
            }
        }
    }

    @Test
    void keysDoNotShowInToString() {
        ResetKeys keys = ResetKeys.derive(PrivateKey.ed25519FromSeed(SEED));
        assertThat(keys.toString()).doesNotContain(HexFormat.of().formatHex(keys.connectionIdKey()));
    }
}
