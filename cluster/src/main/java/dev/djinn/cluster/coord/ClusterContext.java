package dev.djinn.cluster.coord;

import dev.djinn.cluster.membership.NodeInfo;
import dev.djinn.cluster.plan.Plan;
import dev.djinn.cluster.rpc.Links;
import dev.djinn.core.model.ModelConfig;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/** What a coordinator needs from the node it runs in. */
public interface ClusterContext {
    String selfEndpoint();

    Links links();

    ModelConfig config();

    String modelId();

    /** Members of the view that serve this model, by name. */
    List<NodeInfo> members();

    /** True when every member of the current view has announced itself. */
    boolean settled();

    /** Changes whenever the view does. */
    String viewId();

    /**
     * The plan for the current members minus {@code excluded}.
     *
     * @throws dev.djinn.core.DjinnException when they cannot hold the model (the message has the numbers)
     */
    Plan plan(Set<String> excluded);

    /** Routes this coordinator sets up deliver their results here. */
    void registerRoute(long route, ClusterStepExecutor owner);

    void unregisterRoute(long route);

    ScheduledExecutorService scheduler();
}
