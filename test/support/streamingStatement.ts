/** What a program's verification Job must run on the writer: the verifier's own streaming statement. */
import { streamingProblemsSql } from "../../components/sql/streamingSql";
import { streamingExpectations } from "../../components/verify/streaming";
import { type ProgramRun, resolve } from "./pulumiMocks";

/**
 * The streaming statement the TypeScript verifier builds from a program's outputs, over the primary region's readers
 * (another region's standbys are that region's Job's to check).
 */
export async function verifierStreamingSql(run: ProgramRun): Promise<{ sql: string; expected: string[] }> {
  const backend = (await resolve(run.program.backend)).value;
  const regions = (await resolve(run.program.regions)).value;
  const home = regions.find((r) => r.primary)?.region;
  const readers = (await resolve(run.program.readers)).value.filter((r) => r.region === home);
  const { maxLagBytes } = (await resolve(run.program.verification)).value;
  const expectations = streamingExpectations({ backend, regions, readers });
  return {
    sql: streamingProblemsSql(expectations, maxLagBytes),
    expected: readers.map((r) => r.name),
  };
}
