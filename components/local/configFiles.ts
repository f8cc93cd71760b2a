/**
 * Reading back the files the renderers write, to compare what a server or pool was last given with
 * what it should run now: postgresql.conf settings (values unquoted as PostgreSQL reads them) and
 * pgbouncer.ini keys. Pure; only this project's own rendered format is read.
 */

export interface ValueChange {
  name: string;
  /** Absent: the file did not set it (PostgreSQL's or PgBouncer's default applied). */
  from?: string;
  to?: string;
}

/** The inverse of render/postgresqlConf's quoteSetting: '' and backslash escapes inside single quotes. */
function unquote(text: string): string {
  if (!text.startsWith("'")) return text;
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'" && text[i + 1] === "'") {
      value += "'";
      i++;
    } else if (char === "'") {
      break;
    } else if (char === "\\") {
      const next = text[++i] ?? "";
      value += next === "n" ? "\n" : next === "r" ? "\r" : next;
    } else value += char;
  }
  return value;
}

/** The value token after `=`: a quoted string (up to its closing quote) or a bare word. */
function valueToken(rest: string): string {
  if (!rest.startsWith("'")) return rest.split(/\s|#/)[0] ?? "";
  for (let i = 1; i < rest.length; i++) {
    if (rest[i] === "\\") i++;
    else if (rest[i] === "'" && rest[i + 1] === "'") i++;
    else if (rest[i] === "'") return rest.slice(0, i + 1);
  }
  return rest;
}

/** Every `name = value` line of a rendered postgresql.conf; comments and blank lines skipped. */
export function parsePostgresqlConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*([a-z_][a-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    settings.set(match[1]!, unquote(valueToken(match[2]!.trimStart())));
  }
  return settings;
}

/** Every `key = value` of a pgbouncer.ini; a database line is keyed `[databases] <name>`. Comments skipped. */
export function parsePgbouncerIni(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const equals = line.indexOf("=");
    if (equals < 0) continue;
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    keys.set(section === "databases" ? `[databases] ${key}` : key, value);
  }
  return keys;
}

/** A file's lines without comments and blank lines: the rendered header names the topology's hash, not a setting. */
export function withoutComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
    .join("\n");
}

/** What differs between two maps of settings, in the order names first appear. */
export function changedValues(current: Map<string, string>, desired: Map<string, string>): ValueChange[] {
  const names = [...new Set([...current.keys(), ...desired.keys()])];
  return names
    .filter((name) => current.get(name) !== desired.get(name))
    .map((name) => {
      const from = current.get(name);
      const to = desired.get(name);
      return { name, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    });
}

/**
 * A database line without its host and port: where a pool's server connections go is decided at run time (the
 * writer after a switchover, the ready replicas for a read pool), not by the stack's config.
 */
export function withoutTarget(ini: Map<string, string>): Map<string, string> {
  return new Map(
    [...ini].map(([key, value]) =>
      key.startsWith("[databases] ")
        ? [key, value.replace(/\bhost=\S+\s*/, "").replace(/\bport=\S+\s*/, "")]
        : [key, value],
    ),
  );
}
