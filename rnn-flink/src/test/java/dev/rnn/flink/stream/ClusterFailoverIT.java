package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once on a real cluster, with the job submitted as a user submits it: a JobManager and two
 * TaskManagers as separate JVMs on 127.0.0.1, started from Flink's entry points on Flink's class path
 * alone (the test class path without any of this project's classes); Flink's command-line client, in a JVM
 * of its own on the same class path, runs {@code run -m 127.0.0.1:PORT target/rnn-flink-job.jar stream ...},
 * so the job's classes reach the cluster only in the uploaded jar. The input file is read at 200 events a
 * second; once a checkpoint has committed output one TaskManager process is killed. The job must restart
 * on the other's slots from the last checkpoint, the client must report it finished, and the committed
 * lines must be those of a failure-free run. Needs the package phase's jar, hence a failsafe test.
 */
class ClusterFailoverIT {

    private static final Path JAR = Path.of("target", "rnn-flink-job.jar").toAbsolutePath();

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopCluster() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void theSubmittedJarSurvivesAKilledTaskManagerWithTheSameOutput() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built in the package phase");
        String classPath = flinkClassPath();
        Path base = Path.of("target", "cluster-failover-it").toAbsolutePath();
        deleteTree(base);
        Path conf = Files.createDirectories(base.resolve("conf"));
        Files.createDirectories(base.resolve("tmp"));
        int rpcPort = freePort(), restPort = freePort();
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + rpcPort,
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 900m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: 2",
                // each part of a TaskManager's resources, as Flink's start scripts would compute and pass them
                "taskmanager.cpu.cores: 2",
                "taskmanager.memory.framework.heap.size: 64m",
                "taskmanager.memory.framework.off-heap.size: 64m",
                "taskmanager.memory.task.heap.size: 256m",
                "taskmanager.memory.task.off-heap.size: 0m",
                "taskmanager.memory.managed.size: 64m",
                "taskmanager.memory.network.min: 64m",
                "taskmanager.memory.network.max: 64m",
                "taskmanager.memory.jvm-metaspace.size: 256m",
                "taskmanager.memory.jvm-overhead.min: 192m",
                "taskmanager.memory.jvm-overhead.max: 192m",
                // one slot per TaskManager while both live, so that killing either hits the job
                "cluster.evenly-spread-out-slots: true",
                "taskmanager.load-balance.mode: slots",
                // a loaded 2-core machine starts the RPC system slowly: generous timeouts; a killed process is
                // still noticed at once, through its failing RPC connections
                "pekko.startup-timeout: 120 s",
                "pekko.ask.timeout: 60 s",
                "pekko.tcp.timeout: 60 s",
                "heartbeat.interval: 2000",
                "heartbeat.timeout: 20000",
                "io.tmp.dirs: " + base.resolve("tmp"),
                "blob.storage.directory: " + base.resolve("blobs"),
                ""));
        // what Flink's log4j.properties does for its daemons: INFO into the file named by log.file
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = File",
                "appender.file.type = File",
                "appender.file.name = File",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1} %m%n",
                "logger.pekko.name = org.apache.pekko",
                "logger.pekko.level = WARN",
                // its INFO line on each granted leadership is noise here (and trips a text check on the build tree)
                "logger.leader.name = org.apache.flink.runtime.resourcemanager.ResourceManagerServiceImpl",
                "logger.leader.level = WARN",
                ""));
        processes.add(start(base, "jobmanager", classPath, conf, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir", conf.toString()));
        awaitTaskManagers(restPort, 0, Duration.ofSeconds(90));   // the JobManager first: three JVMs starting at once crowd two cores
        Process doomed = start(base, "taskmanager-1", classPath, conf, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                "--configDir", conf.toString());
        processes.add(doomed);
        processes.add(start(base, "taskmanager-2", classPath, conf, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                "--configDir", conf.toString()));
        awaitTaskManagers(restPort, 2, Duration.ofSeconds(90));

        Path model = TestModels.languageModel(base, 16);
        long count = 2400;
        int keys = 30;
        Path input = Files.write(base.resolve("events.tsv"), TestModels.lines(StreamTask.LM, count, keys));
        Path out = base.resolve("out");
        // attached, as 'flink run' without -d: the client returns when the job has finished
        Process client = start(base, "client", classPath, conf, "org.apache.flink.client.cli.CliFrontend",
                "run", "-m", "127.0.0.1:" + restPort, JAR.toString(),
                "stream", "--task", "lm", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
                "--parallelism", "2", "--state", "heap", "--checkpoint-interval", "300ms", "--rate", "200",
                "--restart-attempts", "10");
        processes.add(client);

        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (committedWhileRunning(out.resolve("results")).isEmpty()) {
            assertTrue(client.isAlive(), "the client stopped before any output was committed: " + Files.readString(base.resolve("client.out")));
            assertTrue(System.nanoTime() < deadline, "no checkpoint committed output within 90 s");
            Thread.sleep(100);
        }
        int committedBeforeKill = SequentialReference.committedLines(out.resolve("results")).size();
        doomed.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        assertTrue(client.waitFor(3, TimeUnit.MINUTES), "the job did not finish within 3 minutes of the kill");
        String clientOut = Files.readString(base.resolve("client.out"));
        assertEquals(0, client.exitValue(), clientOut);
        assertTrue(clientOut.contains("Job has been submitted with JobID"), clientOut);

        // the reference steps the lines the file holds (a generated newline event is a line break in it)
        Map<String, List<String>> expected = SequentialReference.sorted(SequentialReference.results(StreamTask.LM, model,
                Files.readAllLines(input)));
        assertTrue(committedBeforeKill < expected.values().stream().mapToInt(List::size).sum(),
                "the TaskManager was killed mid-stream (" + committedBeforeKill + " lines committed then)");
        assertNull(SequentialReference.difference(expected, SequentialReference.committed(out.resolve("results"))));
    }

    /**
     * This JVM's class path without the entries that hold classes of this project ({@code dev/rnn/}): Flink, its
     * dependencies and logging, as in a distribution's lib/ (the test libraries left on it are unused).
     */
    private static String flinkClassPath() throws IOException {
        List<String> kept = new ArrayList<>();
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator)) {
            if (!entry.isEmpty() && !holdsProjectClasses(Path.of(entry))) {
                kept.add(entry);
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader flink = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertNotNull(flink.getResource("org/apache/flink/runtime/taskexecutor/TaskManagerRunner.class"), "Flink on the cluster's class path");
            assertNull(flink.getResource("dev/rnn/flink/stream/KeyedInference.class"), "no job classes on the cluster's class path");
            assertNull(flink.getResource("dev/rnn/models/tasks/TaskModel.class"), "no library classes on the cluster's class path");
        }
        return String.join(File.pathSeparator, kept);
    }

    private static boolean holdsProjectClasses(Path entry) throws IOException {
        if (Files.isDirectory(entry)) {
            return Files.exists(entry.resolve("dev/rnn"));
        }
        if (!Files.isRegularFile(entry)) {
            return false;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            return jar.stream().anyMatch(e -> e.getName().startsWith("dev/rnn/"));
        }
    }

    /**
     * A JVM as Flink's scripts start one: Flink's JDK openings (its env.java.default-opts.all, which this
     * module's tests run with too), then what docs/flink.md puts in env.java.opts.all for the job's code; its
     * output in base/NAME.out and its log in base/NAME.log.
     */
    private static Process start(Path base, String name, String classPath, Path conf, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        // Pekko's remoting gives itself 10 s to bind unless told otherwise (Flink's pekko.startup-timeout does not reach it)
        command.addAll(List.of("-Xmx400m", "-Dpekko.remote.startup-timeout=120s", "-Dpekko.remote.classic.startup-timeout=120s",
                "-Dlog.file=" + base.resolve(name + ".log"), "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri(),
                "-cp", classPath, mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(base.resolve(name + ".out").toFile());
        builder.environment().put("FLINK_CONF_DIR", conf.toString());   // where the client reads config.yaml
        return builder.start();
    }

    private static void awaitTaskManagers(int restPort, int n, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/taskmanagers")).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
                if (body.split("\"slotsNumber\"", -1).length - 1 >= n) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            assertTrue(System.nanoTime() < deadline, n + " TaskManagers did not register within " + timeout);
            Thread.sleep(250);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The committed lines so far, while the job runs: a part file in progress can be renamed on commit
     * while the directory is walked, and that walk then reads as nothing committed yet, to be tried again.
     */
    private static List<String> committedWhileRunning(Path dir) throws IOException {
        try {
            return SequentialReference.committedLines(dir);
        } catch (java.io.UncheckedIOException e) {
            if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
                return List.of();
            }
            throw e;
        }
    }
}
