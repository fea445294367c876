package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.flow.Flows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code git clone https://…} from a local git host ({@link LocalGitServer}). git itself makes no connection: it
 * starts {@code git-remote-https}, which does. The spec {@code git} catches that child too, because apptap matches the
 * processes a matched process starts. git trusts apptap's CA through {@code GIT_SSL_CAINFO}, which {@link Apps} sets.
 */
@InterceptApps("git")
class GitCloneSampleTest {

    static final Duration PATIENCE = Duration.ofSeconds(5);

    static LocalGitServer gitHost;

    @BeforeAll
    static void startTheGitHost(@TempDir Path served) throws Exception {
        gitHost = LocalGitServer.serving(served);
        gitHost.createRepository("repo.git", "README", "cloned through apptap\n");
    }

    @AfterAll
    static void stopTheGitHost() {
        gitHost.close();
    }

    @Test
    void clonesOverHttps(Apps apps, Flows flows, @TempDir Path directory) throws Exception {
        Path clone = directory.resolve("clone");

        AppResult git = apps.run("git", "clone", "-q", gitHost.url("/repo.git"), clone.toString());

        assertThat(git.exitCode()).as(git.toString()).isZero();
        assertThat(Files.readString(clone.resolve("README"))).isEqualTo("cloned through apptap\n");
        // first the refs, then the pack; both made by git-remote-https (its executable is git-remote-http)
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequestsInOrder(
                        get(gitHost.url("/repo.git/info/refs?service=git-upload-pack")),
                        post("/repo.git/git-upload-pack").withHeader("content-type",
                                "application/x-git-upload-pack-request"))
                .allSatisfy(flow -> assertThat(flow.process().name()).startsWith("git-remote-http"))
                .first().usedTls().hasStatus(200);
    }

    /** git (through curl) honours {@code https_proxy}, which {@link Apps} sets in LAUNCH mode. */
    @Nested
    @InterceptApps(value = "git", mode = InterceptMode.LAUNCH)
    class ThroughTheProxy {

        @Test
        void clonesThroughTheProxy(Apps apps, Flows flows, @TempDir Path directory) throws Exception {
            Path clone = directory.resolve("clone");

            AppResult git = apps.run("git", "clone", "-q", gitHost.url("/repo.git"), clone.toString());

            assertThat(git.exitCode()).as(git.toString()).isZero();
            assertThat(Files.readString(clone.resolve("README"))).isEqualTo("cloned through apptap\n");
            // the flows of git-remote-https count as this test's: it is a descendant of the git the test started
            assertThat(flows).within(PATIENCE).httpFlows()
                    .hasRequestsInOrder(get("/repo.git/info/refs"), post("/repo.git/git-upload-pack"))
                    .allSatisfy(flow -> assertThat(flow.process().name()).startsWith("git-remote-http"));
        }
    }
}
