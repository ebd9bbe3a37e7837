package dev.djinn.cluster.membership;

import org.jgroups.Message;
import org.jgroups.auth.AuthToken;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * JGroups AUTH token proving knowledge of the cluster secret: the time and an HMAC of it under the secret's
 * key. The coordinator admits a joiner only when the signature checks out and the time is recent. A
 * deserialized (remote) token holds no secret; the local one, set up by {@link #secret(ClusterSecret)},
 * checks it.
 */
public final class SecretToken extends AuthToken {
    private ClusterSecret secret;
    private long time;
    private byte[] signature = new byte[0];

    public SecretToken() {
    }

    public SecretToken secret(ClusterSecret s) {
        this.secret = s;
        return this;
    }

    @Override
    public String getName() {
        return SecretToken.class.getName();
    }

    @Override
    public int size() {
        return 8 + 4 + 32;
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (secret == null || !(token instanceof SecretToken other)) {
            return false;
        }
        if (other.secret != null) {
            // a token that holds a secret never crossed the network: this node's own request, looped back
            // (a merge leader sends its merge request to itself too)
            return true;
        }
        return secret.verify("jgroups-join", other.time, null, other.signature);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        long now = System.currentTimeMillis();
        byte[] sig = secret != null ? secret.sign("jgroups-join", now, null) : new byte[0];
        out.writeLong(now);
        out.writeInt(sig.length);
        out.write(sig);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        time = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > 64) {
            throw new IOException("bad auth token");
        }
        signature = new byte[n];
        in.readFully(signature);
    }
}
