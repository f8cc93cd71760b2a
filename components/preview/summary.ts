/**
 * A preview's summary in Markdown: readable in a terminal, and posted as is as a pull
 * request comment. Failures are spelled out: the verifier's report (which replica or pool,
 * and why), each failing check of the suite, and a teardown that did not finish with the
 * command that finishes it.
 */
import type { VerificationReport } from "../verify/verifier";
import type { PreviewResult, StepRecord } from "./cycle";
import type { SuiteResult } from "./suite";

/** Lets a CI find (and update) its earlier comment on the same change. */
export const SUMMARY_MARKER = "<!-- pg-read-replicas preview -->";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
const dash = (value: number | undefined) => (value === undefined ? "-" : String(value));

function verdict(result: PreviewResult): string {
  if (result.interrupted) return `interrupted (${result.interrupted})`;
  return result.ok ? "passed" : "FAILED";
}

function stepResult(step: StepRecord, result: PreviewResult): string {
  if (step.name === "suite" && result.suite && !result.suite.problem) {
    const { passed, failed, skipped } = result.suite;
    return `${step.status}: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  }
  return step.error && step.status !== "passed" ? `${step.status}: ${step.error.split("\n")[0]}` : step.status;
}

function stepsTable(result: PreviewResult): string[] {
  const total = result.steps.reduce((sum, step) => sum + step.ms, 0);
  return [
    "| step | result | time |",
    "|------|--------|------|",
    ...result.steps.map(
      (step) =>
        `| ${cell(step.title)} | ${cell(stepResult(step, result))} | ${step.status === "skipped" || step.status === "kept" ? "-" : seconds(step.ms)} |`,
    ),
    `| total | | ${seconds(total)} |`,
  ];
}

export function verificationMarkdown(report: VerificationReport): string[] {
  const head = report.ok
    ? `Verified in ${report.elapsedMs} ms (${report.attempts} attempt${report.attempts === 1 ? "" : "s"}).`
    : `**Not verified** after ${report.elapsedMs} ms (${report.attempts} attempt${report.attempts === 1 ? "" : "s"}):`;
  const lines = [head, ""];
  if (report.writer.problems.length > 0) lines.push(...report.writer.problems.map((p) => `- writer: ${p}`), "");
  lines.push(
    "| replica | role | region | state | sync | replay lag (bytes) | heartbeat (ms) | problems |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of report.replicas) {
    lines.push(
      `| ${r.name} | ${r.role} | ${r.region} | ${r.state ?? "-"} | ${r.sync ?? "-"} | ${dash(r.replayLagBytes)} | ${dash(r.heartbeatVisibleMs)} | ${cell(r.problems.join(" ") || "none")} |`,
    );
  }
  if (report.pools.length > 0) {
    lines.push("", "| pool | landed on | problems |", "|---|---|---|");
    for (const p of report.pools) {
      const landed =
        Object.entries(p.landedOn)
          .map(([name, count]) => `${name} ×${count}`)
          .join(", ") || "-";
      lines.push(`| ${p.pool} | ${cell(landed)} | ${cell(p.problems.join(" ") || "none")} |`);
    }
  }
  return lines;
}

export function suiteMarkdown(suite: SuiteResult): string[] {
  const lines = suite.problem
    ? [`The suite did not complete: ${suite.problem}.`]
    : [`${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped (of ${suite.total}).`];
  if (suite.failures.length > 0) {
    lines.push("", "Failing checks:");
    for (const failure of suite.failures) lines.push(`- \`${failure.file}\` › ${failure.test}: ${failure.message}`);
  }
  return lines;
}

function teardownMarkdown(result: PreviewResult): string[] {
  const step = result.steps.find((s) => s.name === "teardown");
  if (step?.status === "kept")
    return [`Kept for inspection (--keep). Remove it with:`, "", "```sh", result.cleanupCommand, "```"];
  if (step?.status === "failed") {
    return [
      `**Teardown did not finish:**`,
      "",
      "```",
      step.error ?? "",
      "```",
      "",
      "Finish the cleanup with:",
      "",
      "```sh",
      result.cleanupCommand,
      "```",
    ];
  }
  return [result.removed.length > 0 ? `Removed ${result.removed.join("; ")}.` : "Nothing was left to remove."];
}

export function previewMarkdown(result: PreviewResult): string {
  const where = result.mode === "local" ? "rehearsed on this machine" : "deployed through Pulumi";
  const lines = [
    SUMMARY_MARKER,
    `## Preview \`${result.stack}\`: ${verdict(result)}`,
    "",
    `Change ${result.id}, from template \`${result.template}\`, ${where}.`,
    "",
    ...stepsTable(result),
  ];
  const failed = result.steps.filter((step) => step.error && step.name !== "teardown" && step.error.includes("\n"));
  for (const step of failed) lines.push("", `### ${step.title}: ${step.status}`, "", "```", step.error ?? "", "```");
  if (result.deployed.length > 0) lines.push("", "### Deployed", "", ...result.deployed.map((line) => `- ${line}`));
  if (result.notes.length > 0) {
    lines.push(
      "",
      `<details><summary>${result.notes.length} difference(s) from the stack's own deployment</summary>`,
      "",
      ...result.notes.map((n) => `- ${n}`),
      "",
      "</details>",
    );
  }
  if (result.verification) lines.push("", "### Verification", "", ...verificationMarkdown(result.verification));
  if (result.suite) lines.push("", "### Integration suite", "", ...suiteMarkdown(result.suite));
  lines.push("", "### Teardown", "", ...teardownMarkdown(result));
  return `${lines.join("\n")}\n`;
}
