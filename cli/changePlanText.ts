/** A change plan as `local up --dry-run` prints it: one row per server and pool, with why. */
import Table from "cli-table3";
import type { ChangePlan } from "../components/local/changePlan";

export function changePlanText(stack: string, plan: ChangePlan): string {
  const table = new Table({
    head: ["", "name", "now → next", "action", "why"],
    wordWrap: true,
    colWidths: [8, 24, 20, 12, 70],
  });
  for (const server of plan.servers)
    table.push([
      "server",
      server.name,
      `${server.now ?? "-"} → ${server.next ?? "-"}`,
      server.action,
      server.why.join("\n") || "no change",
    ]);
  for (const pool of plan.pools) table.push(["pool", pool.key, "", pool.action, pool.why.join("\n") || "no change"]);
  const lines = [`Plan for stack ${stack}:`, table.toString()];
  if (plan.switchover)
    lines.push(
      `Switchover: ${plan.switchover.from} → ${plan.switchover.to}; the write pool pauses (writes wait, none fail) until ${plan.switchover.to} has replayed everything ${plan.switchover.from} wrote and is promoted.`,
    );
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  if (plan.refusals.length > 0)
    lines.push("Refused; nothing will be changed:", ...plan.refusals.map((r) => `  - ${r}`));
  return lines.join("\n");
}
