/** Quoting for the bash scripts we render. */

/** Single-quotes a string for bash: safe for any content, SQL included. */
export function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
