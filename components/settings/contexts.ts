/**
 * Whether a changed setting takes a restart or a reload: PostgreSQL's own classification
 * (pg_settings.context), kept with its sources in facts/postgres. Shared by every backend
 * that decides what a change does to a running server.
 */
import { RESTART_CONTEXT, SETTING_CONTEXTS, type SettingContext } from "../facts/postgres";

export type { SettingContext } from "../facts/postgres";

export class UnclassifiedSettingError extends Error {
  override name = "UnclassifiedSettingError";
}

export function settingContext(name: string): SettingContext {
  const context = SETTING_CONTEXTS.value[name];
  if (context === undefined)
    throw new UnclassifiedSettingError(
      `setting ${name} has no context in components/facts/postgres/settingContexts.ts: add it (postgres --describe-config shows it)`,
    );
  return context;
}

/** A new value reaches the running server only when it restarts. */
export function needsRestart(name: string): boolean {
  return settingContext(name) === RESTART_CONTEXT.value;
}
