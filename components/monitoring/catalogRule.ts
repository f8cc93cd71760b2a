/**
 * An alert rule as the catalog (alertCatalog.ts) defines it: the builder gives its engine, the expression and the
 * texts that are its own; the name's severity, `for` and shared texts come from the catalog. A builder that renders
 * an alert its engine declares absent, gives a text the catalog shares without declaring it its own, or leaves out
 * one the catalog does not share, is a bug, and throws.
 */
import {
  ALERT_CATALOG,
  type AlertName,
  type CatalogAlert,
  type CatalogText,
  type EngineOverride,
  type RuleEngine,
  type Severity,
} from "./alertCatalog";
import { type AlertRule, rule } from "./ruleFile";

export interface AlertInput {
  expr: string;
  /** The tier, for an alert the catalog lists in several severities. */
  severity?: Severity;
  /** The engine's own texts. */
  summary?: string;
  description?: string;
  /** Values of the catalog texts' %placeholders%. */
  fill?: Readonly<Record<string, string | number>>;
  /** monitoring.olapReplayPausedFor, for an alert whose `for` is that setting. */
  olapReplayPausedForMs?: number;
}

export const catalogEntry = (name: AlertName): CatalogAlert => ALERT_CATALOG[name];

export const overrideOf = (name: AlertName, engine: RuleEngine): EngineOverride | undefined =>
  catalogEntry(name).engines?.[engine];

/** The `for` an engine renders for an alert, in milliseconds (undefined: none). */
export function engineForMs(name: AlertName, engine: RuleEngine, olapReplayPausedForMs?: number): number | undefined {
  const spec = overrideOf(name, engine)?.forMs ?? catalogEntry(name).forMs;
  if (spec === "none") return undefined;
  if (spec !== "olapReplayPausedFor") return spec;
  if (olapReplayPausedForMs === undefined) throw new Error(`${name}: its for is olapReplayPausedFor, none was given`);
  return olapReplayPausedForMs;
}

/** A text with its %placeholders% filled; a placeholder without a value throws. */
export function fillText(text: string, values: Readonly<Record<string, string | number>> = {}): string {
  return text.replace(/%([A-Za-z]+)%/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`alert text placeholder %${key}% has no value: ${text}`);
    return String(value);
  });
}

const textFor = (text: CatalogText | undefined, severity: Severity) =>
  typeof text === "string" || text === undefined ? text : text[severity];

function severityOf(name: AlertName, given: Severity | undefined): Severity {
  const { severities } = catalogEntry(name);
  if (given === undefined && severities.length === 1) return severities[0]!;
  if (given !== undefined && severities.includes(given)) return given;
  throw new Error(`${name}: severity ${given ?? "(none)"} is not one of the catalog's ${severities.join(", ")}`);
}

function text(
  name: AlertName,
  engine: RuleEngine,
  kind: "summary" | "description",
  severity: Severity,
  input: AlertInput,
) {
  const shared = textFor(catalogEntry(name)[kind], severity);
  const own = input[kind];
  if (own !== undefined && shared !== undefined && !overrideOf(name, engine)?.ownTexts?.includes(kind))
    throw new Error(`${name}: the catalog shares its ${kind}; ${engine} gives its own without declaring it`);
  if (own !== undefined) return own;
  if (shared === undefined) throw new Error(`${name}: the catalog has no shared ${kind}; ${engine} must give one`);
  return fillText(shared, input.fill);
}

export function catalogRule(engine: RuleEngine, name: AlertName, input: AlertInput): AlertRule {
  const override = overrideOf(name, engine);
  if (override?.absent) throw new Error(`${name} is absent on ${engine} (${override.reason})`);
  const severity = severityOf(name, input.severity);
  return rule(
    name,
    severity,
    input.expr,
    engineForMs(name, engine, input.olapReplayPausedForMs),
    text(name, engine, "summary", severity, input),
    text(name, engine, "description", severity, input),
  );
}
