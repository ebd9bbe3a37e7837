package dev.djinn.cluster.membership;

import dev.djinn.core.DjinnException;

import java.util.List;
import java.util.Locale;

/**
 * The JGroups protocol stack of a djinn cluster, as XML. TCP transport bound to the node's address, then one
 * discovery protocol: TCPPING over a static peer list, MPING (UDP multicast) on a LAN, or DNS_PING for a
 * Kubernetes headless service. Failure detection is tuned so that a dead node leaves the view within about
 * 1.6 s: FD_SOCK2 notices a closed connection (a killed process) at once, FD_ALL3 a silent node (a cut
 * network, a stopped process) after 1.2 s without heartbeats, and VERIFY_SUSPECT2 double-checks for 0.4 s.
 * AUTH (just below GMS) admits only joiners that prove the cluster secret.
 */
public final class JGroupsStack {
    public enum Discovery {
        STATIC, MULTICAST, DNS;

        public static Discovery parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "static" -> STATIC;
                case "multicast" -> MULTICAST;
                case "dns" -> DNS;
                default -> throw new DjinnException("--discovery must be multicast, static or dns, not " + s);
            };
        }
    }

    /** Failure-detection timings (ms). */
    public static final int HEARTBEAT_INTERVAL_MS = 300;
    public static final int HEARTBEAT_TIMEOUT_MS = 1200;
    public static final int VERIFY_SUSPECT_MS = 400;

    private JGroupsStack() {
    }

    /**
     * @param bindAddr     address to bind (and to tell peers)
     * @param port         JGroups TCP port (FD_SOCK2 listens at port + 100)
     * @param peers        host:port of peers' JGroups ports (static discovery)
     * @param dnsQuery     DNS name of the headless service (dns discovery)
     */
    public static String xml(Discovery discovery, String bindAddr, int port, List<String> peers, String dnsQuery,
                             String mcastAddr, int mcastPort) {
        String discoveryXml = switch (discovery) {
            case STATIC -> {
                StringBuilder hosts = new StringBuilder();
                hosts.append(bindAddr).append('[').append(port).append(']');
                for (String p : peers) {
                    int colon = p.lastIndexOf(':');
                    if (colon <= 0) {
                        throw new DjinnException("peer " + p + " is not host:port");
                    }
                    hosts.append(',').append(p, 0, colon).append('[').append(p.substring(colon + 1)).append(']');
                }
                yield "<TCPPING initial_hosts=\"" + hosts + "\" port_range=\"0\" async_discovery=\"true\""
                        + " return_entire_cache=\"true\"/>";
            }
            case MULTICAST -> "<MPING bind_addr=\"" + bindAddr + "\" mcast_addr=\"" + mcastAddr + "\" mcast_port=\""
                    + mcastPort + "\" ip_ttl=\"2\"/>";
            case DNS -> {
                if (dnsQuery == null || dnsQuery.isEmpty()) {
                    throw new DjinnException("--discovery dns needs --dns-query NAME (a headless service's DNS name)");
                }
                yield "<dns.DNS_PING dns_query=\"" + dnsQuery + "\" dns_record_type=\"A\"/>";
            }
        };
        return """
                <config xmlns="urn:org:jgroups">
                  <TCP bind_addr="%1$s" bind_port="%2$d" port_range="0" tcp_nodelay="true" diag.enabled="false"
                       sock_conn_timeout="500" use_virtual_threads="true" thread_pool.max_threads="64"/>
                  %3$s
                  <MERGE3 min_interval="2000" max_interval="5000"/>
                  <FD_SOCK2 bind_addr="%1$s" offset="100" port_range="0"/>
                  <FD_ALL3 timeout="%4$d" interval="%5$d"/>
                  <VERIFY_SUSPECT2 timeout="%6$d"/>
                  <BARRIER/>
                  <pbcast.NAKACK2 use_mcast_xmit="false"/>
                  <UNICAST3/>
                  <pbcast.STABLE desired_avg_gossip="5000" max_bytes="4M"/>
                  <AUTH auth_class="dev.djinn.cluster.membership.SecretToken"/>
                  <pbcast.GMS print_local_addr="false" join_timeout="1000" max_join_attempts="5"/>
                  <MFC max_credits="4M" min_threshold="0.4"/>
                  <FRAG4 frag_size="60000"/>
                </config>
                """.formatted(bindAddr, port, discoveryXml, HEARTBEAT_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS,
                VERIFY_SUSPECT_MS);
    }
}
