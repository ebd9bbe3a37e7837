package dev.djinn.cluster.membership;

import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.core.DjinnException;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.AUTH;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Cluster membership over JGroups: who is in the view, and what each member announced about itself
 * ({@link NodeInfo}). Every member multicasts its info, signed with the cluster secret, whenever the view
 * changes or its info does; unsigned or badly signed announcements are dropped. Listeners hear of every
 * change on one event thread, never on a JGroups thread.
 *
 * <p>An announcement can be lost when views change (after a merge, one side installs the new view before the
 * other and drops what came from a not-yet member), so a member that lacks someone's info asks for it: it
 * re-announces itself twice a second with {@code MSG_INFO_ASK}, and whoever receives that answers with its own.
 */
public final class Membership implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Membership.class.getName());
    private static final int MSG_INFO = 1;
    /** An announcement that also asks every member to announce itself again. */
    private static final int MSG_INFO_ASK = 2;
    private static final long ASK_EVERY_MS = 500;

    /** Hears of view and info changes. */
    @FunctionalInterface
    public interface Listener {
        void changed(Membership membership);
    }

    private final ClusterSecret secret;
    private final Map<Address, NodeInfo> infos = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("djinn-membership").daemon().factory());
    private volatile NodeInfo self;
    private volatile View view;
    private volatile long viewChangedAt = System.nanoTime();
    private JChannel channel;

    public Membership(ClusterSecret secret, NodeInfo self) {
        this.secret = secret;
        this.self = self;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Joins the cluster.
     *
     * @throws DjinnException when the cluster refuses this node (wrong secret) or the stack cannot start
     */
    public void join(String xml, String clusterName) {
        try {
            channel = new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            AUTH auth = channel.getProtocolStack().findProtocol(AUTH.class);
            ((SecretToken) auth.getAuthToken()).secret(secret);
            channel.setName(self.name());
            channel.setDiscardOwnMessages(true);
            channel.setReceiver(new Receiver() {
                @Override
                public void viewAccepted(View v) {
                    onView(v);
                }

                @Override
                public void receive(Message msg) {
                    onMessage(msg);
                }
            });
            channel.connect(clusterName);
            events.scheduleWithFixedDelay(this::askWhileUnsettled, ASK_EVERY_MS, ASK_EVERY_MS, TimeUnit.MILLISECONDS);
        } catch (SecurityException e) {
            closeChannel();
            throw new DjinnException("the cluster refused this node: " + e.getMessage()
                    + " (is --cluster-secret the cluster's?)", e);
        } catch (Exception e) {
            closeChannel();
            Throwable t = e;
            while (t.getCause() != null && !(t instanceof SecurityException)) {
                t = t.getCause();
            }
            if (t instanceof SecurityException) {
                throw new DjinnException("the cluster refused this node: " + t.getMessage()
                        + " (is --cluster-secret the cluster's?)", e);
            }
            throw new DjinnException("cannot join the cluster: " + e.getMessage(), e);
        }
        if (channel.getView() != null) {
            onView(channel.getView());
        }
    }

    private void onView(View v) {
        view = v;
        viewChangedAt = System.nanoTime();
        infos.keySet().retainAll(v.getMembers());
        if (channel != null && channel.getAddress() != null) {
            infos.put(channel.getAddress(), self);
        }
        events.execute(() -> {
            broadcast(MSG_INFO);
            fire();
        });
    }

    private void askWhileUnsettled() {
        try {
            if (view != null && !settled()) {
                broadcast(MSG_INFO_ASK);
            }
        } catch (RuntimeException e) {
            LOG.warning("cannot ask for announcements: " + e); // keeps the periodic task alive
        }
    }

    private void onMessage(Message msg) {
        View current = view;
        if (current != null && !current.containsMember(msg.getSrc())) {
            return; // e.g. discovery traffic of a differently configured stack
        }
        try {
            ByteReader r = new ByteReader(msg.getArray(), msg.getOffset(), msg.getLength());
            int type = r.u8();
            long time = r.i64();
            byte[] sig = r.blob();
            byte[] body = r.blob();
            if ((type != MSG_INFO && type != MSG_INFO_ASK) || !secret.verify("jgroups-info", time, body, sig)) {
                LOG.warning("dropped an unsigned or badly signed announcement from " + msg.getSrc());
                return;
            }
            NodeInfo info = NodeInfo.decode(body);
            NodeInfo old = infos.put(msg.getSrc(), info);
            if (!info.equals(old)) {
                events.execute(this::fire);
            }
            if (type == MSG_INFO_ASK) {
                events.execute(() -> broadcast(MSG_INFO));
            }
        } catch (RuntimeException e) {
            LOG.warning("dropped a malformed announcement from " + msg.getSrc() + ": " + e.getMessage());
        }
    }

    private void fire() {
        for (Listener l : listeners) {
            try {
                l.changed(this);
            } catch (RuntimeException e) {
                LOG.warning("membership listener failed: " + e);
            }
        }
    }

    private void broadcast(int type) {
        JChannel ch = channel;
        if (ch == null || !ch.isConnected()) {
            return;
        }
        byte[] body = self.encode();
        long now = System.currentTimeMillis();
        ByteWriter w = new ByteWriter(body.length + 64);
        w.u8(type).i64(now).blob(secret.sign("jgroups-info", now, body)).blob(body);
        try {
            ch.send(new BytesMessage(null, w.toByteArray()));
        } catch (Exception e) {
            LOG.warning("cannot announce this node: " + e);
        }
    }

    /** Replaces this node's announcement and sends it to everyone. */
    public void publish(NodeInfo info) {
        self = info;
        if (channel != null && channel.getAddress() != null) {
            infos.put(channel.getAddress(), info);
        }
        events.execute(() -> {
            broadcast(MSG_INFO);
            fire();
        });
    }

    public NodeInfo self() {
        return self;
    }

    /** Members of the current view whose info is known, one per name (the earliest started wins), by name. */
    public List<NodeInfo> members() {
        View v = view;
        List<NodeInfo> out = new ArrayList<>();
        if (v == null) {
            out.add(self);
            return out;
        }
        Map<String, NodeInfo> byName = new java.util.TreeMap<>();
        for (Address a : v.getMembers()) {
            NodeInfo i = infos.get(a);
            if (i == null) {
                continue;
            }
            NodeInfo prev = byName.get(i.name());
            if (prev == null || i.started() < prev.started()) {
                byName.put(i.name(), i);
            }
        }
        out.addAll(byName.values());
        out.sort(Comparator.comparing(NodeInfo::name));
        return out;
    }

    /** Number of members in the JGroups view (including ones whose info has not arrived). */
    public int viewSize() {
        View v = view;
        return v == null ? 1 : v.size();
    }

    public String viewId() {
        View v = view;
        return v == null ? "none" : v.getViewId().toString();
    }

    /** True when every member of the view has announced itself. */
    public boolean settled() {
        View v = view;
        if (v == null) {
            return false;
        }
        for (Address a : v.getMembers()) {
            if (!infos.containsKey(a)) {
                return false;
            }
        }
        return true;
    }

    public long nanosSinceViewChange() {
        return System.nanoTime() - viewChangedAt;
    }

    public boolean isMember(String name) {
        for (NodeInfo i : members()) {
            if (i.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (RuntimeException ignored) {
                // closing a channel that failed to connect
            }
        }
    }

    @Override
    public void close() {
        closeChannel();
        events.shutdownNow();
    }
}
