package dev.djinn.server.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Locale;

/** The global functions Hugging Face gives chat templates. Jinjava calls them by reflection. */
public final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static Object raiseException(String message) {
        throw new TemplateRefusal(message);
    }

    /** {@code strftime_now(format)}: the current date and time, from the template engine's clock. */
    public static String strftimeNow(String format) {
        var config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return StrftimeFormatter.format(ZonedDateTime.ofInstant(now, config.getTimeZone()), format, Locale.ENGLISH);
    }

    /** Thrown by {@code raise_exception}; its message is the template's own. */
    static final class TemplateRefusal extends RuntimeException {
        TemplateRefusal(String message) {
            super(message, null, false, false);
        }
    }
}
