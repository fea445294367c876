package dev.apptap.cli;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code apptap completion bash|zsh}: prints the shell completion script picocli generates for apptap's commands
 * and options. {@code source <(apptap completion bash)} in ~/.bashrc, the same with {@code zsh} in ~/.zshrc.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        customSynopsis = "apptap completion bash|zsh",
        description = {"Prints a completion script for bash or zsh.",
                "Add `source <(apptap completion bash)` to ~/.bashrc, or the zsh form to ~/.zshrc."})
final class CompletionCommand implements Callable<Integer> {

    enum Shell { BASH, ZSH }

    /** What completion offers for the shell: the names as typed, not the enum's. */
    static final class Shells implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("bash", "zsh").iterator();
        }
    }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "bash|zsh", completionCandidates = Shells.class, description = "The shell: bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("apptap", spec.root().commandLine());
        // picocli's script is bash; zsh runs it through its bash-completion emulation, which must be loaded first
        String prelude = shell == Shell.ZSH
                ? "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" : "";
        spec.commandLine().getOut().print(prelude + script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
