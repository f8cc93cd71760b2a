/**
 * Every routing decision is visible: a span per read and write (through @opentelemetry/api,
 * so it is a no-op until the application registers an SDK) tagged with the attributes the
 * seeds name (db.replica_target, db.lag_at_route_time, db.routed_to_primary), and counters
 * of decisions and of fallbacks to the primary, by reason. A silent fallback is how
 * read-scaled systems hide correctness bugs; here each one is counted and traced.
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

export const METRICS = {
  decisions: "db.client.routing.decisions",
  fallbacks: "db.client.routing.fallbacks",
  gateWait: "db.client.routing.gate_wait",
} as const;

export interface TelemetryOptions {
  /** Defaults to the globally registered provider (a no-op when none is). */
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export class Telemetry {
  private readonly tracer;
  private readonly decisions: Counter;
  private readonly fallbacks: Counter;
  private readonly gateWait: Histogram;

  constructor(options: TelemetryOptions = {}) {
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
  }

  /** Runs `work` inside an active client span, so spans of instrumented queries inside it become its children. */
  async span<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql", ...attributes } },
      async (span) => {
        try {
          return await work(span);
        } catch (error) {
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
    const toPrimary = route.target === "primary";
    span.setAttributes({
      "db.replica_target": route.server,
      "db.routed_to_primary": toPrimary,
      "db.routing.target": route.target,
      "db.routing.wait_ms": route.waitedMs,
      "db.routing.attempts": route.attempts,
      ...(route.lagMs !== undefined ? { "db.lag_at_route_time": route.lagMs } : {}),
      ...(route.bytesBehind !== undefined ? { "db.routing.bytes_behind_token": route.bytesBehind } : {}),
      ...(route.fallback ? { "db.routing.fallback_reason": route.fallback } : {}),
    });
    this.decisions.add(1, { "db.routing.target": route.target, "db.consistency": consistency });
    if (route.fallback)
      this.fallbacks.add(1, { "db.routing.fallback_reason": route.fallback, "db.consistency": consistency });
    if (route.gated) this.gateWait.record(route.waitedMs, { "db.routing.target": route.target });
  }
}
