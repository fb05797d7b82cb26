package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once on a real cluster: a JobManager and two TaskManagers as separate JVMs on 127.0.0.1,
 * started from Flink's entry points with this module's test class path (the job's classes on the
 * cluster's class path, as in a distribution's lib/); the job is submitted through Flink's REST
 * client; once a checkpoint is committed one TaskManager process is killed. The job must restart on
 * the other's slots from the last checkpoint and commit the same lines as a failure-free run.
 */
class ClusterFailoverTest {

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
    void theJobSurvivesAKilledTaskManagerWithTheSameOutput() throws Exception {
        Path base = Path.of("target", "cluster-failover-test").toAbsolutePath();
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
                "state.checkpoints.dir: " + base.resolve("checkpoints").toUri(),
                ""));
        processes.add(start(base, "jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", conf));
        awaitTaskManagers(restPort, 0, Duration.ofSeconds(90));   // the JobManager first: three JVMs starting at once crowd two cores
        Process doomed = start(base, "taskmanager-1", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", conf);
        processes.add(doomed);
        processes.add(start(base, "taskmanager-2", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", conf));
        awaitTaskManagers(restPort, 2, Duration.ofSeconds(90));

        Path model = TestModels.languageModel(base, 16);
        long count = 2400;
        int keys = 30;
        Configuration config = StreamJob.configuration("heap", Duration.ofMillis(300), base.resolve("checkpoints"));
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment("127.0.0.1", restPort, config);
        env.setParallelism(2);
        Path out = base.resolve("out");
        new StreamPipeline(StreamTask.LM, model.toString(), 1, Duration.ZERO)
                .apply(StreamJobs.lines(env, StreamTask.LM, count, keys, 200))
                .writeTo(out.toString());
        JobClient job = env.executeAsync("exactly-once across a lost TaskManager");

        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (SequentialReference.committedLines(out.resolve("results")).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no checkpoint committed output within 90 s");
            Thread.sleep(100);
        }
        int committedBeforeKill = SequentialReference.committedLines(out.resolve("results")).size();
        doomed.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        List<String> lines = TestModels.lines(StreamTask.LM, count, keys);
        Map<String, List<String>> expected = SequentialReference.sorted(SequentialReference.results(StreamTask.LM, model, lines));
        assertTrue(committedBeforeKill < expected.values().stream().mapToInt(List::size).sum(),
                "the TaskManager was killed mid-stream (" + committedBeforeKill + " lines committed then)");
        assertEquals(null, SequentialReference.difference(expected, SequentialReference.committed(out.resolve("results"))));
    }

    /** A Flink process on this JVM's class path and module flags, its output in base/NAME.out and its log in base/NAME.log. */
    private static Process start(Path base, String name, String mainClass, Path conf) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access")) {
                command.add(arg);
            }
        }
        // Pekko's remoting gives itself 10 s to bind unless told otherwise (Flink's pekko.startup-timeout does not reach it)
        command.addAll(List.of("-Xmx400m", "-Dpekko.remote.startup-timeout=120s", "-Dpekko.remote.classic.startup-timeout=120s", "-Dlog.file=" + base.resolve(name + ".log"),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                mainClass, "--configDir", conf.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(base.resolve(name + ".out").toFile()).start();
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
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
