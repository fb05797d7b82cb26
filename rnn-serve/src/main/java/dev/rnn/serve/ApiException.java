package dev.rnn.serve;

/**
 * A request the service refuses, with the HTTP status to answer, the kind of problem (a metrics label)
 * and a message naming it (field, expected vs found). {@link JsonEndpoint} turns it into
 * {@code {"error": message}}.
 */
final class ApiException extends RuntimeException {

    /** What kind of problem a refusal is: the {@code reason} label of {@code rnn_http_refused_total}. */
    enum Reason {
        /** Not JSON, not one object, an empty or unreadable body. */
        MALFORMED_BODY,
        /** A missing or unknown field, a wrong type, a value out of range. */
        INVALID_FIELD,
        /** A body or text over its limit. */
        TOO_LARGE,
        /** Input the model refuses: a character outside its vocabulary, a text without words, a CSV it cannot read. */
        INVALID_INPUT,
        /** A route the model's task does not answer. */
        WRONG_TASK,
        UNKNOWN_MODEL,
        UNKNOWN_STREAM,
        UNKNOWN_ROUTE,
        /** A request the stream's state does not allow yet (nothing appended). */
        CONFLICT,
        /** The service is stopping. */
        UNAVAILABLE;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final int status;
    private final Reason reason;

    ApiException(int status, Reason reason, String message) {
        super(message, null, false, false);   // an answer to a client, not a failure: no stack trace to fill
        this.status = status;
        this.reason = reason;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, Reason.INVALID_FIELD, message);
    }

    static ApiException malformed(String message) {
        return new ApiException(400, Reason.MALFORMED_BODY, message);
    }

    static ApiException invalidInput(String message) {
        return new ApiException(400, Reason.INVALID_INPUT, message);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, Reason.TOO_LARGE, message);
    }

    static ApiException wrongTask(String message) {
        return new ApiException(400, Reason.WRONG_TASK, message);
    }

    static ApiException notFound(Reason what, String message) {
        return new ApiException(404, what, message);
    }

    int status() {
        return status;
    }

    Reason reason() {
        return reason;
    }
}
