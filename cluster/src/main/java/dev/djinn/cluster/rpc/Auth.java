package dev.djinn.cluster.rpc;

import dev.djinn.cluster.membership.ClusterSecret;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The credential on every gRPC call: header {@code djinn-auth} carries a fresh token signed with the cluster
 * secret; a server refuses calls without a valid one (UNAUTHENTICATED).
 */
public final class Auth {
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("djinn-auth", Metadata.ASCII_STRING_MARSHALLER);

    private Auth() {
    }

    public static ClientInterceptor client(ClusterSecret secret) {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                                                       Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        headers.put(HEADER, secret.callToken());
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    public static ServerInterceptor server(ClusterSecret secret) {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                             ServerCallHandler<Q, A> next) {
                if (!secret.verifyCallToken(headers.get(HEADER))) {
                    call.close(Status.UNAUTHENTICATED.withDescription(
                            "wrong or missing cluster secret (--cluster-secret)"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
    }
}
