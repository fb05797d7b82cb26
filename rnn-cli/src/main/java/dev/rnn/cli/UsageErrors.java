package dev.rnn.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one-line messages of a bad command line: what was wrong, the nearest names when a name was
 * mistyped ("did you mean"), and the {@code --help} of the command that was being given.
 */
final class UsageErrors {

    /** Suggestions shown at most; more would not fit on the one line. */
    private static final int MAX_SUGGESTIONS = 3;

    private UsageErrors() {
    }

    /** The message for a command line picocli could not parse, or a command refused as a usage error. */
    static String message(CommandLine.ParameterException e) {
        CommandLine cl = e.getCommandLine();
        String what = e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                ? unmatched(cl.getCommandSpec(), u.getUnmatched().getFirst())
                : RnnCommand.oneLine(e);
        return what + " " + seeHelp(cl);
    }

    /** {@code (see 'rnn lm sample --help')} for the command {@code cl} stands for. */
    static String seeHelp(CommandLine cl) {
        return "(see '" + cl.getCommandSpec().qualifiedName() + " --help')";
    }

    /**
     * Whether {@code e}, thrown while a command ran, is its complaint about the value of one of its own
     * options: an {@link IllegalArgumentException} whose message starts with that option's name, as in
     * {@code --size must be between 1 and 4096, found 0}. Such a failure is a bad command line, not a
     * failure of the work.
     */
    static boolean isOptionComplaint(Exception e, CommandLine cl) {
        String m = e.getMessage();
        if (!(e instanceof IllegalArgumentException) || m == null || !m.startsWith("--")) {
            return false;
        }
        for (OptionSpec o : cl.getCommandSpec().options()) {
            for (String name : o.names()) {
                if (m.startsWith(name) && (m.length() == name.length() || !isNamePart(m.charAt(name.length())))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '-';
    }

    private static String unmatched(CommandSpec spec, String arg) {
        if (arg.startsWith("-")) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            List<String> names = new ArrayList<>();
            for (OptionSpec o : spec.options()) {
                if (!o.hidden()) {
                    names.addAll(List.of(o.names()));
                }
            }
            return "unknown option '" + name + "'" + didYouMean(name, names);
        }
        if (!spec.subcommands().isEmpty()) {
            List<String> names = new ArrayList<>(spec.subcommands().keySet());
            return "unknown command '" + arg + "' for '" + spec.qualifiedName() + "'" + didYouMean(arg, names);
        }
        return "unexpected argument '" + arg + "'";
    }

    private static String didYouMean(String typed, List<String> names) {
        List<String> near = nearest(typed, names);
        if (near.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("; did you mean ");
        for (int i = 0; i < near.size(); i++) {
            s.append(i == 0 ? "" : i == near.size() - 1 ? " or " : ", ").append('\'').append(near.get(i)).append('\'');
        }
        return s.append('?').toString();
    }

    /**
     * The names {@code typed} is most likely a slip for, nearest first: those it begins (an
     * abbreviation of at least three letters) and those within a small edit distance (transpositions
     * count as one edit, so {@code smaple} finds {@code sample}).
     */
    static List<String> nearest(String typed, List<String> names) {
        String t = bare(typed);
        int allowed = t.length() <= 4 ? 1 : 2;
        record Candidate(String name, int distance) {
        }
        List<Candidate> found = new ArrayList<>();
        for (String name : names) {
            String n = bare(name);
            int d = editDistance(t, n);
            boolean abbreviation = t.length() >= 3 && n.startsWith(t);
            if (!n.equals(t) && (d <= allowed || abbreviation) && typed.startsWith("-") == name.startsWith("-")) {
                found.add(new Candidate(name, abbreviation ? Math.min(d, allowed) : d));
            }
        }
        found.sort(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name));
        List<String> result = new ArrayList<>();
        for (int i = 0; i < Math.min(MAX_SUGGESTIONS, found.size()); i++) {
            result.add(found.get(i).name());
        }
        return result;
    }

    private static String bare(String name) {
        int i = 0;
        while (i < name.length() && name.charAt(i) == '-') {
            i++;
        }
        return name.substring(i).toLowerCase(Locale.ROOT);
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
