package dev.djinn.cluster;

import dev.djinn.core.DjinnException;

import java.util.Locale;

/** Parses sizes like {@code 512M}, {@code 4GiB}, {@code 1.5g} or plain bytes. */
public final class Sizes {
    private Sizes() {
    }

    public static long parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> mult = 1L << 10;
                case 'm' -> mult = 1L << 20;
                case 'g' -> mult = 1L << 30;
                case 't' -> mult = 1L << 40;
                default -> mult = 1;
            }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return (long) (v * mult);
        } catch (NumberFormatException e) {
            throw new DjinnException("not a size: " + s + " (use e.g. 512M or 8G)");
        }
    }
}
