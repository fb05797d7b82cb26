package dev.rnn.flink;

/** A command line the job cannot run: the message is one line saying what is wrong; the job exits with status 2. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
