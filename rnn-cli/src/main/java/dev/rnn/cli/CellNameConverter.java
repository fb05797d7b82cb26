package dev.rnn.cli;

import dev.rnn.models.tasks.CellNames;
import picocli.CommandLine;

/**
 * Checks a {@code --cell} value while the command line is parsed, so that an unknown cell is a usage
 * error naming the valid ones (exit code 2) rather than a failure of the run.
 */
final class CellNameConverter implements CommandLine.ITypeConverter<String> {

    @Override
    public String convert(String value) {
        try {
            CellNames.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
        return value;
    }
}
