package io.github.p2pboot.fuzzing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Takes the log of the code under fuzz: its events are kept (to check what the error says and
 * at which level) instead of printed, so a million bad inputs do not write a million lines.
 */
public final class LogCapture implements AutoCloseable {

    private record Saved(Logger logger, Level level, boolean additive) {
    }

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Saved> saved = new ArrayList<>();

    public LogCapture(Class<?>... sources) {
        appender.start();
        for (Class<?> source : sources) {
            Logger logger = (Logger) LoggerFactory.getLogger(source);
            saved.add(new Saved(logger, logger.getLevel(), logger.isAdditive()));
            logger.setLevel(Level.DEBUG);
            logger.setAdditive(false);
            logger.addAppender(appender);
        }
    }

    public List<ILoggingEvent> events() {
        return List.copyOf(appender.list);
    }

    public List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    public void clear() {
        appender.list.clear();
    }

    @Override
    public void close() {
        for (Saved s : saved) {
            s.logger().detachAppender(appender);
            s.logger().setLevel(s.level());
            s.logger().setAdditive(s.additive());
        }
        appender.stop();
    }
}
