package dev.apptap.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/** picocli's parse errors, reworded to say what to type instead. */
final class UsageMessages {

    private UsageMessages() {
    }

    static String of(ParameterException e) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            if (command.getSubcommands().isEmpty() || first.startsWith("-")) {
                return "'" + first + "' is not an option of " + name + "; see " + name + " --help";
            }
            return "'" + first + "' is not a command of " + name + "; use " + String.join(", ",
                    List.copyOf(command.getSubcommands().keySet()));
        }
        if (e instanceof MissingParameterException && name.equals("apptap run")) {
            return "Name the command to run, such as 'apptap run -- curl https://example.com'";
        }
        if (e.getCause() instanceof TypeConversionException conversion) {
            String option = optionName(e.getArgSpec());
            String message = conversion.getMessage();
            return option.isEmpty() || message.contains(option) ? message : option + " " + message;
        }
        return e.getMessage();
    }

    private static String optionName(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : "";
    }
}
