package dev.apptap.assertions;

/** How unlike two strings are, for ranking near misses: a typo in a path is nearer than another path. */
final class Text {

    private Text() {
    }

    /** 0 for equal strings, else the edit distance over the longer length, never below 0.05. */
    static double distance(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        int longer = Math.max(a.length(), b.length());
        return Math.max(0.05, (double) levenshtein(a, b) / longer);
    }

    private static int levenshtein(String a, String b) {
        // Bodies can be long; beyond this the exact count no longer changes the ranking.
        String x = a.length() > 500 ? a.substring(0, 500) : a;
        String y = b.length() > 500 ? b.substring(0, 500) : b;
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
