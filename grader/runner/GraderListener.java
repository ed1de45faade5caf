// The grader's JUnit Platform listener: one JSON line per event, on the results channel.
//
// Registered through META-INF/services (suite_java.py puts its classes on the launcher's
// class path), it writes to the path in the system property grader.results: a pipe only
// the sandbox's PID 1 reads (runner/supervise.py). The records are the ones the pytest
// plugin writes (grader_plugin.py): start, result, collect_error, and timing (the JVM's
// start up to the first test, and the tests' run). Test IDs follow the
// contract: PATH::Class[::Inner]::method[[index]], PATH the test file under hidden/,
// found from the test's class (a package is a folder, as in the Maven layout).
package grader;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

public final class GraderListener implements TestExecutionListener {
    private static final int MAX_MESSAGE = 4000;
    private static final Pattern INVOCATION =
            Pattern.compile("\\[(?:test-template-invocation|dynamic-test):#(\\d+)\\]$");

    private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> reported = new ConcurrentHashMap<>();
    private OutputStream out;
    private TestPlan plan;
    private long planStarted;

    private synchronized void write(String json) {
        try {
            if (out == null) {
                String path = System.getProperty("grader.results");
                if (path == null) {
                    return;
                }
                out = new FileOutputStream(path, true);
            }
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The channel is gone: PID 1 reports what arrived.
        }
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        planStarted = System.nanoTime();
        write("{\"event\":\"begin\",\"schema\":1}");
        // From the JVM's start to the first test: the JVM, the launcher and test discovery.
        double jvm = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        write("{\"event\":\"timing\",\"jvm_start_s\":" + jvm + "}");
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        double tests = (System.nanoTime() - planStarted) / 1e9;
        write("{\"event\":\"timing\",\"tests_s\":" + tests + "}");
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        Optional<String> id = idOf(test);
        if (test.isTest() && id.isPresent()) {
            startedAt.put(test.getUniqueId(), System.nanoTime());
            write("{\"event\":\"start\",\"id\":" + quote(id.get()) + "}");
        }
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (test.isTest()) {
            result(test, "skipped", reason == null ? "skipped" : reason, 0.0);
        } else if (plan != null) {
            for (TestIdentifier inner : plan.getDescendants(test)) {
                if (inner.isTest()) {
                    result(inner, "skipped", reason == null ? "skipped" : reason, 0.0);
                }
            }
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult outcome) {
        String message = outcome.getThrowable().map(GraderListener::describe).orElse("");
        if (test.isTest()) {
            Long started = startedAt.remove(test.getUniqueId());
            double seconds = started == null ? 0.0 : (System.nanoTime() - started) / 1e9;
            String status;
            switch (outcome.getStatus()) {
                case SUCCESSFUL: status = "passed"; break;
                case ABORTED: status = "skipped"; break;
                default: status = "failed";
            }
            result(test, status, message, seconds);
        } else if (outcome.getStatus() != TestExecutionResult.Status.SUCCESSFUL && plan != null) {
            // A class that could not start (its static initializer, @BeforeAll): its tests
            // that have no result yet are errors, with the class's reason.
            for (TestIdentifier inner : plan.getDescendants(test)) {
                if (inner.isTest()) {
                    result(inner, "error", message, 0.0);
                }
            }
        }
    }

    private void result(TestIdentifier test, String outcome, String message, double seconds) {
        Optional<String> id = idOf(test);
        if (id.isEmpty() || reported.putIfAbsent(test.getUniqueId(), true) != null) {
            return;
        }
        write("{\"event\":\"result\",\"id\":" + quote(id.get()) + ",\"outcome\":\"" + outcome
                + "\",\"duration_s\":" + seconds + ",\"message\":" + quote(clip(message)) + "}");
    }

    static Optional<String> idOf(TestIdentifier test) {
        Optional<TestSource> source = test.getSource();
        if (source.isEmpty() || !(source.get() instanceof MethodSource)) {
            return Optional.empty();
        }
        MethodSource method = (MethodSource) source.get();
        String cls = method.getClassName();
        int nested = cls.indexOf('$');
        String outer = nested < 0 ? cls : cls.substring(0, nested);
        String simple = cls.substring(cls.lastIndexOf('.') + 1).replace("$", "::");
        String id = "hidden/" + outer.replace('.', '/') + ".java::" + simple + "::"
                + method.getMethodName();
        Matcher invocation = INVOCATION.matcher(test.getUniqueId());
        if (invocation.find()) {
            id += "[" + invocation.group(1) + "]";
        }
        return Optional.of(id);
    }

    private static String describe(Throwable error) {
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        StringBuilder kept = new StringBuilder();
        int lines = 0;
        for (String line : trace.toString().split("\n")) {
            boolean framework = line.contains("org.junit.") || line.contains("java.base/");
            if (lines++ == 0 || (lines < 12 && !framework)) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString().trim();
    }

    private static String clip(String text) {
        return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "\n... [cut]";
    }

    static String quote(String text) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
