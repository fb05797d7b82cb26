package dev.rnn.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./rnn} tool. Every failure reaches the user as one line on standard error and a
 * non-zero exit code: 2 for a bad command line, 1 for anything that went wrong while running. A bad
 * command line names the {@code --help} of the command being given and, for a mistyped name, the
 * nearest ones; a command's complaint about one of its own option values counts as a bad command
 * line ({@link UsageErrors}).
 */
@Command(name = "rnn",
        mixinStandardHelpOptions = true,
        versionProvider = RnnCommand.Version.class,
        description = "Recurrent neural networks on the JDK Vector API.",
        subcommands = {InfoCommand.class, DemoCommand.class, KernelsCommand.class, ForwardCommand.class, LmCommand.class, ClassifyCommand.class, TagCommand.class, Seq2SeqCommand.class, ForecastCommand.class, NumbersCommand.class, GradflowCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class RnnCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The library's property for the threads of a large product (read once, when the kernels load). */
    static final String THREADS_PROPERTY = "rnn.threads";

    public static void main(String[] args) {
        useEveryProcessorUnlessTold();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The library starts no threads of its own unless asked; the tool asks for one per processor, as
     * training from the command line gains 1.6× on two cores, unless {@code -Drnn.threads} was given.
     * Runs before any kernel class loads, since the kernels read the property once.
     */
    static void useEveryProcessorUnlessTold() {
        String told = System.getProperty(THREADS_PROPERTY);
        if (told == null || told.isBlank()) {   // blank means the default, as for the library
            int processors = Math.min(256, Runtime.getRuntime().availableProcessors());   // the library's upper bound
            System.setProperty(THREADS_PROPERTY, Integer.toString(processors));
        }
    }

    /** Runs the tool with the given streams and returns its exit code (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        System.setProperty("java.awt.headless", "true");   // charts are drawn into files, never on a screen
        CommandLine cl = new CommandLine(new RnnCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (UsageErrors.isOptionComplaint(e, commandLine)) {
                commandLine.getErr().println("rnn: " + oneLine(e) + " " + UsageErrors.seeHelp(commandLine));
                return 2;
            }
            commandLine.getErr().println("rnn: " + oneLine(e));
            return 1;
        });
        cl.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("rnn: " + UsageErrors.message(e));
            return 2;
        });
        return cl.execute(args);
    }

    /** The exception's message on one line, or its type when it has none. */
    static String oneLine(Throwable e) {
        // a bad -Drnn.kernels surfaces while the kernels are chosen, inside a class initializer
        while (e instanceof ExceptionInInitializerError && e.getCause() != null) {
            e = e.getCause();
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ').replace('\r', ' ').strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Package p = RnnCommand.class.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            return new String[] {"rnn " + (v == null ? "development build" : v)};
        }
    }
}
