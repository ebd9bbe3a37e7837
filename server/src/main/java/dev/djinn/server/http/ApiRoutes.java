package dev.djinn.server.http;

import dev.djinn.engine.service.EngineStats;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.server.api.ApiException;
import dev.djinn.server.api.HealthResponse;
import dev.djinn.server.api.ModelList;
import dev.djinn.server.chat.ChatTemplateException;
import dev.djinn.server.cluster.ClusterView;
import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpResponseException;

/** Puts the API's routes, checks, error mapping and access log into a Javalin configuration. */
public final class ApiRoutes {
    private ApiRoutes() {
    }

    /** @param apiKey the key clients must send, or null for none */
    public static void install(JavalinConfig config, ApiContext api, ClusterView cluster, String apiKey) {
        ErrorHandling errors = new ErrorHandling(api.metrics());
        config.requestLogger.http(new AccessLog(api.metrics())::log);
        var routes = config.routes;
        routes.before(RequestIds::assign);
        if (apiKey != null) {
            routes.before("/v1/*", new ApiKeyCheck(apiKey));
        }
        routes.post(Routes.CHAT, new ChatCompletionsHandler(api));
        routes.post(Routes.COMPLETIONS, new CompletionsHandler(api));
        routes.get(Routes.MODELS, ctx -> ctx.json(new ModelList(card(api))));
        routes.get(Routes.MODEL, ctx -> {
            if (!ctx.pathParam("id").equals(api.model().id())) {
                throw ApiException.modelNotFound(ctx.pathParam("id"));
            }
            ctx.json(card(api));
        });
        routes.get(Routes.CLUSTER, ctx -> ctx.json(cluster.snapshot()));
        routes.get(Routes.HEALTH, ctx -> {
            EngineStats s = api.service().stats();
            ctx.json(new HealthResponse("ok", api.model().id(), s.running(), s.waiting(), s.slots(),
                    s.kvBytesUsed(), s.kvBytesBudget()));
        });
        routes.get(Routes.METRICS, ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(api.metrics().scrape()));
        routes.exception(ApiException.class, errors::api);
        routes.exception(ChatTemplateException.class, errors::template);
        routes.exception(HttpResponseException.class, errors::http);
        routes.exception(Exception.class, errors::unexpected);
    }

    private static ModelList.Model card(ApiContext api) {
        ModelInfo m = api.model();
        return new ModelList.Model(m.id(), "model", api.startedSeconds(), "djinn",
                new ModelList.Meta(m.architecture(), m.contextLength(), m.vocabSize()));
    }
}
