/** pg_hba rules as the policies read them: type, address and method of each non-comment line. */
export interface HbaRule {
  type: string;
  address: string;
  method: string;
  line: string;
}

/** `local` lines have no address column; the method is the first word after the address. */
export function hbaRules(lines: readonly string[]): HbaRule[] {
  return lines
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const cells = line.split(/\s+/);
      const type = cells[0] ?? "";
      return type === "local"
        ? { type, address: "", method: cells[3] ?? "", line }
        : { type, address: cells[3] ?? "", method: cells[4] ?? "", line };
    });
}

/** A CIDR (or pg_hba's `all`) that matches every address. */
export function isOpenToAll(address: string): boolean {
  return address === "all" || /\/0$/.test(address.trim());
}
