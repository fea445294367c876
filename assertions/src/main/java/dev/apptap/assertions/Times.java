package dev.apptap.assertions;

/**
 * How many flows {@link FlowsAssert#hasRequest(RequestPattern, Times)} expects: made with
 * {@link ApptapAssertions#exactly}, {@link ApptapAssertions#atLeast}, {@link ApptapAssertions#atMost},
 * {@link ApptapAssertions#between} and {@link ApptapAssertions#never}.
 *
 * <pre>{@code
 * // a poller: "at least 3" holds once it got there, where "exactly 3" stops holding at the 4th poll
 * assertThat(flows).within(Duration.ofSeconds(10)).hasRequest(get("/v1/status"), atLeast(3));
 * }</pre>
 *
 * <p>With {@link FlowsAssert#within}, the check is retried until it holds, so {@code atMost} and {@code never} hold
 * at once if they hold at all: to check that an app stopped, wait for it first (let it exit, or wait for a later
 * request), then assert without {@code within}.
 */
public final class Times {

    private final int min;
    private final int max;

    private Times(int min, int max) {
        this.min = min;
        this.max = max;
    }

    static Times between(int min, int max) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("A count must lie between 0 and a maximum no smaller than its minimum,"
                                               + " but got " + min + " to " + max + ".");
        }
        return new Times(min, max);
    }

    boolean allows(int count) {
        return count >= min && count <= max;
    }

    /** {@code exactly 2 flows}, {@code at least 3 flows}, {@code at most 1 flow}, {@code between 2 and 4 flows}. */
    String describe() {
        if (min == max) {
            return min == 0 ? "no flow" : "exactly " + Lines.count(min, "flow");
        }
        if (max == Integer.MAX_VALUE) {
            return "at least " + Lines.count(min, "flow");
        }
        if (min == 0) {
            return "at most " + Lines.count(max, "flow");
        }
        return "between " + min + " and " + max + " flows";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Times other && other.min == min && other.max == max;
    }

    @Override
    public int hashCode() {
        return 31 * min + max;
    }

    @Override
    public String toString() {
        return describe();
    }
}
