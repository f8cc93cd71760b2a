/**
 * The preview's expiry reaches its AWS resources through the providers' defaultTags, which only reach resources
 * whose arguments take tags. Every type in the Aurora preview's graph (with monitoring, autoscaling and a created
 * topic, so every optional part is there) either takes tags, as the provider's type declarations say, or is listed
 * in UNTAGGED_TYPES with the tagged resource that removes it.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_LABEL } from "../../components/config/labels";
import { UNTAGGED_TYPES } from "../../components/facts/aws";
import { type ProgramRun, runProgram } from "../support/pulumiMocks";
import { instantiateTemplate } from "../../components/preview/template";
import { readStackConfig } from "../../components/config/stackFile";

const perChange = (template: string, id: string) =>
  instantiateTemplate(readStackConfig("stacks", template), { id, expires: new Date("2030-01-02T03:04:05Z") }).config;

function takesTags(type: string): boolean {
  const [, module, file, name] = /^aws:([^/]+)\/([^:]+):(\w+)$/.exec(type)!;
  const text = readFileSync(`node_modules/@pulumi/aws/${module}/${file}.d.ts`, "utf8");
  const args = text.slice(text.indexOf(`export interface ${name}Args {`));
  return /\n\s+tags\?:/.test(args.slice(0, args.indexOf("\n}")));
}

describe("the Aurora preview's AWS resources", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    const config = perChange("aurora-pr", "42");
    const aurora = JSON.parse(config["pg-read-replicas:aurora"]!);
    const full = {
      ...config,
      "pg-read-replicas:aurora": JSON.stringify({
        ...aurora,
        monitoringInterval: 60,
        autoscaling: { minReaders: 1, maxReaders: 4 },
        proxy: { mode: "readWrite" },
      }),
      "pg-read-replicas:monitoring": JSON.stringify({ createSnsTopic: true }),
    };
    run = await runProgram("aurora-pr", full, "aurora-pr-42");
  }, 60_000);

  it("name the untaggable dashboard on every primary-region alarm, so the reaper finds it (preview/reap.ts)", () => {
    const dashboards = run.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
    expect(dashboards).toHaveLength(1);
    const name = dashboards[0]!.inputs.dashboardName as string;
    const alarms = run.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    const home = alarms.filter((a) => a.inputs.dimensions?.DBInstanceIdentifier !== undefined);
    expect(home.length).toBeGreaterThan(0);
    for (const alarm of home) expect(alarm.inputs.tags?.[DASHBOARD_LABEL], alarm.name).toBe(name);
  });

  it("take tags, or are listed with what removes them", () => {
    const types = [...new Set(run.resources.filter((r) => r.custom && r.type.startsWith("aws:")).map((r) => r.type))];
    const untagged = types.filter((t) => t !== "pulumi:providers:aws" && !takesTags(t)).sort();
    expect(untagged).toEqual(Object.keys(UNTAGGED_TYPES.value).sort());
  });
});
