package dev.rnn.serve;

/**
 * A request the service refuses, with the HTTP status to answer and a message naming the problem
 * (field, expected vs found). {@link JsonEndpoint} turns it into {@code {"error": message}}.
 */
final class ApiException extends RuntimeException {

    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);   // an answer to a client, not a failure: no stack trace to fill
        this.status = status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    int status() {
        return status;
    }
}
