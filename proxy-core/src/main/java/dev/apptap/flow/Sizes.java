package dev.apptap.flow;

import java.util.Locale;

/** Byte counts for people: {@code 512 B}, {@code 1.5 KiB}, {@code 3.0 MiB}, as flow summaries print them. */
public final class Sizes {

    private Sizes() {
    }

    /** {@code bytes} in the largest binary unit that keeps one whole digit: {@code Sizes.describe(1536)} is {@code 1.5 KiB}. */
    public static String describe(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
