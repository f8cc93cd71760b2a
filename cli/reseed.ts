/**
 * `local reseed <name>`: a replica's data directory thrown away and seeded again from the writer (after its slot
 * was lost with no archive to catch up from, or a former writer turned back into a replica). A former writer may
 * hold commits the current writer never received: that needs --discard-writes, said out loud. The refusals (the
 * writer, a name the stack does not have, a former writer without --discard-writes) are LocalRunner.reseed's; this
 * command prints once they have passed.
 */
import type { LocalRunner } from "../components/local/runner";
import { stderr } from "./shared";

export async function localReseed(
  runner: LocalRunner,
  name: string,
  options: { discardWrites: boolean },
): Promise<void> {
  const { writer } = await runner.reseed(name, {
    discardWrites: options.discardWrites,
    onChecked: (from) =>
      stderr(`Re-seeding ${name} from ${from}: its data directory is replaced by a fresh base backup …`),
  });
  stderr(`Done: ${name} streams from ${writer} again.`);
}
