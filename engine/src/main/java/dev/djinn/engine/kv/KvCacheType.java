package dev.djinn.engine.kv;

import dev.djinn.core.DjinnException;

/** Storage precision of cached keys and values. */
public enum KvCacheType {
    F32(4), F16(2);

    private final int bytes;

    KvCacheType(int bytes) {
        this.bytes = bytes;
    }

    public int bytesPerValue() {
        return bytes;
    }

    public static KvCacheType parse(String s) {
        return switch (s.toLowerCase()) {
            case "f32" -> F32;
            case "f16" -> F16;
            default -> throw new DjinnException("KV cache type must be f32 or f16, not " + s);
        };
    }
}
