package dev.apptap.proxy.rules;

/** Small text helpers for descriptions, explanations and near-miss ranking. */
final class Texts {

    private static final int MAX = 80;
    // Bodies can be long; beyond this the exact edit count no longer changes a ranking.
    private static final int MAX_COMPARED = 500;

    private Texts() {
    }

    /** One line, at most 80 characters, so a near-miss explanation stays readable next to a 1 MiB body. */
    static String abbreviate(String text) {
        String line = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        return line.length() <= MAX ? line : line.substring(0, MAX - 1) + "…";
    }

    static String quote(String text) {
        return "\"" + abbreviate(text) + "\"";
    }

    /**
     * How unlike two strings are, for ranking near misses: 0 when equal, else the edit distance over the longer
     * length, never below 0.05, so that a typo in a path ranks nearer than another path.
     */
    static double distance(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        String x = a.length() > MAX_COMPARED ? a.substring(0, MAX_COMPARED) : a;
        String y = b.length() > MAX_COMPARED ? b.substring(0, MAX_COMPARED) : b;
        int longer = Math.max(x.length(), y.length());
        return longer == 0 ? 1 : Math.max(0.05, (double) levenshtein(x, y) / longer);
    }

    private static int levenshtein(String x, String y) {
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int cost = x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }
}
