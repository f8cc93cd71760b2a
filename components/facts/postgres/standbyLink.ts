/**
 * How soon a standby notices that its upstream is gone. With PostgreSQL's defaults it takes wal_receiver_timeout
 * (60 s) on a silent link, or the kernel's keepalive (two hours idle) and retransmission limits (about 15 minutes)
 * on a blocked one: that dominated the node-loss failover (137.6 s in the harness, issue 23).
 */
import { cite, fact } from "../fact";

export const STANDBY_LINK = {
  /**
   * The WAL receiver ends a connection silent for this long. It asks the sender for a reply after half of it
   * without data, so an idle but healthy link never hits it. Reloadable (sighup). PostgreSQL's default: 60s.
   */
  walReceiverTimeout: fact(
    "10s",
    cite(
      "replicationConfigDocs",
      "wal_receiver_timeout",
      "terminate replication connections that are inactive for longer than this … default 60 seconds … postgresql.conf or the server command line",
    ),
    cite(
      "postgres",
      "src/backend/replication/walreceiver.c: WalRcvComputeNextWakeup",
      "WALRCV_WAKEUP_PING at wal_receiver_timeout / 2: requests a reply from the sender",
    ),
  ),
  /**
   * libpq key words of a standby's connection to its upstream (primary_conninfo, seeding): a bounded connect, TCP
   * keepalives after 5 s idle (dead after 5 + 2 x 3 = 11 s), and tcp_user_timeout: data unacknowledged for 10 s
   * ends the connection (a blocked send, which keepalives do not cover). primary_conninfo is reloadable (sighup).
   */
  connection: fact(
    {
      connect_timeout: "10",
      keepalives: "1",
      keepalives_idle: "5",
      keepalives_interval: "2",
      keepalives_count: "3",
      tcp_user_timeout: "10000",
    },
    cite(
      "libpqConnectDocs",
      "connect_timeout, keepalives, keepalives_idle, keepalives_interval, keepalives_count, tcp_user_timeout (milliseconds)",
    ),
    cite(
      "replicationConfigDocs",
      "primary_conninfo",
      "this parameter can only be set in the postgresql.conf file or on the server command line (sighup since PostgreSQL 13)",
    ),
  ),
} as const;
