package dev.rnn.simd;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Asks the JVM's optimizing compiler to always inline {@link SimdMath} into the SIMD kernels, through
 * a compiler directive (JEP 165) added once at run time, as {@code jcmd <pid> Compiler.directives_add}
 * would.
 *
 * <p>Why: SimdMath's functions take and return vectors. Inlined, the vectors stay in registers; left
 * out of line, each one crossing the call is boxed on the heap. C2's size heuristics decide that by
 * timing: once a function has its own compiled body (it usually has, from the warm-up) C2 refuses to
 * inline it at any call site its profile calls cold ("already compiled into a medium method"). In
 * about one JVM in forty that happened inside a kernel's loop, and every streaming step then allocated
 * 3–15 KB. The directive makes the decision deterministic. It also keeps the loops that call
 * SimdMath ({@link SimdActivations}, {@link SimdSoftmax#expShifted} and its two steps) out of their callers, so that
 * SimdMath always sits a few levels below a compilation's root: inlined deep inside a larger
 * compilation, a forced inline can still fail on C2's depth limit ("inlining too deep").
 *
 * <p>It applies to compilations of this library's methods (where the kernels may be inlined), changes
 * nothing but the inlining of SimdMath, and is skipped (silently) where the diagnostic command is
 * unavailable or with {@code -Drnn.inlineDirective=false}.
 */
final class InlineDirective {

    static final String PROPERTY = "rnn.inlineDirective";

    private static final String DIRECTIVE = """
            [{
              "match": "dev/rnn/*.*",
              "c2": { "inline": ["+dev/rnn/simd/SimdMath.*", "-dev/rnn/simd/SimdActivations.*", "-dev/rnn/simd/SimdSoftmax.expShifted", "-dev/rnn/simd/SimdSoftmax.expBody", "-dev/rnn/simd/SimdSoftmax.expTail"] }
            }]
            """;

    private InlineDirective() {
    }

    /** Adds the directive; returns whether the JVM accepted it. */
    static boolean install() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))
                || ModuleLayer.boot().findModule("java.management").isEmpty()) {
            return false;
        }
        Path file = null;
        try {
            file = Files.createTempFile("rnn-inline-", ".json");
            Files.writeString(file, DIRECTIVE, StandardCharsets.UTF_8);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object reply = server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            // the command answers "1 compiler directives added", or the parse error
            return String.valueOf(reply).contains("added");
        } catch (Exception | LinkageError e) {
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
