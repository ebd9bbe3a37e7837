package dev.djinn.cluster;

import dev.djinn.cluster.coord.ClusterContext;
import dev.djinn.cluster.coord.ClusterStepExecutor;
import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.cluster.coord.ScopedExecutor;
import dev.djinn.cluster.coord.StepGeneration;
import dev.djinn.cluster.membership.ClusterSecret;
import dev.djinn.cluster.membership.JGroupsStack;
import dev.djinn.cluster.membership.Membership;
import dev.djinn.cluster.membership.NodeInfo;
import dev.djinn.cluster.plan.Member;
import dev.djinn.cluster.plan.ModelCost;
import dev.djinn.cluster.plan.Plan;
import dev.djinn.cluster.plan.Planner;
import dev.djinn.cluster.rpc.Auth;
import dev.djinn.cluster.rpc.Links;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.stage.RouteSpec;
import dev.djinn.cluster.stage.StageRuntime;
import dev.djinn.cluster.store.Fetcher;
import dev.djinn.cluster.store.ModelStore;
import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.cluster.wire.Frame;
import dev.djinn.cluster.wire.WireFormat;
import dev.djinn.core.DjinnException;
import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.scheduler.StepExecutor;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * A djinn cluster node: a member of the JGroups view, a gRPC server for the data plane (pipe streams between
 * neighbours), the control plane (prepare, release, info, fetch) and clients (generate, status), a pipeline
 * stage for whatever layers coordinators ask of it, and a coordinator for the requests it takes.
 *
 * <p>Whenever the view changes it recomputes the plan (the same function of the view on every node), keeps
 * its own range's layers ready (fetching them from a peer when its disk lacks them), drops state that
 * belonged to departed nodes, and tells its coordinators, which move their sequences to the new plan.
 */
public final class Node implements ClusterContext, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NodeOptions opts;
    private final String name;
    private final String host;
    private final String endpoint;
    private final ClusterSecret secret;
    private final long memoryLimit;
    private final ComputePool pool;
    private final MatMul matmul;
    private final double benchmarkMs;
    private final long started = System.currentTimeMillis();
    private final PrintStream log;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService loader;
    private final ExecutorService control;
    private final ExecutorService callbacks;
    private final Links links;
    private final Map<Long, ClusterStepExecutor> routeOwners = new ConcurrentHashMap<>();
    private final Map<String, ClusterStepExecutor> executors = new ConcurrentHashMap<>();
    private final AtomicLong sequenceIds = new AtomicLong();
    private final Set<String> knownEndpoints = ConcurrentHashMap.newKeySet();
    private volatile ModelStore store;
    private volatile StageRuntime stage;
    private volatile ModelCost cost;
    private volatile Plan plan;
    private volatile String planError = "no plan yet";
    private volatile boolean closed;
    private Server server;
    private Membership membership;

    private Node(NodeOptions o, PrintStream log) {
        this.opts = o;
        this.log = log;
        this.host = o.host != null ? o.host : SystemStats.defaultHost();
        this.endpoint = o.advertise != null ? o.advertise : host + ":" + o.port;
        this.name = o.name != null ? o.name : host + "-" + o.port;
        this.secret = new ClusterSecret(o.secret);
        this.memoryLimit = o.memoryLimit > 0 ? o.memoryLimit : (long) (SystemStats.physicalBytes() * 0.8);
        if (o.threads < 1 || o.batch < 1 || o.ctx < 1) {
            throw new DjinnException("--threads, --batch and --ctx must be positive");
        }
        this.pool = new ComputePool(o.threads);
        this.matmul = new MatMul(KernelProvider.get(), pool);
        this.benchmarkMs = o.benchmarkMs > 0 ? o.benchmarkMs : SpeedBenchmark.run(matmul);
        this.scheduler = Executors.newScheduledThreadPool(1, Thread.ofPlatform().name("djinn-timer").daemon().factory());
        this.loader = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("djinn-loader").daemon().factory());
        this.control = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("djinn-control-", 0).daemon().factory());
        this.callbacks = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("djinn-gen-", 0).daemon().factory());
        this.links = new Links(secret, o.tcp, endpoint, this::inbound);
    }

    /** Starts a node: opens (or finds) the model, serves gRPC, joins the cluster. */
    public static Node start(NodeOptions o, PrintStream log) {
        Node n = new Node(o, log);
        try {
            n.startUp();
            return n;
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    private void startUp() {
        if (secret.isEmpty()) {
            log.println("djinn node " + name + ": warning: no --cluster-secret; anyone who can reach this node can use it");
        }
        if (opts.model != null && Files.isRegularFile(opts.model)) {
            setStore(ModelStore.openFile(opts.model));
        } else if (opts.model != null) {
            ModelStore cached = ModelStore.openCached(opts.cacheDir, opts.model.getFileName().toString());
            if (cached != null) {
                log.println("djinn node " + name + ": " + opts.model + " is not here; using the layers cached in "
                        + cached.path());
                setStore(cached);
            }
        }
        startServer();
        links.onFailure((ep, t) -> {
            StageRuntime s = stage;
            if (s != null) {
                s.linkFailed(ep, t);
            }
            for (ClusterStepExecutor ex : executors.values()) {
                RouteSpec r = ex.route();
                if (r != null && r.stages().getFirst().endpoint().equals(ep)) {
                    ex.onError(new Frame.Error(r.id(), 0, "lost the link to the first stage " + ep));
                }
            }
        });
        membership = new Membership(secret, info());
        membership.addListener(m -> onMembershipChanged());
        String xml = JGroupsStack.xml(opts.discovery(), host, opts.membershipPort(), jgroupsPeers(), opts.dnsQuery,
                opts.multicastAddress, opts.multicastPort);
        membership.join(xml, opts.clusterName);
        ModelStore s = store;
        log.printf(Locale.ROOT, "djinn node %s: serving on %s (membership port %d, %s discovery), %s, benchmark %.3f ms, "
                        + "memory limit %s%n", name, endpoint, opts.membershipPort(),
                opts.discovery().name().toLowerCase(Locale.ROOT),
                s == null ? "no model yet" : "model " + s.modelId() + (s.full() ? "" : " (partial copy)"),
                benchmarkMs, Planner.size(memoryLimit));
        if (store == null) {
            fetchHeader();
        }
        onMembershipChanged();
    }

    private List<String> jgroupsPeers() {
        List<String> out = new ArrayList<>();
        for (String p : opts.peers) {
            int colon = p.lastIndexOf(':');
            if (colon <= 0) {
                throw new DjinnException("peer " + p + " is not host:port");
            }
            int port = Integer.parseInt(p.substring(colon + 1));
            out.add(p.substring(0, colon) + ":" + (port + 1));
        }
        return out;
    }

    private void setStore(ModelStore s) {
        ModelConfig cfg = s.config();
        int kvCtx = Math.min(opts.ctx, Math.max(cfg.trainedContext(), 1));
        cost = ModelCost.of(s.file(), cfg, kvCtx, opts.kvSlots, opts.kvType.bytesPerValue());
        stage = new StageRuntime(name, s.file(), cfg, matmul, opts.batch, links, opts.debugStepDelayMs);
        store = s;
    }

    /** A node without the model takes its header (metadata and tensor table) from a peer that has it. */
    private void fetchHeader() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "no peer with the model joined";
        while (System.nanoTime() < deadline && !closed) {
            for (NodeInfo i : membership.members()) {
                if (i.name().equals(name) || !i.knowsModel()) {
                    continue;
                }
                try {
                    byte[] rsp = links.call(i.endpoint(), Rpc.MODEL_HEADER, new byte[0], 30_000).join();
                    ByteReader r = new ByteReader(rsp);
                    String id = r.string();
                    long size = r.i64();
                    byte[] header = r.blob();
                    String file = opts.model != null ? opts.model.getFileName().toString() : id;
                    setStore(ModelStore.createCached(opts.cacheDir, file, id, size, header));
                    log.println("djinn node " + name + ": took the model header from " + i.name() + "; layers go to "
                            + store.path());
                    membership.publish(info());
                    return;
                } catch (RuntimeException e) {
                    last = i.name() + ": " + e.getMessage();
                }
            }
            sleep(200);
        }
        throw new DjinnException("this node has no model file and could not get one from a peer (" + last + ")");
    }

    private NodeInfo info() {
        ModelStore s = store;
        int colon = endpoint.lastIndexOf(':');
        return new NodeInfo(name, endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)), memoryLimit, benchmarkMs, s == null ? "" : s.modelId(),
                s != null && s.full(), s == null ? new java.util.BitSet() : s.layersOnDisk(), opts.batch,
                opts.threads, started);
    }

    // ---- membership

    private void onMembershipChanged() {
        if (closed || membership == null) {
            return;
        }
        List<NodeInfo> ms = membership.members();
        Set<String> eps = new HashSet<>();
        for (NodeInfo i : ms) {
            eps.add(i.endpoint());
        }
        StageRuntime st = stage;
        for (String ep : new ArrayList<>(knownEndpoints)) {
            if (!eps.contains(ep)) {
                knownEndpoints.remove(ep);
                if (st != null) {
                    st.routesInvolving(ep).forEach(st::release);
                }
                links.drop(ep);
            }
        }
        knownEndpoints.addAll(eps);
        if (store == null) {
            return;
        }
        if (!settled()) {
            return;
        }
        try {
            Plan p = plan(Set.of());
            if (!p.equals(plan)) {
                plan = p;
                log.println("djinn node " + name + ": " + members().size() + " node" + (members().size() == 1 ? "" : "s")
                        + ", plan " + p);
            }
            LayerRange mine = p.rangeOf(name);
            if (mine != null && st != null) {
                st.keep(mine);
                loader.execute(() -> {
                    try {
                        ensure(mine);
                        if (mine.size() > 0) {
                            stage.transformer(mine);
                        }
                    } catch (RuntimeException e) {
                        log.println("djinn node " + name + ": cannot load layers " + mine + ": " + e.getMessage());
                    }
                });
            }
            planError = null;
        } catch (DjinnException e) {
            if (!e.getMessage().equals(planError)) {
                log.println("djinn node " + name + ": " + e.getMessage());
            }
            plan = null;
            planError = e.getMessage();
        }
        for (ClusterStepExecutor ex : executors.values()) {
            ex.membershipChanged();
        }
    }

    /** Makes sure the layers of {@code range} are on disk, fetching them from peers. Runs on the loader. */
    private void ensure(LayerRange range) {
        ModelStore s = store;
        if (s.has(range)) {
            return;
        }
        List<String> peers = new ArrayList<>();
        List<String> partial = new ArrayList<>();
        for (NodeInfo i : members()) {
            if (i.name().equals(name)) {
                continue;
            }
            if (i.full()) {
                peers.add(i.endpoint());
            } else if (ModelStore.covers(i.have(), range, s.config().layers())) {
                partial.add(i.endpoint());
            }
        }
        peers.addAll(partial);
        log.println("djinn node " + name + ": fetching layers " + range + " from " + (peers.isEmpty() ? "nobody" : peers));
        Fetcher.fetch(s, s.missing(range), peers, links::channel, "layers " + range);
        log.println("djinn node " + name + ": layers " + range + " stored in " + s.path());
        membership.publish(info());
    }

    // ---- ClusterContext

    @Override
    public String selfEndpoint() {
        return endpoint;
    }

    @Override
    public Links links() {
        return links;
    }

    @Override
    public ModelConfig config() {
        return store.config();
    }

    @Override
    public String modelId() {
        return store.modelId();
    }

    @Override
    public List<NodeInfo> members() {
        String id = store == null ? "" : store.modelId();
        List<NodeInfo> out = new ArrayList<>();
        for (NodeInfo i : membership.members()) {
            if (i.modelId().equals(id)) {
                out.add(i);
            }
        }
        return out;
    }

    @Override
    public boolean settled() {
        return membership.settled();
    }

    @Override
    public String viewId() {
        return membership.viewId();
    }

    @Override
    public Plan plan(Set<String> excluded) {
        List<Member> ms = new ArrayList<>();
        for (NodeInfo i : members()) {
            if (!excluded.contains(i.name())) {
                ms.add(new Member(i.name(), i.memoryLimit(), i.benchmarkMs()));
            }
        }
        return Planner.plan(ms, cost);
    }

    @Override
    public void registerRoute(long route, ClusterStepExecutor owner) {
        routeOwners.put(route, owner);
    }

    @Override
    public void unregisterRoute(long route) {
        routeOwners.remove(route);
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public String name() {
        return name;
    }

    public String endpoint() {
        return endpoint;
    }

    public Plan currentPlan() {
        return plan;
    }

    /** The coordinator-side executor for a wire format and KV precision (made on first use). */
    public ClusterStepExecutor executor(WireFormat wire, KvCacheType kv) {
        if (store == null) {
            throw new DjinnException("node " + name + " has no model yet");
        }
        return executors.computeIfAbsent(wire + "/" + kv, k -> {
            int batch = opts.batch;
            for (NodeInfo i : members()) {
                batch = Math.min(batch, i.maxBatch());
            }
            return new ClusterStepExecutor(this, wire, kv, batch, opts.maxStepTimeoutMs);
        });
    }

    /**
     * A view of this node's coordinator executor (the node's wire format and KV precision) for a scheduler
     * in this process: its sequence ids never collide with those of {@code Generate} calls, and closing it
     * leaves the executor to the node.
     */
    public ClusterStepExecutor coordinatorExecutor() {
        return executor(opts.wire, opts.kvType);
    }

    public StepExecutor scopedExecutor() {
        return new ScopedExecutor(executor(opts.wire, opts.kvType), sequenceIds::incrementAndGet);
    }

    /** The model as this node knows it (its file, or a copy whose header came from a peer); null before start. */
    public ModelStore model() {
        return store;
    }

    // ---- frames

    private void inbound(byte[] frame) {
        int kind = Frame.kind(frame);
        if (kind == Frame.RESULT || kind == Frame.ERROR) {
            ClusterStepExecutor owner = routeOwners.get(Frame.route(frame));
            if (owner == null) {
                return;
            }
            Frame f = Frame.decode(frame);
            if (f instanceof Frame.Result r) {
                owner.onResult(r);
            } else if (f instanceof Frame.Error e) {
                owner.onError(e);
            }
            return;
        }
        StageRuntime s = stage;
        if (s != null) {
            s.enqueue(frame);
        }
    }

    // ---- gRPC

    private void startServer() {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(host, opts.port))
                .directExecutor()
                .callExecutor(new ServerCallExecutorSupplier() {
                    @Override
                    public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata metadata) {
                        return call.getMethodDescriptor().getFullMethodName().equals(Rpc.PIPE.getFullMethodName())
                                ? null : control;
                    }
                })
                .withChildOption(ChannelOption.TCP_NODELAY, opts.tcp.noDelay())
                .withChildOption(ChannelOption.SO_KEEPALIVE, opts.tcp.keepAlive())
                .flowControlWindow(opts.tcp.flowControlWindow())
                .maxInboundMessageSize(1 << 30)
                .permitKeepAliveTime(1, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .intercept(Auth.server(secret))
                .addService(service());
        if (opts.tcp.sendBuffer() > 0) {
            b.withChildOption(ChannelOption.SO_SNDBUF, opts.tcp.sendBuffer());
        }
        if (opts.tcp.receiveBuffer() > 0) {
            b.withChildOption(ChannelOption.SO_RCVBUF, opts.tcp.receiveBuffer());
        }
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new DjinnException("cannot listen on " + endpoint + ": " + e.getMessage(), e);
        }
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(Rpc.SERVICE)
                .addMethod(Rpc.PIPE, ServerCalls.asyncBidiStreamingCall(rsp -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] frame) {
                        try {
                            inbound(frame);
                        } catch (RuntimeException e) {
                            LOG.warning("bad frame: " + e);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        rsp.onCompleted();
                    }
                }))
                .addMethod(Rpc.PREPARE, ServerCalls.asyncUnaryCall(this::prepare))
                .addMethod(Rpc.RELEASE, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    StageRuntime s = stage;
                    if (s != null) {
                        s.release(new ByteReader(req).i64());
                    }
                    rsp.onNext(new byte[0]);
                    rsp.onCompleted();
                }))
                .addMethod(Rpc.INFO, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    rsp.onNext(status().encode());
                    rsp.onCompleted();
                }))
                .addMethod(Rpc.PING, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    int n = new ByteReader(req).count();
                    rsp.onNext(new byte[Math.min(n, 64 << 20)]);
                    rsp.onCompleted();
                }))
                .addMethod(Rpc.MEASURE, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    try {
                        rsp.onNext(LinkProbe.measure(links.channel(new ByteReader(req).string())).encode());
                        rsp.onCompleted();
                    } catch (RuntimeException e) {
                        rsp.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
                    }
                }))
                .addMethod(Rpc.STATUS, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    try {
                        rsp.onNext(ClusterStatus.gather(this).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        rsp.onCompleted();
                    } catch (RuntimeException e) {
                        rsp.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                    }
                }))
                .addMethod(Rpc.GENERATE, ServerCalls.asyncServerStreamingCall(this::generate))
                .addMethod(Rpc.MODEL_HEADER, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    ModelStore s = store;
                    if (s == null) {
                        rsp.onError(Status.UNAVAILABLE.withDescription("no model here yet").asRuntimeException());
                        return;
                    }
                    rsp.onNext(new ByteWriter(1024).string(s.modelId()).i64(s.fileSize()).blob(s.header()).toByteArray());
                    rsp.onCompleted();
                }))
                .addMethod(Rpc.FETCH, ServerCalls.asyncServerStreamingCall((req, rsp) -> {
                    ModelStore s = store;
                    if (s == null) {
                        rsp.onError(Status.UNAVAILABLE.withDescription("no model here yet").asRuntimeException());
                        return;
                    }
                    Fetcher.serve(s, req, rsp);
                }))
                .build();
    }

    private void prepare(byte[] req, StreamObserver<byte[]> rsp) {
        RouteSpec spec;
        try {
            spec = RouteSpec.decode(req);
        } catch (RuntimeException e) {
            rsp.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (store == null || !spec.modelId().equals(store.modelId())) {
            rsp.onError(Status.FAILED_PRECONDITION.withDescription("node " + name + " does not serve model "
                    + spec.modelId()).asRuntimeException());
            return;
        }
        int index = spec.indexOf(name);
        if (index < 0) {
            rsp.onError(Status.INVALID_ARGUMENT.withDescription("node " + name + " is not in route " + spec)
                    .asRuntimeException());
            return;
        }
        LayerRange range = spec.stages().get(index).range();
        loader.execute(() -> {
            try {
                ensure(range);
                stage.prepare(spec);
                rsp.onNext(new byte[0]);
                rsp.onCompleted();
            } catch (RuntimeException e) {
                rsp.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            }
        });
    }

    private void generate(byte[] reqBytes, StreamObserver<byte[]> obs) {
        ServerCallStreamObserver<byte[]> so = (ServerCallStreamObserver<byte[]>) obs;
        try {
            GenerateCall.Request rq = GenerateCall.Request.decode(reqBytes);
            ModelStore s = store;
            if (s == null) {
                throw new DjinnException("node " + name + " has no model yet");
            }
            Tokenizer tok = s.tokenizer();
            int[] ids = rq.promptIds() != null ? rq.promptIds() : tok.encode(rq.prompt(), true, true);
            int ctx = Math.min(rq.ctx() > 0 ? rq.ctx() : opts.ctx, Math.max(s.config().trainedContext(), 1));
            KvCacheType kv = rq.kvType().isEmpty() ? opts.kvType : KvCacheType.parse(rq.kvType());
            WireFormat wire = rq.wire().isEmpty() ? opts.wire : WireFormat.parse(rq.wire());
            ClusterStepExecutor ex = executor(wire, kv);
            int chunk = rq.batch() > 0 ? rq.batch() : opts.batch;
            GenerationRequest gr = new GenerationRequest(ids, rq.sampling(), rq.maxTokens(), rq.stop(), rq.ignoreEos(),
                    rq.logprobs());
            StepGeneration g = new StepGeneration(ex, tok, gr, ctx, chunk, sequenceIds.incrementAndGet(), rq.forced(),
                    rq.paceMs(), scheduler, ev -> {
                        if (so.isCancelled()) {
                            return false;
                        }
                        so.onNext(GenerateCall.token(ev.token(), ev.text()));
                        return true;
                    }, callbacks);
            so.setOnCancelHandler(g::cancel);
            long before = ex.recoveries();
            g.start().whenComplete((r, t) -> {
                if (so.isCancelled()) {
                    return;
                }
                if (t != null) {
                    so.onError(Status.UNAVAILABLE.withDescription(t.getMessage()).asRuntimeException());
                    return;
                }
                RouteSpec route = ex.route();
                so.onNext(new GenerateCall.Done(r.finishReason(), r.promptTokens(), r.promptNanos(),
                        r.generatedTokens(), r.generationNanos(), route == null ? "" : route.toString(),
                        ex.recoveries() - before).encode());
                so.onCompleted();
            });
        } catch (DjinnException e) {
            so.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            so.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
        }
    }

    /** This node's live state. */
    public NodeStatus status() {
        ModelStore s = store;
        StageRuntime st = stage;
        Plan p = plan;
        LayerRange mine = p == null ? null : p.rangeOf(name);
        return new NodeStatus(name, endpoint, s == null ? "" : s.modelId(), s != null && s.full(),
                mine == null || mine.size() == 0 ? "-" : mine.toString(),
                p != null ? p.toString() : String.valueOf(planError), membership == null ? 0 : members().size(),
                memoryLimit, SystemStats.residentBytes(), SystemStats.physicalBytes(), SystemStats.freePhysicalBytes(),
                mine == null || cost == null ? 0 : cost.weightBytesFor(mine), st == null ? 0 : st.kvBytes(),
                benchmarkMs, opts.threads, st == null ? 0 : st.steps(), st == null ? 0 : st.rows(),
                st == null ? 0 : st.computeNanos(), st == null ? 0 : st.routeCount(),
                st == null ? 0 : st.busyNanos() / 1_000_000, firstStage(p));
    }

    private String firstStage(Plan p) {
        if (p == null || p.stages().isEmpty()) {
            return "";
        }
        String first = p.stages().getFirst().member();
        for (NodeInfo i : members()) {
            if (i.name().equals(first)) {
                return i.endpoint();
            }
        }
        return "";
    }

    Membership membership() {
        return membership;
    }

    /** Testing: this node's compute thread hangs on its next step, while the node stays in the view. */
    public void debugStall() {
        StageRuntime s = stage;
        if (s != null) {
            s.debugStall();
        }
    }

    /** Blocks until the node is stopped (by {@link #close()} from another thread or a shutdown hook). */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ClusterStepExecutor ex : executors.values()) {
            ex.close();
        }
        if (membership != null) {
            membership.close();
        }
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS); // frees the port for a restart
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        links.close();
        if (stage != null) {
            stage.close();
        }
        scheduler.shutdownNow();
        loader.shutdownNow();
        control.shutdownNow();
        callbacks.shutdownNow();
        pool.close();
        if (store != null) {
            store.close();
        }
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.stream(s.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).toList();
    }

    static CompletableFuture<byte[]> info(Links links, String ep) {
        return links.call(ep, Rpc.INFO, new byte[0], 2000);
    }
}
