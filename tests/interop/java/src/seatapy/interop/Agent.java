package seatapy.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seata.core.context.RootContext;
import io.seata.core.model.Result;
import io.seata.rm.RMClient;
import io.seata.rm.datasource.ConnectionProxy;
import io.seata.rm.datasource.DataCompareUtils;
import io.seata.rm.datasource.DataSourceProxy;
import io.seata.rm.datasource.sql.struct.Field;
import io.seata.rm.datasource.sql.struct.Row;
import io.seata.rm.datasource.sql.struct.TableMetaCacheFactory;
import io.seata.rm.datasource.sql.struct.TableRecords;
import io.seata.rm.datasource.undo.AbstractUndoExecutor;
import io.seata.rm.datasource.undo.BranchUndoLog;
import io.seata.rm.datasource.undo.SQLUndoLog;
import io.seata.rm.datasource.undo.UndoExecutorFactory;
import io.seata.rm.datasource.undo.UndoLogParser;
import io.seata.rm.datasource.undo.UndoLogParserFactory;
import io.seata.sqlparser.struct.TableMeta;
import io.seata.tm.TMClient;
import io.seata.tm.api.GlobalTransaction;
import io.seata.tm.api.GlobalTransactionContext;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The real Seata Java client (TM + AT RM over Connector/J), driven by the pytest suite one JSON request per line
 * on stdin, one JSON answer per line on stdout.
 *
 * The source names the 2.0 client's packages (io.seata); the test infrastructure compiles it a second time for
 * the Apache line with the package prefix swapped, which is the only difference between the two APIs it uses.
 * Seata reads its TC address and group mapping from -D system properties (no registry or file config).
 *
 * Requests: ping, datasource, begin, bind, unbind, exec, commit, rollback, status, undo_rows, inspect, decode,
 * bench, throughput, halt.
 * Every answer is {"ok":true,...} or {"ok":false,"error":{"class":...,"message":...,"causes":[...]}}.
 */
public final class Agent {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, DataSourceProxy> sources = new HashMap<>();
    // bench: one physical connection per datasource, kept across blocks, as a pool would hand it out
    private final Map<String, Connection> benchConnections = new HashMap<>();

    public static void main(String[] args) throws Exception {
        // Seata and its libraries may print; the protocol owns the real stdout.
        PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        String app = System.getProperty("agent.application", "java-agent");
        String group = System.getProperty("agent.group", "default_tx_group");
        TMClient.init(app, group);
        RMClient.init(app, group);
        Agent agent = new Agent();
        ObjectNode hello = JSON.createObjectNode().put("ok", true).put("ready", true);
        hello.put("undo_class", BranchUndoLog.class.getName());
        protocol.println(JSON.writeValueAsString(hello));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode answer;
            try {
                answer = agent.handle(JSON.readTree(line));
                answer.put("ok", true);
            } catch (Throwable exc) {
                answer = JSON.createObjectNode().put("ok", false);
                answer.set("error", describe(exc));
            }
            protocol.println(JSON.writeValueAsString(answer));
        }
        System.exit(0);
    }

    private ObjectNode handle(JsonNode request) throws Exception {
        String op = request.path("op").asText();
        ObjectNode out = JSON.createObjectNode();
        switch (op) {
            case "ping":
                out.put("xid", RootContext.getXID());
                return out;
            case "datasource":
                return datasource(request);
            case "begin": {
                GlobalTransaction tx = GlobalTransactionContext.getCurrentOrCreate();
                tx.begin(request.path("timeout").asInt(60000), request.path("name").asText("java-agent"));
                out.put("xid", tx.getXid());
                return out;
            }
            case "bind":
                RootContext.bind(request.path("xid").asText());
                return out;
            case "unbind":
                out.put("xid", RootContext.unbind());
                return out;
            case "exec":
                return exec(request);
            case "commit": {
                GlobalTransaction tx = GlobalTransactionContext.reload(request.path("xid").asText());
                tx.commit();
                RootContext.unbind();
                out.put("status", tx.getLocalStatus().name());
                return out;
            }
            case "rollback": {
                GlobalTransaction tx = GlobalTransactionContext.reload(request.path("xid").asText());
                tx.rollback();
                RootContext.unbind();
                out.put("status", tx.getLocalStatus().name());
                return out;
            }
            case "status":
                out.put("status", GlobalTransactionContext.reload(request.path("xid").asText()).getStatus().name());
                return out;
            case "undo_rows":
                return undoRows(request);
            case "inspect":
                return inspect(request);
            case "decode":
                return decode(request);
            case "bench":
                return bench(request);
            case "throughput":
                return throughput(request);
            case "halt":
                // A crash: no commit, no rollback, no shutdown hooks; the OS closes the TC connection.
                Runtime.getRuntime().halt(137);
                return out;
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private ObjectNode datasource(JsonNode request) throws SQLException {
        DataSourceProxy proxy = new DataSourceProxy(new DriverDataSource(
            request.path("url").asText(), request.path("user").asText(), request.path("password").asText()));
        sources.put(request.path("name").asText(), proxy);
        return JSON.createObjectNode().put("resource_id", proxy.getResourceId());
    }

    private DataSourceProxy source(JsonNode request) {
        DataSourceProxy proxy = sources.get(request.path("ds").asText());
        if (proxy == null) {
            throw new IllegalArgumentException("no datasource " + request.path("ds").asText());
        }
        return proxy;
    }

    /** Statements in one local transaction through the proxy; inside a bound XID that is one AT branch. */
    private ObjectNode exec(JsonNode request) throws SQLException {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode counts = out.putArray("counts");
        try (Connection conn = source(request).getConnection()) {
            conn.setAutoCommit(false);
            try {
                for (JsonNode statement : request.path("statements")) {
                    try (PreparedStatement ps = conn.prepareStatement(statement.path("sql").asText())) {
                        int index = 1;
                        for (JsonNode param : statement.path("params")) {
                            ps.setObject(index++, param.isNull() ? null : param.isNumber() ? param.numberValue() : param.asText());
                        }
                        counts.add(ps.executeUpdate());
                    }
                }
                conn.commit();
            } catch (SQLException | RuntimeException exc) {
                conn.rollback();
                throw exc;
            }
        }
        return out;
    }

    /**
     * A block of {@code count} one-statement transactions timed here, not across the pipe (bench/ drives it):
     * "plain" on the physical connection, "branch" through a ConnectionProxy per transaction inside one global
     * transaction begun for the block (each commit is one AT branch), "global" begin + branch + commit each.
     * Answers every transaction's duration in nanoseconds.
     */
    private ObjectNode bench(JsonNode request) throws Exception {
        DataSourceProxy proxy = source(request);
        String name = request.path("ds").asText();
        Connection physical = benchConnections.get(name);
        if (physical == null) {
            physical = proxy.getPlainConnection();
            physical.setAutoCommit(false);
            benchConnections.put(name, physical);
        }
        String mode = request.path("mode").asText();
        String sql = request.path("sql").asText();
        JsonNode params = request.path("params");
        int count = request.path("count").asInt(1);
        long[] nanos = new long[count];
        GlobalTransaction block = null;
        if (mode.equals("branch")) {
            block = GlobalTransactionContext.getCurrentOrCreate();
            block.begin(60000, "bench-block");
        }
        try {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                switch (mode) {
                    case "plain":
                        benchStatement(physical, sql, params);
                        physical.commit();
                        break;
                    case "branch":
                        benchBranch(proxy, physical, sql, params);
                        break;
                    case "global": {
                        GlobalTransaction tx = GlobalTransactionContext.getCurrentOrCreate();
                        tx.begin(60000, "bench");
                        try {
                            benchBranch(proxy, physical, sql, params);
                            tx.commit();
                        } finally {
                            RootContext.unbind();
                        }
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("unknown bench mode " + mode);
                }
                nanos[i] = System.nanoTime() - start;
            }
            if (block != null) {
                block.commit();
            }
        } finally {
            if (block != null) {
                RootContext.unbind();
            }
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("nanos");
        for (long n : nanos) {
            list.add(n);
        }
        return out;
    }

    /**
     * {@code threads} threads, each with physical connections of its own to every datasource in {@code ds},
     * running global transactions of one branch per datasource ({@code UPDATE ... WHERE id = row}, each thread
     * on row {@code first_row + thread}) for {@code seconds} after {@code warmup} seconds. Answers the number
     * of committed transactions, the failures, and every committed transaction's duration in microseconds.
     */
    private ObjectNode throughput(JsonNode request) throws Exception {
        java.util.List<DataSourceProxy> proxies = new java.util.ArrayList<>();
        for (JsonNode name : request.path("ds")) {
            DataSourceProxy proxy = sources.get(name.asText());
            if (proxy == null) {
                throw new IllegalArgumentException("no datasource " + name.asText());
            }
            proxies.add(proxy);
        }
        String sql = request.path("sql").asText();
        int threads = request.path("threads").asInt(1);
        long firstRow = request.path("first_row").asLong();
        long warmupNanos = (long) (request.path("warmup").asDouble(2) * 1e9);
        long runNanos = (long) (request.path("seconds").asDouble(10) * 1e9);
        java.util.concurrent.ConcurrentLinkedQueue<long[]> results = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(threads);
        // [opens, closes] in System.nanoTime(); unknown (MAX) until every thread has its connections
        java.util.concurrent.atomic.AtomicLongArray window =
            new java.util.concurrent.atomic.AtomicLongArray(new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            long row = firstRow + t;
            workers[t] = new Thread(() -> {
                java.util.List<Connection> physical = new java.util.ArrayList<>();
                try {
                    for (DataSourceProxy proxy : proxies) {
                        Connection conn = proxy.getPlainConnection();
                        conn.setAutoCommit(false);
                        physical.add(conn);
                    }
                    ready.countDown();
                    ready.await();
                    long[] durations = new long[1 << 16];
                    int done = 0;
                    JsonNode params = JSON.createArrayNode().add(row);
                    while (System.nanoTime() < window.get(1)) {
                        long start = System.nanoTime();
                        GlobalTransaction tx = GlobalTransactionContext.getCurrentOrCreate();
                        try {
                            tx.begin(60000, "throughput");
                            for (int i = 0; i < proxies.size(); i++) {
                                benchBranch(proxies.get(i), physical.get(i), sql, params);
                            }
                            tx.commit();
                            long end = System.nanoTime();
                            if (start >= window.get(0) && end <= window.get(1) && done < durations.length) {
                                durations[done++] = (end - start) / 1000;
                            }
                        } catch (Exception exc) {
                            failures.incrementAndGet();
                            try {
                                tx.rollback();
                            } catch (Exception ignored) {
                                // the TC rolls it back on timeout
                            }
                        } finally {
                            RootContext.unbind();
                        }
                    }
                    results.add(java.util.Arrays.copyOf(durations, done));
                } catch (Exception exc) {
                    failures.incrementAndGet();
                } finally {
                    for (Connection conn : physical) {
                        try {
                            conn.close();
                        } catch (SQLException ignored) {
                            // closing after the run
                        }
                    }
                }
            });
        }
        for (Thread worker : workers) {
            worker.start();
        }
        ready.await();
        long now = System.nanoTime();
        window.set(1, now + warmupNanos + runNanos);
        window.set(0, now + warmupNanos);
        for (Thread worker : workers) {
            worker.join();
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode micros = out.putArray("micros");
        long committed = 0;
        for (long[] durations : results) {
            for (long d : durations) {
                micros.add(d);
                committed++;
            }
        }
        out.put("committed", committed);
        out.put("failures", failures.get());
        return out;
    }

    private static void benchBranch(DataSourceProxy proxy, Connection physical, String sql, JsonNode params)
            throws SQLException {
        ConnectionProxy conn = new ConnectionProxy(proxy, physical);
        conn.setAutoCommit(false);
        benchStatement(conn, sql, params);
        conn.commit();
    }

    private static void benchStatement(Connection conn, String sql, JsonNode params) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int index = 1;
            for (JsonNode param : params) {
                ps.setLong(index++, param.asLong());
            }
            ps.executeUpdate();
        }
    }

    private ObjectNode undoRows(JsonNode request) throws SQLException {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode rows = out.putArray("rows");
        try (Connection conn = source(request).getPlainConnection();
             PreparedStatement ps = conn.prepareStatement(
                 "SELECT branch_id, context, rollback_info, log_status FROM undo_log WHERE xid = ? ORDER BY log_created")) {
            ps.setString(1, request.path("xid").asText());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode row = rows.addObject();
                    row.put("branch_id", rs.getLong(1));
                    row.put("context", rs.getString(2));
                    row.put("rollback_info", new String(rs.getBytes(3), StandardCharsets.UTF_8));
                    row.put("log_status", rs.getInt(4));
                }
            }
        }
        return out;
    }

    /**
     * Java's reading of every undo row of an XID: the parser's view of each field (class, value) and Java's own
     * rollback validation (AbstractUndoExecutor.dataValidationAndGoOn) against the rows as they are now.
     */
    private ObjectNode inspect(JsonNode request) throws Exception {
        DataSourceProxy proxy = source(request);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode branches = out.putArray("branches");
        for (JsonNode stored : undoRows(request).path("rows")) {
            ObjectNode branch = branches.addObject();
            branch.put("branch_id", stored.path("branch_id").asLong());
            String context = stored.path("context").asText();
            String serializer = contextValue(context, "serializer", "jackson");
            UndoLogParser parser = UndoLogParserFactory.getInstance(serializer);
            BranchUndoLog undo = parser.decode(stored.path("rollback_info").asText().getBytes(StandardCharsets.UTF_8));
            ArrayNode logs = branch.putArray("sql_undo_logs");
            for (SQLUndoLog sqlUndoLog : undo.getSqlUndoLogs()) {
                ObjectNode item = images(sqlUndoLog);
                item.set("validation", validate(proxy, sqlUndoLog));
                logs.add(item);
            }
        }
        return out;
    }

    /** Java's parser on a rollback_info text: the class and value of every field, or the parser's error. */
    private static ObjectNode decode(JsonNode request) {
        UndoLogParser parser = UndoLogParserFactory.getInstance(request.path("serializer").asText("jackson"));
        BranchUndoLog undo = parser.decode(request.path("text").asText().getBytes(StandardCharsets.UTF_8));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode logs = out.putArray("sql_undo_logs");
        for (SQLUndoLog sqlUndoLog : undo.getSqlUndoLogs()) {
            logs.add(images(sqlUndoLog));
        }
        out.put("reencoded", new String(parser.encode(undo), StandardCharsets.UTF_8));
        return out;
    }

    private static ObjectNode images(SQLUndoLog sqlUndoLog) {
        ObjectNode item = JSON.createObjectNode();
        item.put("sql_type", sqlUndoLog.getSqlType().name());
        item.put("table", sqlUndoLog.getTableName());
        item.set("before", records(sqlUndoLog.getBeforeImage()));
        item.set("after", records(sqlUndoLog.getAfterImage()));
        return item;
    }

    private static ObjectNode validate(DataSourceProxy proxy, SQLUndoLog sqlUndoLog) throws Exception {
        ObjectNode out = JSON.createObjectNode();
        try (ConnectionProxy conn = proxy.getConnection()) {
            conn.setAutoCommit(false);
            TableMeta meta = TableMetaCacheFactory.getTableMetaCache(proxy.getDbType())
                .getTableMeta(conn.getTargetConnection(), sqlUndoLog.getTableName(), proxy.getResourceId());
            sqlUndoLog.setTableMeta(meta);
            AbstractUndoExecutor executor = UndoExecutorFactory.getUndoExecutor(proxy.getDbType(), sqlUndoLog);
            Method query = AbstractUndoExecutor.class.getDeclaredMethod("queryCurrentRecords", ConnectionProxy.class);
            query.setAccessible(true);
            TableRecords current = (TableRecords) query.invoke(executor, conn);
            out.set("current", records(current));
            Result<Boolean> afterEqualsCurrent = DataCompareUtils.isRecordsEquals(sqlUndoLog.getAfterImage(), current);
            out.put("after_equals_current", afterEqualsCurrent.getResult());
            out.put("after_vs_current", message(afterEqualsCurrent));
            Result<Boolean> beforeEqualsAfter = DataCompareUtils.isRecordsEquals(
                sqlUndoLog.getBeforeImage(), sqlUndoLog.getAfterImage());
            out.put("before_equals_after", beforeEqualsAfter.getResult());
            Method goOn = AbstractUndoExecutor.class.getDeclaredMethod("dataValidationAndGoOn", ConnectionProxy.class);
            goOn.setAccessible(true);
            try {
                out.put("go_on", (Boolean) goOn.invoke(executor, conn));
            } catch (InvocationTargetException exc) {
                out.put("go_on", false);
                out.set("refused", describe(exc.getCause()));
            }
            conn.rollback();
        }
        return out;
    }

    /** A comparison's message with its placeholders filled, as Seata's log line would show it. */
    private static String message(Result<Boolean> result) {
        String text = result.getErrMsg();
        if (text == null || result.getErrMsgParams() == null) {
            return text;
        }
        for (Object param : result.getErrMsgParams()) {
            String shown = param instanceof byte[] ? HexFormat.of().formatHex((byte[]) param) : String.valueOf(param);
            shown += param == null ? "" : " (" + param.getClass().getName() + ")";
            text = text.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(shown));
        }
        return text;
    }

    private static ArrayNode records(TableRecords records) {
        ArrayNode rows = JSON.createArrayNode();
        if (records == null) {
            return rows;
        }
        for (Row row : records.getRows()) {
            ArrayNode fields = rows.addArray();
            for (Field field : row.getFields()) {
                ObjectNode f = fields.addObject();
                f.put("name", field.getName());
                f.put("key", field.getKeyType() == null ? null : field.getKeyType().name());
                f.put("type", field.getType());
                Object value = field.getValue();
                f.put("class", value == null ? null : value.getClass().getName());
                f.put("value", value == null ? null
                    : value instanceof byte[] ? HexFormat.of().formatHex((byte[]) value) : String.valueOf(value));
            }
        }
        return rows;
    }

    private static String contextValue(String context, String key, String fallback) {
        if (context == null) {
            return fallback;
        }
        for (String part : context.split("&")) {
            String[] kv = part.split("=", 2);
            if (kv.length == 2 && kv[0].equals(key)) {
                return kv[1];
            }
        }
        return fallback;
    }

    private static ObjectNode describe(Throwable exc) {
        ObjectNode error = JSON.createObjectNode();
        error.put("class", exc.getClass().getName());
        error.put("message", String.valueOf(exc.getMessage()));
        ArrayNode causes = error.putArray("causes");
        for (Throwable cause = exc.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            causes.add(cause.getClass().getName() + ": " + cause.getMessage());
        }
        return error;
    }

    private Agent() {}

    /** Whichever JDBC driver is on the classpath, through DriverManager (no pool: one connection a request). */
    private static final class DriverDataSource implements DataSource {
        private final String url;
        private final String user;
        private final String password;
        private PrintWriter logWriter;

        DriverDataSource(String url, String user, String password) {
            this.url = url;
            this.user = user;
            this.password = password;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String username, String pass) throws SQLException {
            return DriverManager.getConnection(url, username, pass);
        }

        @Override
        public PrintWriter getLogWriter() {
            return logWriter;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            logWriter = out;
        }

        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException("not a wrapper of " + iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }
    }
}
