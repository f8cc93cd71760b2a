/** `backend: local` in the Pulumi program: one Command running the local runner with the program's topology. */
import type { StackOutputValues } from "../../components/outputs/pulumiOutputs";
import { beforeAll, describe, expect, it } from "vitest";
import { topologyHash } from "../../components/topology/hash";
import type { Topology } from "../../components/topology/types";
import { MOCK_LOCAL_OUTPUTS, type Registered, registered, resolve, runProgram } from "../support/pulumiMocks";

describe("the local stack under Pulumi", () => {
  let program: StackOutputValues;
  let command: Registered;

  beforeAll(async () => {
    ({ program } = await runProgram("local"));
    const commands = registered().filter((r) => r.type === "command:local:Command");
    expect(commands).toHaveLength(1);
    command = commands[0]!;
  });

  it("runs local up with the program's own topology, and local down on destroy", () => {
    const { create, delete: remove, environment, triggers } = command.inputs;
    expect(create).toMatch(
      /bin\/pg-read-replicas\.cjs' local up --from-env --json --stack 'local' --state-dir '.*\/\.pg-read-replicas\/local'$/,
    );
    expect(remove).toMatch(
      /bin\/pg-read-replicas\.cjs' local down --stack 'local' --state-dir '.*\/\.pg-read-replicas\/local'$/,
    );
    const topology = JSON.parse(environment.PG_READ_REPLICAS_TOPOLOGY) as Topology;
    expect(topology.backend).toBe("local");
    expect(topology.standbys.map((s) => s.name)).toEqual(["pg-replica-0", "pg-replica-1", "pg-olap-0"]);
    expect(topologyHash(topology)).toBe(topology.hash);
    expect(triggers).toEqual([topology.hash]);
    expect(registered().filter((r) => r.type.startsWith("kubernetes:"))).toHaveLength(0);
  });

  it("exports the runner's StackOutputs, the password secret (connectionUrls too: connectionUrls.test.ts)", async () => {
    expect(await resolve(program.password)).toEqual({ value: "local-secret", secret: true });
    expect(await resolve(program.writer)).toEqual({ value: MOCK_LOCAL_OUTPUTS.writer, secret: false });
    expect((await resolve(program.pools)).value).toEqual(MOCK_LOCAL_OUTPUTS.pools);
    expect((await resolve(program.backend)).value).toBe("local");
  });
});
