/**
 * `local reseed <name>`: a replica's data directory thrown away and seeded again from the writer (after its slot
 * was lost with no archive to catch up from, or a former writer turned back into a replica). A former writer may
 * hold commits the current writer never received: that needs --discard-writes, said out loud.
 */
import { LocalError, type LocalRunner } from "../components/local/runner";
import { stderr } from "./shared";

export async function localReseed(
  runner: LocalRunner,
  stack: string,
  name: string,
  options: { discardWrites: boolean },
): Promise<void> {
  const state = runner.state();
  if (!state) throw new LocalError(`no local stack ${stack} at ${runner.layout.root}; start one with local up`);
  if (name === state.writer) throw new LocalError(`${name} is the writer; only replicas are re-seeded.`);
  if (!(name in state.endpoints.nodes))
    throw new LocalError(
      `${name} is not a node of stack ${stack}; its replicas are ${Object.keys(state.endpoints.nodes)
        .filter((node) => node !== state.writer)
        .join(", ")}`,
    );
  if (state.retired.includes(name) && !options.discardWrites)
    throw new LocalError(
      `${name} is a former writer: its data may hold commits ${state.writer} never received, and re-seeding discards them. ` +
        `Copy what you need out of it first (its data directory: ${runner.layout.dataDir(name)}), then run again with --discard-writes.`,
    );
  stderr(`Re-seeding ${name} from ${state.writer}: its data directory is replaced by a fresh base backup …`);
  await runner.reseed(name);
  stderr(`Done: ${name} streams from ${state.writer} again.`);
}
