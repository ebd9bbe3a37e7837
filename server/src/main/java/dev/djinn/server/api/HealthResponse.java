package dev.djinn.server.api;

/** {@code GET /health}: "ok" and the engine's load. */
public record HealthResponse(String status, String model, int requestsRunning, int requestsWaiting, int slots,
                             long kvCacheUsedBytes, long kvCacheBudgetBytes) {
}
