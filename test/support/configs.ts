/** Stack configs for unit tests: a valid base per backend, to be patched into bad ones. */
import { expect } from "vitest";
import { ConfigError } from "../../components/config/errors";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";

export type Raw = Record<string, unknown>;

/** The ConfigError a config is refused with; fails the test when it is accepted. */
export function refusalMessage(config: Raw): string {
  try {
    topologyFromConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("config was accepted");
}

export function selfHostedBase(): Raw {
  return {
    backend: "selfHosted",
    postgresVersion: "16",
    region: "us-east-1",
    replicas: "2",
    database: "app",
    user: "app",
    allowedCidrs: ["10.0.0.0/8"],
    replicationCidrs: ["10.244.0.0/16"],
    kubernetes: { namespace: "pg-test" },
    olap: { enabled: true },
  };
}

export function localBase(): Raw {
  return {
    backend: "local",
    postgresVersion: "15",
    replicas: "2",
    database: "app",
    user: "app",
    allowedCidrs: ["127.0.0.1/32"],
    olap: { enabled: true },
  };
}

/** A deep copy with `patch` applied; `undefined` values delete keys. */
export function patched(base: Raw, patch: Raw): Raw {
  const result: Raw = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete result[key];
    else result[key] = value;
  }
  return result;
}

/** selfHostedBase() on the cloudnative-pg engine, with `patch` applied. */
export function cnpgConfig(patch: Raw = {}): Raw {
  const base = selfHostedBase();
  return patched(base, { kubernetes: { ...(base.kubernetes as object), engine: "cloudnative-pg" }, ...patch });
}

export function auroraBase(): Raw {
  return {
    backend: "aurora",
    postgresVersion: "16",
    region: "us-east-1",
    replicas: "2",
    database: "app",
    user: "app",
    allowedCidrs: ["10.0.0.0/16"],
    olap: { enabled: true },
    aurora: {
      engineVersion: "16.8",
      vpcId: "vpc-0a1b2c3d4e5f60001",
      subnetIds: ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"],
      instanceClass: { writer: "db.r6g.large", olap: "db.r6g.xlarge" },
    },
  };
}

/** auroraBase() with `patch` applied, and its aurora block (with any `patch.aurora` merged in) given `changes`. */
export function withAurora(changes: Raw, patch: Raw = {}): Raw {
  const base = auroraBase();
  return patched(base, { ...patch, aurora: { ...(base.aurora as Raw), ...(patch.aurora as Raw), ...changes } });
}

export const auroraSecondary = {
  region: "eu-west-1",
  replicas: 1,
  vpcId: "vpc-0a1b2c3d4e5f60003",
  subnetIds: ["subnet-0a1b2c3d4e5f60031", "subnet-0a1b2c3d4e5f60032"],
  kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/mrk-0a1b2c3d4e5f40008a9b0c1d2e3f4a5b",
};
