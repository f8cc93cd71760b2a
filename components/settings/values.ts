/** Checking and normalising setting values as stack config gives them. */
import { parseDuration, parsePostgresSize } from "../ground/units";
import type { GucType } from "./registry";

const BOOL_VALUES = new Set(["on", "off", "true", "false"]);

/** Returns a fix hint when `value` is not valid for `type`, else undefined. */
export function gucValueProblem(type: GucType, value: string): string | undefined {
  if (typeof type === "object") {
    return type.oneOf.includes(value) ? undefined : `use one of ${type.oneOf.join(", ")}`;
  }
  switch (type) {
    case "size":
      return parsePostgresSize(value) === undefined ? "use a size such as 64MB or 2GB" : undefined;
    case "duration":
      // -1 (wait forever / disabled) and 0 are meaningful for several of these settings.
      if (value === "-1" || value === "0") return undefined;
      return parseDuration(value) === undefined ? "use a duration such as 500ms, 30s or 5min, or -1/0" : undefined;
    case "integer":
      return /^-?\d+$/.test(value) ? undefined : "use a whole number";
    case "real":
      return /^\d+(\.\d+)?$/.test(value) ? undefined : "use a number such as 1.1";
    case "bool":
      return BOOL_VALUES.has(value) ? undefined : "use on or off";
    case "string":
      return undefined;
  }
}

/** PostgreSQL spells minutes "min" and has no "m"; durations are written back in s or ms. */
export function normaliseGucValue(type: GucType, value: string): string {
  if (type === "duration" && value !== "-1" && value !== "0") {
    const ms = parseDuration(value)!;
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  }
  if (type === "bool") return value === "true" ? "on" : value === "false" ? "off" : value;
  return value;
}
