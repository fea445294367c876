package dev.apptap.it;

import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.flow.Flows;
import org.junit.jupiter.api.Test;

@InterceptApps("curl")
class FirstForkCurlTest {

    @Test
    void seesExactlyItsOwnTwentyCurls(Apps apps, Flows flows) throws Exception {
        CurlTwentyTimes.run("first", "second", apps, flows);
    }
}
