package io.github.p2pboot.resource;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class IncidentsTest {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final AtomicLong now = new AtomicLong();
    private final Incidents incidents = new Incidents(now::get);

    @BeforeEach
    void captureLog() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(Incidents.class)).addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        ((Logger) LoggerFactory.getLogger(Incidents.class)).detachAppender(logged);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aFloodFromOnePeerCostsOneWarningAndThenOneSummaryPerPeriod() {
        for (int i = 0; i < 20_000; i++) {
            incidents.report("yamux protocol error", "peerA", "GoAway with error code " + i);
        }
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().get(0)).contains("yamux protocol error from peerA: GoAway with error code 0");

        now.addAndGet(Incidents.SUMMARY_PERIOD.toNanos());
        incidents.report("yamux protocol error", "peerB", "GoAway");
        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).contains("20000 more").contains("2 peer(s)").contains("most from peerA (19999)");
        assertThat(incidents.total("yamux protocol error")).isEqualTo(20_001);
    }

    @Test
    void flushSumsUpAQuietPeriodOnlyWhenSomethingHappened() {
        incidents.report("tcp upgrade failed", "127.0.0.1:5000", "reset");
        incidents.report("tcp upgrade failed", "127.0.0.1:5001", "reset");
        incidents.flush();
        assertThat(warnings()).hasSize(1);
        now.addAndGet(Incidents.SUMMARY_PERIOD.toNanos());
        incidents.flush();
        assertThat(warnings()).hasSize(2).last().asString().contains("1 more");
        now.addAndGet(Incidents.SUMMARY_PERIOD.toNanos());
        incidents.flush();
        assertThat(warnings()).hasSize(2);
        assertThat(incidents.totals()).containsEntry("tcp upgrade failed", 2L);
    }

    @Test
    void kindsAreCountedApartAndPeersBeyondTheCapAreCountedUnnamed() {
        for (int i = 0; i < Incidents.MAX_PEERS_PER_PERIOD + 10; i++) {
            incidents.report("connection refused", "peer" + i, "limit");
        }
        incidents.report("stream reset", "peer0", "idle");
        now.addAndGet(Incidents.SUMMARY_PERIOD.toNanos());
        incidents.flush();
        assertThat(warnings()).hasSize(3);
        assertThat(warnings()).anyMatch(w -> w.startsWith("connection refused:") && w.contains("from over "));
        assertThat(incidents.totals()).containsOnlyKeys("connection refused", "stream reset");
    }
}
