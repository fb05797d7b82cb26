package dev.rnn.serve;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The service's web page: {@code GET /} answers {@code index.html}, {@code GET /page/{file}} its
 * stylesheet and script, all from the classpath folder {@code dev/rnn/serve/page/}. The files are
 * read once when the server is built, so a request only writes bytes. Thread-safe (immutable).
 */
final class PageRoutes {

    private static final String FOLDER = "dev/rnn/serve/page/";

    /** A file of the page: its bytes and its media type. */
    private record Asset(byte[] bytes, String contentType) {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    PageRoutes() {
        add("index.html", "text/html; charset=utf-8");
        add("page.css", "text/css; charset=utf-8");
        add("page.js", "text/javascript; charset=utf-8");
    }

    private void add(String file, String contentType) {
        try (InputStream in = PageRoutes.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("the page's file " + FOLDER + file + " is missing from the classpath");
            }
            assets.put(file, new Asset(in.readAllBytes(), contentType));
        } catch (IOException e) {
            throw new UncheckedIOException("the page's file " + FOLDER + file + " could not be read", e);
        }
    }

    /** GET /. */
    void index(ServerRequest request, ServerResponse response) {
        send(response, assets.get("index.html"));
    }

    /** GET /page/{file}. */
    void file(ServerRequest request, ServerResponse response) {
        String file = request.path().pathParameters().get("file");
        Asset asset = assets.get(file);
        if (asset == null || file.equals("index.html")) {
            JsonEndpoint.send(response, 404, JsonEndpoint.error("the page has no file '" + file + "'; it has page.css and page.js"));
            return;
        }
        send(response, asset);
    }

    private static void send(ServerResponse response, Asset asset) {
        response.header(HeaderNames.CONTENT_TYPE, asset.contentType());
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");   // a restarted server may serve a newer page
        response.send(asset.bytes());
    }
}
