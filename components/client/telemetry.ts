/**
 * Every routing decision is visible: a span per read and write (through @opentelemetry/api,
 * so it is a no-op until the application registers an SDK) and counters of decisions and of
 * fallbacks to the primary, by reason. A silent fallback is how read-scaled systems hide
 * correctness bugs; here each one is counted and traced.
 *
 * Spans follow OpenTelemetry's database conventions (semconv, database client spans): kind
 * CLIENT, named "{db.operation.name} {db.namespace}" (e.g. "read app"), with db.system.name,
 * db.namespace, db.operation.name (the client's call: read, write, analytic), server.address
 * and server.port of the pool the work ran on, and error.type / db.response.status_code when it
 * fails. What is the product's own (the seeds' replica target, lag at route time, routed to
 * primary) lives under pg_read_replicas.*, outside the reserved db.* namespace.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  metrics,
  trace,
} from "@opentelemetry/api";
import type { Consistency, Route } from "./route";

export const INSTRUMENTATION_SCOPE = "pg-read-replicas/client";

/** The product's attribute namespace (OpenTelemetry reserves db.* for its own conventions). */
const OWN = "pg_read_replicas";

export const ATTRIBUTES = {
  consistency: `${OWN}.consistency`,
  target: `${OWN}.routing.target`,
  server: `${OWN}.routing.server`,
  routedToPrimary: `${OWN}.routing.routed_to_primary`,
  lagMs: `${OWN}.routing.lag_ms`,
  waitMs: `${OWN}.routing.wait_ms`,
  attempts: `${OWN}.routing.attempts`,
  bytesBehind: `${OWN}.routing.bytes_behind_token`,
  fallbackReason: `${OWN}.routing.fallback_reason`,
  causalityToken: `${OWN}.causality_token`,
  ceilingVerified: `${OWN}.routing.ceiling_verified`,
  tokenClamped: `${OWN}.causality_token.clamped`,
  /** Why a given token was dropped (tokenPolicy.ts): expired, issued_in_future, other_cluster. */
  tokenDropped: `${OWN}.causality_token.dropped`,
  breakerOpen: `${OWN}.routing.breaker_open`,
  recoveryConflicts: `${OWN}.routing.recovery_conflicts`,
} as const;

export const METRICS = {
  decisions: `${OWN}.routing.decisions`,
  fallbacks: `${OWN}.routing.fallbacks`,
  gateWait: `${OWN}.routing.gate_wait`,
  replicaLag: `${OWN}.routing.replica_lag`,
} as const;

export type Operation = "read" | "write" | "analytic";

export interface TelemetryOptions {
  /** Defaults to the globally registered provider (a no-op when none is). */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

/** Where each route's work runs: the pool's address, as server.address and server.port. */
export interface TelemetryTargets {
  database: string;
  servers: Record<Route["target"], { host: string; port: number } | undefined>;
}

export class Telemetry {
  private readonly tracer;
  private readonly decisions: Counter;
  private readonly fallbacks: Counter;
  private readonly gateWait: Histogram;
  private readonly replicaLag: Histogram;

  constructor(
    private readonly targets: TelemetryTargets,
    options: TelemetryOptions = {},
  ) {
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
    this.decisions = meter.createCounter(METRICS.decisions, {
      description: "Reads routed, by target (replica, primary, olap) and consistency",
    });
    this.fallbacks = meter.createCounter(METRICS.fallbacks, {
      description: "Reads sent to the primary although a replica was allowed, by reason",
    });
    this.gateWait = meter.createHistogram(METRICS.gateWait, {
      unit: "ms",
      description: "Time a gated read waited for a replica to reach its token",
    });
    this.replicaLag = meter.createHistogram(METRICS.replicaLag, {
      unit: "ms",
      description:
        "Replay lag of the replica a read met at routing time (the one that served, or the last passed over)",
    });
  }

  /** Runs `work` inside an active client span, so spans of instrumented queries inside it become its children. */
  async span<T>(operation: Operation, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(
      `${operation} ${this.targets.database}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "postgresql",
          "db.namespace": this.targets.database,
          "db.operation.name": operation,
          ...this.server(operation === "write" ? "primary" : operation === "analytic" ? "olap" : undefined),
          ...attributes,
        },
      },
      async (span) => {
        try {
          return await work(span);
        } catch (error) {
          span.setAttributes(errorAttributes(error));
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Tags the span with where the read went and why, and counts the decision. */
  routed(span: Span, consistency: Consistency, route: Route): void {
    span.setAttributes({
      ...this.server(route.target),
      [ATTRIBUTES.server]: route.server,
      [ATTRIBUTES.routedToPrimary]: route.target === "primary",
      [ATTRIBUTES.target]: route.target,
      [ATTRIBUTES.waitMs]: route.waitedMs,
      [ATTRIBUTES.attempts]: route.attempts,
      ...(route.lagMs !== undefined ? { [ATTRIBUTES.lagMs]: route.lagMs } : {}),
      ...(route.bytesBehind !== undefined ? { [ATTRIBUTES.bytesBehind]: route.bytesBehind } : {}),
      ...(route.fallback ? { [ATTRIBUTES.fallbackReason]: route.fallback } : {}),
      ...(route.ceilingVerified !== undefined ? { [ATTRIBUTES.ceilingVerified]: route.ceilingVerified } : {}),
      ...(route.tokenClamped ? { [ATTRIBUTES.tokenClamped]: true } : {}),
      ...(route.tokenDropped ? { [ATTRIBUTES.tokenDropped]: route.tokenDropped } : {}),
      ...(route.breakerOpen ? { [ATTRIBUTES.breakerOpen]: true } : {}),
      ...(route.recoveryConflicts ? { [ATTRIBUTES.recoveryConflicts]: route.recoveryConflicts } : {}),
    });
    this.decisions.add(1, { [ATTRIBUTES.target]: route.target, [ATTRIBUTES.consistency]: consistency });
    if (route.fallback)
      this.fallbacks.add(1, { [ATTRIBUTES.fallbackReason]: route.fallback, [ATTRIBUTES.consistency]: consistency });
    if (route.gated) this.gateWait.record(route.waitedMs, { [ATTRIBUTES.target]: route.target });
    if (route.lagMs !== undefined) this.replicaLag.record(route.lagMs, { [ATTRIBUTES.target]: route.target });
  }

  private server(target: Route["target"] | undefined): Attributes {
    const server = target ? this.targets.servers[target] : undefined;
    return server ? { "server.address": server.host, "server.port": server.port } : {};
  }
}

/** error.type: the SQLSTATE when PostgreSQL (or PgBouncer) answered with one, else the error's class. */
function errorAttributes(error: unknown): Attributes {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code))
    return { "error.type": code, "db.response.status_code": code };
  return { "error.type": (error as Error)?.name ?? "Error" };
}
