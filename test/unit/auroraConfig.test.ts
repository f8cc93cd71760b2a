/**
 * Aurora stack config checked against AWS's facts before anything is created:
 * key ARNs, reader and region limits of a Global Database, the managed master
 * password, windows, CA identifiers and log retention. Each row names the key,
 * the value, the problem and the fix.
 */
import { describe, expect, it } from "vitest";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { SERVERLESS_V2_CLASS } from "../../components/facts/aws";
import { type Raw, auroraBase, auroraSecondary, patched, refusalMessage, withAurora } from "../support/configs";

const aurora = auroraBase();
const secondaries = (count: number) =>
  [
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "ca-central-1",
    "us-west-2",
  ]
    .slice(0, count)
    .map((region) => ({
      ...auroraSecondary,
      region,
      kmsKeyId: `arn:aws:kms:${region}:111122223333:key/mrk-0a1b2c3d4e5f40008a9b0c1d2e3f4a5b`,
    }));
const US_KEY = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678";

const rows: Array<{ mistake: string; config: Raw; expect: string[] }> = [
  {
    mistake:
      "IAM database authentication (the proxy logs in with a password secret; a role granted rds_iam refuses it)",
    config: withAurora({ iamDatabaseAuthentication: true }),
    expect: [
      "aurora.iamDatabaseAuthentication = true",
      "a role granted rds_iam accepts IAM tokens only",
      "remove aurora.iamDatabaseAuthentication",
    ],
  },
  {
    mistake:
      "Aurora Serverless v2 (db.serverless needs a capacity range on the cluster, which the product does not set)",
    config: withAurora({ instanceClass: { writer: "db.r6g.large", reader: SERVERLESS_V2_CLASS.value.instanceClass } }),
    expect: [
      'aurora.instanceClass.reader = "db.serverless"',
      "is Aurora Serverless v2, which needs the cluster's ServerlessV2ScalingConfiguration",
      "write a provisioned class such as db.r6g.large",
    ],
  },
  {
    mistake: "a KMS alias as the cluster's key (the provider wants an ARN; RDS reads back the key ARN)",
    config: withAurora({ kmsKeyId: "alias/pg-prod" }),
    expect: [
      'aurora.kmsKeyId = "alias/pg-prod"',
      "is a KMS alias, not a key ARN",
      "aws kms describe-key --key-id alias/<name>",
    ],
  },
  {
    mistake: "an alias ARN as the cluster's key",
    config: withAurora({ kmsKeyId: "arn:aws:kms:us-east-1:111122223333:alias/pg-prod" }),
    expect: ["is a KMS alias, not a key ARN", "arn:aws:kms:<region>:<account>:key/<key-id>"],
  },
  {
    mistake: "a bare key id",
    config: withAurora({ kmsKeyId: "0a1b2c3d-4e5f-6789-0abc-def012345678" }),
    expect: ["is not a KMS key ARN"],
  },
  {
    mistake: "a key of another region",
    config: withAurora({ kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678" }),
    expect: [
      "aurora.kmsKeyId",
      "is a key in eu-west-1, but it encrypts storage in us-east-1",
      "use a key of us-east-1",
    ],
  },
  {
    mistake: "a secondary's key of another region",
    config: patched(aurora, { crossRegion: [{ ...auroraSecondary, kmsKeyId: US_KEY }] }),
    expect: ["crossRegion[0].kmsKeyId", "is a key in us-east-1, but it encrypts storage in eu-west-1"],
  },
  {
    mistake: "more primary readers than a Global Database primary allows",
    config: patched(aurora, { replicas: "13", crossRegion: secondaries(2) }),
    expect: [
      "replicas = 13",
      "makes 14 readers (the OLAP reader included), more than the 13 a Global Database primary with 2 secondary regions allows (15 − 2)",
      "use at most 12 replicas",
    ],
  },
  {
    mistake: "autoscaling past the readers a Global Database primary allows",
    config: withAurora({ autoscaling: { minReaders: 3, maxReaders: 15 } }, { crossRegion: secondaries(1) }),
    expect: [
      "aurora.autoscaling.maxReaders = 15",
      "is above the 14 a Global Database primary with 1 secondary region allows",
      "use at most 14",
    ],
  },
  {
    mistake: "more secondary regions than a Global Database takes",
    config: patched(aurora, { replicas: "2", crossRegion: secondaries(11) }),
    expect: ["crossRegion", "at most 10 secondaries"],
  },
  {
    mistake: "an RDS-managed master password on a Global Database",
    config: withAurora({ manageMasterUserPassword: true }, { crossRegion: [auroraSecondary] }),
    expect: [
      "aurora.manageMasterUserPassword = true",
      "is not supported for clusters in an Aurora Global Database",
      "remove aurora.manageMasterUserPassword",
    ],
  },
  {
    mistake: "lifting the protections of a Global Database's primary cluster",
    config: withAurora({ allowReplacement: true }, { crossRegion: [auroraSecondary] }),
    expect: [
      "aurora.allowReplacement = true",
      "its secondaries and the global cluster stay with the old one",
      "remove crossRegion and run pulumi up",
    ],
  },
  {
    mistake: "a rotation schedule without a managed password",
    config: withAurora({ masterPasswordRotationDays: 30 }),
    expect: ["aurora.masterPasswordRotationDays = 30", "rotates the RDS-managed master password, which is off"],
  },
  {
    mistake: "a malformed maintenance window",
    config: withAurora({ preferredMaintenanceWindow: "sunday 5am" }),
    expect: ['aurora.preferredMaintenanceWindow = "sunday 5am"', "ddd:hh24:mi-ddd:hh24:mi"],
  },
  {
    mistake: "a maintenance window under 30 minutes",
    config: withAurora({ preferredMaintenanceWindow: "sun:05:00-sun:05:10" }),
    expect: ["is shorter than 30 minutes"],
  },
  {
    mistake: "a malformed backup window",
    config: withAurora({ preferredBackupWindow: "3-4" }),
    expect: ['aurora.preferredBackupWindow = "3-4"', "hh24:mi-hh24:mi"],
  },
  {
    mistake: "a backup window overlapping maintenance",
    config: withAurora({ preferredBackupWindow: "05:30-06:30", preferredMaintenanceWindow: "sun:05:00-sun:06:00" }),
    expect: ['aurora.preferredBackupWindow = "05:30-06:30"', "overlaps the maintenance window sun:05:00-sun:06:00"],
  },
  {
    mistake: "an expired CA",
    config: withAurora({ caCertIdentifier: "rds-ca-2019" }),
    expect: [
      'aurora.caCertIdentifier = "rds-ca-2019"',
      "use one of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1",
    ],
  },
  {
    mistake: "a log retention CloudWatch does not offer",
    config: withAurora({ logRetentionDays: 10 }),
    expect: ["aurora.logRetentionDays = 10", "is not a CloudWatch Logs retention"],
  },
];

describe("Aurora stack config against AWS's facts", () => {
  it.each(rows)("refuses $mistake", ({ config, expect: fragments }) => {
    const message = refusalMessage(config);
    for (const fragment of fragments) expect(message).toContain(fragment);
    expect(message).toContain("Fix:");
  });

  it("accepts ten secondary regions, a key ARN per region, and windows that keep apart", () => {
    const { topology } = topologyFromConfig(
      withAurora(
        {
          kmsKeyId: US_KEY,
          preferredBackupWindow: "23:30-00:30",
          preferredMaintenanceWindow: "sun:05:00-sun:06:00",
          caCertIdentifier: "rds-ca-rsa4096-g1",
          logRetentionDays: 0,
        },
        { replicas: "2", crossRegion: secondaries(10) },
      ),
    );
    expect(topology.backend === "aurora" && topology.aurora.secondaries).toHaveLength(10);
  });

  it("warns that a larger OLAP reader is promoted before autoscaled readers", () => {
    const { warnings } = topologyFromConfig(
      withAurora({
        instanceClass: { writer: "db.r6g.large", olap: "db.r6g.4xlarge" },
        autoscaling: { minReaders: 3, maxReaders: 6 },
      }),
    );
    expect(warnings.join("\n")).toMatch(
      /on a tie Aurora promotes the largest instance, so with every OLTP reader \(tier 1\) down, the OLAP reader \(db\.r6g\.4xlarge\) becomes writer/,
    );
  });
});

describe("major upgrades", () => {
  it("warns that allowMajorVersionUpgrade with automatic minors is for the upgrade only", () => {
    const { warnings } = topologyFromConfig(withAurora({ allowMajorVersionUpgrade: true }));
    expect(warnings.join("\n")).toMatch(
      /once AWS has upgraded a minor on its own, pulumi up would try to go back.*Remove it after the major upgrade/,
    );
  });
});
