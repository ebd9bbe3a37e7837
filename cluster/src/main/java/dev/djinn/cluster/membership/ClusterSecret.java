package dev.djinn.cluster.membership;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The shared cluster secret, from which every credential is derived: a key (HMAC-SHA256 of the secret under
 * a fixed label) signs JGroups join requests, membership announcements and every gRPC call. The secret
 * itself never travels. Signed values carry their time and are accepted for {@link #MAX_SKEW_MS} around it,
 * which bounds replays.
 */
public final class ClusterSecret {
    public static final long MAX_SKEW_MS = 5 * 60_000;
    private final byte[] key;
    private final boolean empty;

    public ClusterSecret(String secret) {
        this.empty = secret == null || secret.isEmpty();
        this.key = hmac(bytes(secret == null ? "" : secret), bytes("djinn-cluster-v1"));
    }

    /** True when no secret was given: then anyone who can reach a node can use it. */
    public boolean isEmpty() {
        return empty;
    }

    public byte[] sign(String purpose, long time, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(bytes(purpose));
            for (int i = 0; i < 8; i++) {
                mac.update((byte) (time >>> (8 * i)));
            }
            if (data != null) {
                mac.update(data);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean verify(String purpose, long time, byte[] data, byte[] signature) {
        if (signature == null || Math.abs(System.currentTimeMillis() - time) > MAX_SKEW_MS) {
            return false;
        }
        return MessageDigest.isEqual(sign(purpose, time, data), signature);
    }

    /** A bearer credential for one gRPC call: {@code time.signature}, base64url. */
    public String callToken() {
        long now = System.currentTimeMillis();
        return now + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sign("grpc", now, null));
    }

    public boolean verifyCallToken(String token) {
        if (token == null) {
            return false;
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        try {
            long time = Long.parseLong(token.substring(0, dot));
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            return verify("grpc", time, null, sig);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] hmac(byte[] k, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(k.length == 0 ? new byte[1] : k, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
