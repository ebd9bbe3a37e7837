package dev.djinn.engine.service;

/**
 * A snapshot of the engine's load.
 *
 * @param running       sequences being generated
 * @param waiting       requests queued for a slot
 * @param slots         the most sequences generated at once
 * @param kvBytesUsed   KV-cache memory held by sequences
 * @param kvBytesBudget KV-cache memory allowed in all
 */
public record EngineStats(int running, int waiting, int slots, long kvBytesUsed, long kvBytesBudget) {
}
