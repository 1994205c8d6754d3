package io.github.p2pboot.autoconfigure;

import io.netty.handler.codec.quic.Quic;
import io.netty.util.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Checks, before the node starts, that Netty's native QUIC codec loads, and says what to do when it
 * does not: most often the application's dependency management (Spring Boot's BOM) picked another
 * Netty than the one p2pboot is built with, or mixed two Netty versions.
 */
final class NativeQuic {

    private NativeQuic() {
    }

    static void check() {
        if (Quic.isAvailable()) {
            return;
        }
        String expected = builtWithNetty();
        Map<String, Version> versions = Version.identify();
        String common = version(versions, "netty-common");
        String quic = version(versions, "netty-codec-classes-quic");
        String platform = System.getProperty("os.name") + " " + System.getProperty("os.arch");
        String problem = "Netty's native QUIC codec does not load on " + platform + " (netty-common " + common
                + ", netty-codec-classes-quic " + quic + "; p2pboot is built with " + expected + "): "
                + Quic.unavailabilityCause();
        String action = "Use Netty " + expected + ": import io.github.p2pboot:libp2p-bom in <dependencyManagement> "
                + "(see the README), or set the Maven property netty.version=" + expected
                + ". A platform Netty ships no native QUIC codec for"
                + (platform.toLowerCase(Locale.ROOT).contains("linux") ? "" : " (Netty has linux, macOS and windows x86_64 ones)")
                + " can listen on TCP only: libp2p.listen=/ip4/0.0.0.0/tcp/4001.";
        throw new Libp2pConfigurationException(problem, action);
    }

    /** The Netty version p2pboot was built and tested with. */
    static String builtWithNetty() {
        Properties build = new Properties();
        try (InputStream in = NativeQuic.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return build.getProperty("netty.version", "unknown");
    }

    private static String version(Map<String, Version> versions, String artifact) {
        Version version = versions.get(artifact);
        return version == null ? "absent" : version.artifactVersion();
    }
}
