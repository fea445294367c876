package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code git clone https://…} with spec {@code git}: git itself makes no connection, it execs
 * {@code git-remote-https}, which does. The child is caught because fork copies git's verdict to it before it runs.
 * The server is real smart HTTP ({@code git http-backend} as CGI behind TLS on 127.0.0.1), and git trusts apptap's
 * CA only through {@code GIT_SSL_CAINFO} from the launch environment.
 */
class GitCloneTest {

    @TempDir
    Path dir;

    @Test
    void gitCloneOverHttpsIsInterceptedWithGitRemoteHttpsRecorded() throws Exception {
        RootOnly.assumeRoot();
        try (Harness h = new Harness(dir)) {
            Path served = Files.createDirectories(dir.resolve("served"));
            // No user or system config may change what git does here (credential helpers, url rewrites, proxies).
            h.appEnv.put("HOME", dir.toString());
            h.appEnv.put("GIT_CONFIG_NOSYSTEM", "1");
            h.appEnv.put("GIT_TERMINAL_PROMPT", "0");
            makeRepository(h, served.resolve("repo.git"));

            try (GitSmartHttpServer server = new GitSmartHttpServer(served, h.originTls());
                 Redirector redirector = new LinuxRedirectorProvider().start(h.target())) {
                redirector.intercept(InterceptSpec.parse("git"));
                FlowStore.Mark mark = h.engine.flows().mark();
                String url = "https://localhost:" + server.port() + "/repo.git";

                // The server listens on 127.0.0.1 only; pin localhost there in case /etc/hosts also maps it to ::1.
                Harness.Run clone = h.run(List.of("git", "-c", "http.curloptResolve=localhost:" + server.port()
                        + ":127.0.0.1", "clone", "-q", url, dir.resolve("clone").toString()), Duration.ofSeconds(90));

                assertThat(clone.exit()).as("%s", clone).isZero();
                assertThat(Files.readString(dir.resolve("clone/README"))).isEqualTo("cloned through apptap\n");
                Flows mine = h.engine.flows().since(mark)
                        .fromProcesses(p -> p.commandLine().contains(url) || p.commandLine().contains(url + "/"));
                HttpFlow refs = mine.awaitFirst(HttpFlow.class, f -> f.isComplete()
                        && f.request().path().equals("/repo.git/info/refs")
                        && f.request().query().equals("service=git-upload-pack"), Duration.ofSeconds(15));
                HttpFlow pack = mine.awaitFirst(HttpFlow.class, f -> f.isComplete()
                        && f.request().method().equals("POST")
                        && f.request().path().equals("/repo.git/git-upload-pack"), Duration.ofSeconds(15));
                for (HttpFlow flow : List.of(refs, pack)) {
                    // git-remote-https is a symlink to git-remote-http: the executable's name is the latter,
                    // argv[0] the former.
                    assertThat(flow.process().name()).as("%s", flow.process()).isIn("git-remote-http", "git-remote-https");
                    assertThat(flow.process().commandLine().get(0)).endsWith("git-remote-https");
                    assertThat(flow.process().pid()).isNotEqualTo(clone.pid());
                    assertThat(flow.tls()).as("decrypted by the engine").isPresent();
                    assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
                }
                assertThat(server.requests).contains("GET /repo.git/info/refs?service=git-upload-pack",
                        "POST /repo.git/git-upload-pack");
            }
        }
    }

    /** A bare repository with one commit, made with local git commands (nothing intercepted yet). */
    private static void makeRepository(Harness h, Path bare) throws Exception {
        Path work = bare.resolveSibling("work");
        Files.createDirectories(work);
        Files.writeString(work.resolve("README"), "cloned through apptap\n");
        List<List<String>> steps = new ArrayList<>();
        steps.add(List.of("git", "init", "-q", "--bare", bare.toString()));
        steps.add(List.of("git", "-C", work.toString(), "init", "-q"));
        steps.add(List.of("git", "-C", work.toString(), "add", "README"));
        steps.add(List.of("git", "-C", work.toString(), "-c", "user.name=apptap", "-c", "user.email=apptap@example.test",
                "commit", "-q", "-m", "first"));
        steps.add(List.of("git", "-C", work.toString(), "push", "-q", bare.toString(), "HEAD:refs/heads/main"));
        steps.add(List.of("git", "--git-dir", bare.toString(), "symbolic-ref", "HEAD", "refs/heads/main"));
        for (List<String> step : steps) {
            Harness.Run run = h.run(step);
            assertThat(run.exit()).as("%s: %s", step, run).isZero();
        }
    }
}
