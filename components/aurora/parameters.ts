/**
 * The Topology's per-role PostgreSQL settings as Aurora parameter groups.
 * The settings registry says how a setting travels (its unit, or why Aurora
 * keeps it); AWS's facts say where it may go (cluster or instance group),
 * whether it is modifiable, its apply type and its bounds. Every setting ends
 * in exactly one place: a parameter, or a note saying why not (surfaced in
 * outputs and the deploy log).
 */
import { parseDuration, parsePostgresSize } from "../ground/units";
import { type AuroraMapping, gucSpec } from "../settings/registry";
import { ROLES } from "../topology/roles";
import type { AuroraTopology, NodeRole, Setting } from "../topology/types";
import { type ParameterFact, applyMethodFor, levelAllows, parameterFact, valueAllowed } from "../facts/aws/parameters";

export interface AuroraParameter {
  name: string;
  value: string;
  applyMethod: "immediate" | "pending-reboot";
}

export interface AuroraNote {
  role: NodeRole | "cluster";
  setting: string;
  value: string;
  outcome: "skipped" | "mapped";
  reason: string;
  auroraValue?: string;
  /** The setting came from stack config (an override), not the product's defaults. */
  fromStackConfig: boolean;
}

type Converted = Extract<AuroraMapping, { unit: string }>;

function convert(value: string, mapping: Converted): string | undefined {
  switch (mapping.unit) {
    case "int":
    case "real":
    case "enum":
      return value;
    case "bool":
      return value === "on" || value === "true" ? "1" : value === "off" || value === "false" ? "0" : undefined;
    case "kB":
    case "8kB": {
      const bytes = parsePostgresSize(value);
      if (bytes === undefined) return /^\d+$/.test(value) ? value : undefined;
      return String(Math.round(bytes / (mapping.unit === "kB" ? 1024 : 8192)));
    }
    case "ms": {
      if (value === "0" || value === "-1") return value;
      const ms = parseDuration(value);
      return ms === undefined ? undefined : String(ms);
    }
  }
}

/**
 * Aurora's accepted range: -1 (wait forever, no limit) and values above it become the maximum, values below it the
 * minimum.
 */
function bounded(value: string, range: readonly [number, number]): string {
  const [min, max] = range;
  const number = Number(value);
  return String((number === -1 && min > -1) || number > max ? max : number < min ? min : number);
}

export interface RoleParameters {
  /** For the role's instance parameter group. */
  parameters: AuroraParameter[];
  /** Cluster-only parameters (taken from the writer's settings). */
  clusterParameters: AuroraParameter[];
  notes: AuroraNote[];
}

/** A setting to map: the Topology's, or any name and value (unknown names are noted as having no equivalent). */
export type MappableSetting = Pick<Setting, "value" | "source"> & { name: string };

/** Why a setting cannot be sent as it is, or undefined when its fact lets it through. */
function refusal(fact: ParameterFact, mapping: Converted, fromStackConfig: boolean): string | undefined {
  if (mapping.sizedByAurora && !fromStackConfig)
    return `Aurora sizes it from the instance class (${fact.auroraDefault ?? "its own default"}); set it in stack config to override`;
  if (!fact.modifiable) return "AWS marks it not modifiable in Aurora PostgreSQL parameter groups";
  if (fact.level === "none")
    return "AWS's Aurora PostgreSQL parameter reference lists it in neither the cluster nor the instance parameter group; set it per role or database (ALTER ROLE ... SET)";
  return undefined;
}

/** A setting in Aurora's unit with the fact that places it, or why it cannot be sent at all. */
type Sendable =
  { kind: "sendable"; fact: ParameterFact; mapping: Converted; value: string } | { kind: "not sent"; reason: string };

function sendable(setting: MappableSetting, fromStackConfig: boolean): Sendable {
  const notSent = (reason: string): Sendable => ({ kind: "not sent", reason });
  const mapping = gucSpec(setting.name)?.aurora;
  if (!mapping) return notSent("Aurora PostgreSQL has no equivalent parameter");
  if ("managed" in mapping) return notSent(mapping.managed);
  const fact = parameterFact(setting.name);
  // A registry entry that maps to Aurora without a fact is a bug: facts.test checks the registry.
  if (!fact)
    throw new Error(
      `auroraParametersFor: ${setting.name} maps to Aurora but has no entry in components/facts/aws/parameters.ts`,
    );
  const refused = refusal(fact, mapping, fromStackConfig);
  if (refused) return notSent(refused);
  const value = convert(setting.value, mapping);
  if (value === undefined) return notSent(`the value cannot be expressed in Aurora's unit (${mapping.unit})`);
  return { kind: "sendable", fact, mapping, value };
}

type Note = (outcome: AuroraNote["outcome"], reason: string, auroraValue?: string) => void;

function noter(notes: AuroraNote[], role: NodeRole, setting: MappableSetting): Note {
  return (outcome, reason, auroraValue) =>
    notes.push({
      role,
      setting: setting.name,
      value: setting.value,
      outcome,
      reason,
      fromStackConfig: setting.source === "stackConfig",
      ...(auroraValue !== undefined ? { auroraValue } : {}),
    });
}

/** The value within the fact's range: a value outside becomes its nearest bound, and is noted. */
function withinRange(sent: Extract<Sendable, { kind: "sendable" }>, given: string, note: Note): string {
  const { fact, mapping, value } = sent;
  if (!fact.range || valueAllowed(fact, value)) return value;
  const limited = bounded(value, fact.range);
  const [min, max] = fact.range;
  note(
    "mapped",
    `Aurora accepts ${min}–${max}${mapping.unit === "ms" ? " ms" : ""}; ${given} becomes its nearest bound`,
    limited,
  );
  return limited;
}

/** One role's settings: the parameters Aurora gets, and a note for everything else. */
export function auroraParametersFor(role: NodeRole, settings: readonly MappableSetting[]): RoleParameters {
  const result: RoleParameters = { parameters: [], clusterParameters: [], notes: [] };
  for (const setting of settings) {
    const note = noter(result.notes, role, setting);
    const sent = sendable(setting, setting.source === "stackConfig");
    if (sent.kind === "not sent") {
      note("skipped", sent.reason);
      continue;
    }
    const value = withinRange(sent, setting.value, note);
    if (!valueAllowed(sent.fact, value)) {
      note("skipped", `Aurora accepts only ${sent.fact.values?.join(", ")}`);
      continue;
    }
    const parameter = { name: setting.name, value, applyMethod: applyMethodFor(sent.fact) };
    if (levelAllows(sent.fact.level, "instance")) result.parameters.push(parameter);
    else if (role === "primary") result.clusterParameters.push(parameter);
    else
      note(
        "skipped",
        "AWS takes it only in the cluster parameter group, where the writer's value applies to every instance",
      );
  }
  return result;
}

/** Settings for the whole cluster that do not come from a role: TLS when the stack requires it. */
export function auroraClusterParameters(requireTls: boolean): AuroraParameter[] {
  return requireTls ? [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }] : [];
}

export type InstanceRole = (typeof ROLES)[NodeRole]["aurora"];

export interface AuroraParameterPlan {
  cluster: AuroraParameter[];
  instance: Record<InstanceRole, AuroraParameter[]>;
  notes: AuroraNote[];
}

/** The parameter groups of the primary region's cluster, from its groups' settings. */
export function auroraParameterPlan(topology: AuroraTopology): AuroraParameterPlan {
  const local = topology.regions.flatMap((region) => (region.primary ? region.groups : []));
  const forRole = (role: NodeRole): RoleParameters => {
    const group = local.find((g) => g.role === role);
    return group ? auroraParametersFor(role, group.settings) : { parameters: [], clusterParameters: [], notes: [] };
  };
  const writer = forRole("primary");
  const reader = forRole("oltp");
  const olap = forRole("olap");
  return {
    cluster: [...writer.clusterParameters, ...auroraClusterParameters(topology.access.requireTls)],
    instance: { writer: writer.parameters, reader: reader.parameters, olap: olap.parameters },
    notes: [...writer.notes, ...reader.notes, ...olap.notes],
  };
}
