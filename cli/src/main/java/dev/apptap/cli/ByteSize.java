package dev.apptap.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code 512}, {@code 512k}, {@code 1m}, {@code 1MiB}: binary units, because body limits are about buffers. */
final class ByteSize implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long factor = 1;
        if (v.endsWith("k")) {
            factor = 1L << 10;
        } else if (v.endsWith("m")) {
            factor = 1L << 20;
        } else if (v.endsWith("g")) {
            factor = 1L << 30;
        }
        String digits = factor == 1 ? v : v.substring(0, v.length() - 1);
        try {
            long bytes = Long.parseLong(digits.strip()) * factor;
            if (bytes < 0 || bytes > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) bytes;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a size in bytes; write 1048576, 512k or 1m"
                    + " (at most 2047m)");
        }
    }
}
