/**
 * How soon a pool (PgBouncer) notices that a server it holds a connection to is gone, and what that does to the client
 * on that connection. PgBouncer's own defaults keep the OS's keepalive timings (Linux: two hours idle) and no
 * TCP_USER_TIMEOUT, so a server connection to a node that stopped answering stays open for hours, and the client whose
 * transaction went out on it waits as long: in the harness's node-loss drill the write load got no answer for 133 s
 * (until the harness killed the old write pool), 10.8 s with these settings (issue 23).
 */
import { cite, fact } from "../fact";

export const POOL_LINK = {
  /**
   * pgbouncer.ini settings, applied to every TCP socket PgBouncer opens or accepts (server and client connections;
   * never a Unix socket): keepalives after 5 s idle, dead after 5 + 2 x 3 = 11 s without an answer, and data
   * unacknowledged for 10 s ends the connection (a blocked send, which keepalives do not cover). Reloadable, but a
   * socket takes them when it is opened: connections open before a RELOAD keep the old ones until they reconnect.
   */
  tcp: fact(
    { tcp_keepalive: "1", tcp_keepidle: "5", tcp_keepintvl: "2", tcp_keepcnt: "3", tcp_user_timeout: "10000" },
    cite(
      "pgbouncerConfigDocs",
      "#tcp_keepalive, #tcp_keepidle, #tcp_keepintvl, #tcp_keepcnt, #tcp_user_timeout",
      "'tcp_keepalive: Turns on basic keepalive with OS defaults. On Linux, the system defaults are tcp_keepidle=7200, tcp_keepintvl=75, tcp_keepcnt=9'; 'tcp_user_timeout: the maximum amount of time in milliseconds that transmitted data may remain unacknowledged before the TCP connection is forcibly closed … Default: 0'",
    ),
    cite(
      "pgbouncer",
      "src/util.c tune_socket",
      "called for every accepted (sbuf_accept) and connected (sbuf_connect) socket; returns before socket_set_keepalive and TCP_USER_TIMEOUT when the socket is a Unix one",
    ),
    cite("pgbouncer", "src/main.c bouncer_params", "tcp_keepalive … tcp_user_timeout carry no CF_NO_RELOAD flag"),
  ),
  /** A server connection that fails ends the client linked to it: the client gets an error and can reconnect. */
  failedServerEndsClient: fact(
    true,
    cite(
      "pgbouncer",
      "src/server.c server_proto",
      'SBUF_EV_RECV_FAILED: disconnect_server(server, false, "server conn crashed?")',
    ),
    cite(
      "pgbouncer",
      "src/objects.c unlink_server",
      "a linked client in CL_ACTIVE or CL_WAITING: disconnect_client(client, true, reason)",
    ),
  ),
  /**
   * SIGTERM (what the kubelet sends a container whose image names no other stop signal; the harness too) is PgBouncer's
   * "super safe shutdown" since 1.23: it stops listening and waits for every client to disconnect, serving the ones it
   * has meanwhile, so a client stuck on a dead server connection (or any that stays) holds it until the grace period.
   */
  sigtermWaitsForClients: fact(
    true,
    cite(
      "pgbouncerUsageDocs",
      "#signals",
      "'SIGTERM: Super safe shutdown. Wait for all existing clients to disconnect, but don't accept new connections … In PgBouncer versions earlier than 1.23.0, this signal would cause an \"immediate shutdown\"'",
    ),
    cite(
      "pgbouncer",
      "src/main.c handle_sigterm; src/pooler.c cleanup_sockets",
      "cf_shutdown = SHUTDOWN_WAIT_FOR_CLIENTS; cleanup_sockets() closes every listening socket and unlinks the Unix one",
    ),
    cite("pgbouncer", "src/janitor.c do_full_maint", "exits once get_active_client_count() == 0"),
  ),
} as const;
