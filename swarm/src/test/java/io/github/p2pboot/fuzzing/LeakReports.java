package io.github.p2pboot.fuzzing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's own leak detector during a fuzz run, at its strictest level unless {@code fuzz.leakDetection}
 * names another, and its reports collected:
 * a second net under {@link TrackingAllocator} for buffers made by allocators we do not control
 * (e.g. {@code Unpooled.wrappedBuffer} in decoders).
 */
public final class LeakReports implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();

    public LeakReports() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(System.getProperty("fuzz.leakDetection", "paranoid").toUpperCase(java.util.Locale.ROOT)));
        appender.start();
        logger.addAppender(appender);
    }

    /**
     * Collects garbage and lets the detector look at it: leaks are reported when the next tracked
     * buffer is made after the leaked one was collected.
     */
    public List<String> collect() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Only buffers a fuzz property made: the detector also reports buffers that earlier test
        // classes of the same JVM leaked and the collector found only now (the creation record then
        // names no fuzz test), which would make a fuzz class fail for another's leak, at random.
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("LEAK") && m.contains("FuzzTest")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        ResourceLeakDetector.setLevel(previous);
    }
}
