package dev.djinn.cluster.rpc;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The gRPC methods of a djinn node. Messages are djinn's own compact binary encodings (see
 * {@link dev.djinn.cluster.wire.Frame} and the message classes), carried as raw bytes, so the hidden state is
 * never copied into an intermediate object model.
 */
public final class Rpc {
    public static final String SERVICE = "djinn.Node";

    private Rpc() {
    }

    /** Passes byte arrays through unchanged. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new Known(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final class Known extends ByteArrayInputStream implements KnownLength {
        Known(byte[] b) {
            super(b);
        }
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    /** Data plane: frames from a node to its neighbour (steps, opens, closes, results, errors). */
    public static final MethodDescriptor<byte[], byte[]> PIPE = method("Pipe", MethodDescriptor.MethodType.BIDI_STREAMING);
    /** A coordinator sets up a route on a stage; answers when the stage holds its layers. */
    public static final MethodDescriptor<byte[], byte[]> PREPARE = method("Prepare", MethodDescriptor.MethodType.UNARY);
    /** A coordinator drops a route (and the KV caches of its sequences) on a stage. */
    public static final MethodDescriptor<byte[], byte[]> RELEASE = method("Release", MethodDescriptor.MethodType.UNARY);
    /** A node's live state: its plan range, memory, speed. */
    public static final MethodDescriptor<byte[], byte[]> INFO = method("Info", MethodDescriptor.MethodType.UNARY);
    /** Echoes a payload (round-trip time and bandwidth probes). */
    public static final MethodDescriptor<byte[], byte[]> PING = method("Ping", MethodDescriptor.MethodType.UNARY);
    /** Asks a node to measure its link to another node. */
    public static final MethodDescriptor<byte[], byte[]> MEASURE = method("Measure", MethodDescriptor.MethodType.UNARY);
    /** The whole cluster's status, gathered by the node asked. */
    public static final MethodDescriptor<byte[], byte[]> STATUS = method("Status", MethodDescriptor.MethodType.UNARY);
    /** Runs a generation with this node as its coordinator; streams the tokens. */
    public static final MethodDescriptor<byte[], byte[]> GENERATE =
            method("Generate", MethodDescriptor.MethodType.SERVER_STREAMING);
    /** The model file's header (metadata and tensor table). */
    public static final MethodDescriptor<byte[], byte[]> MODEL_HEADER =
            method("ModelHeader", MethodDescriptor.MethodType.UNARY);
    /** Streams chunks of the model file, each with its CRC32C. */
    public static final MethodDescriptor<byte[], byte[]> FETCH =
            method("Fetch", MethodDescriptor.MethodType.SERVER_STREAMING);
}
