package dev.apptap.cli;

/** A failure whose message is already the sentence the user should read, with the exit code to end with. */
final class CliFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliFailure(String sentence, int exitCode) {
        super(Sentences.sentence(sentence));
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
