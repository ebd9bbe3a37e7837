package dev.djinn.cluster.membership;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

class SecretTokenTest {
    private static SecretToken overTheWire(SecretToken t) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.writeTo(new DataOutputStream(bytes));
        SecretToken remote = new SecretToken();
        remote.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        return remote;
    }

    @Test
    void aTokenSignedWithTheSecretIsAccepted() throws IOException {
        SecretToken local = new SecretToken().secret(new ClusterSecret("s"));
        assertThat(local.authenticate(overTheWire(new SecretToken().secret(new ClusterSecret("s"))), null)).isTrue();
        assertThat(local.authenticate(overTheWire(new SecretToken().secret(new ClusterSecret("other"))), null)).isFalse();
        assertThat(local.authenticate(overTheWire(new SecretToken()), null)).isFalse();
    }

    /** Two nodes that start at once form two clusters; the merge leader's request to itself is never serialized. */
    @Test
    void aRequestLoopedBackUnserializedIsAccepted() {
        SecretToken local = new SecretToken().secret(new ClusterSecret("s"));
        assertThat(local.authenticate(local, null)).isTrue();
    }
}
