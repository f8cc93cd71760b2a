/**
 * The Topology's per-role PostgreSQL settings as Aurora parameter groups.
 * Aurora takes some settings as they are (in its own units), manages others
 * itself, and bounds a few; the settings registry says which. Every setting ends
 * in exactly one place: a parameter, or a note saying why not (surfaced in
 * outputs and the deploy log).
 */
import { parseDuration, parsePostgresSize } from "../config/units";
import { type AuroraMapping, gucSpec } from "../settings/registry";
import { ROLES } from "../topology/roles";
import type { AuroraTopology, NodeRole, Setting } from "../topology/types";

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

/** Aurora's accepted range: -1 (wait forever) and values above it become the maximum, values below it the minimum. */
function bounded(value: string, range: readonly [number, number]): string {
  const [min, max] = range;
  const number = Number(value);
  return String(number === -1 || number > max ? max : number < min ? min : number);
}

export interface RoleParameters {
  parameters: AuroraParameter[];
  notes: AuroraNote[];
}

/** One role's settings: the instance parameters Aurora gets, and a note for everything else. */
/** A setting to map: the Topology's, or any name and value (unknown names are noted as having no equivalent). */
export type MappableSetting = Pick<Setting, "value" | "source"> & { name: string };

export function auroraParametersFor(role: NodeRole, settings: readonly MappableSetting[]): RoleParameters {
  const parameters: AuroraParameter[] = [];
  const notes: AuroraNote[] = [];
  for (const setting of settings) {
    const fromStackConfig = setting.source === "stackConfig";
    const note = (outcome: AuroraNote["outcome"], reason: string, auroraValue?: string) =>
      notes.push({ role, setting: setting.name, value: setting.value, outcome, reason, fromStackConfig, ...(auroraValue !== undefined ? { auroraValue } : {}) });
    const mapping = gucSpec(setting.name)?.aurora;
    if (!mapping) {
      note("skipped", "Aurora PostgreSQL has no equivalent parameter");
      continue;
    }
    if ("managed" in mapping) {
      note("skipped", mapping.managed);
      continue;
    }
    let value = convert(setting.value, mapping);
    if (value === undefined) {
      note("skipped", `the value cannot be expressed in Aurora's unit (${mapping.unit})`);
      continue;
    }
    if (mapping.range) {
      const limited = bounded(value, mapping.range);
      if (limited !== value) {
        const [min, max] = mapping.range;
        note("mapped", `Aurora accepts ${min}–${max}${mapping.unit === "ms" ? " ms" : ""}; ${setting.value} becomes its nearest bound`, limited);
        value = limited;
      }
    }
    parameters.push({ name: setting.name, value, applyMethod: mapping.static ? "pending-reboot" : "immediate" });
  }
  return { parameters, notes };
}

/** Settings for the whole cluster: password hashing, and TLS when the stack requires it. */
export function auroraClusterParameters(requireTls: boolean): AuroraParameter[] {
  return [
    { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
    ...(requireTls ? [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" as const }] : []),
  ];
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
    return group ? auroraParametersFor(role, group.settings) : { parameters: [], notes: [] };
  };
  const writer = forRole("primary");
  const reader = forRole("oltp");
  const olap = forRole("olap");
  return {
    cluster: auroraClusterParameters(topology.access.requireTls),
    instance: { writer: writer.parameters, reader: reader.parameters, olap: olap.parameters },
    notes: [...writer.notes, ...reader.notes, ...olap.notes],
  };
}
