/**
 * The transition table as the program realises it: each change kind applied to each backend's example stack, observed
 * by that backend's observer. A config the program refuses is a change refused before anything is touched.
 */
import { MOCK_PASSWORDS, type ProgramRun, runWithConfig } from "../pulumiMocks";
import { readStackConfig } from "../../../components/config/stackFile";
import { BASE_STACK, type Backend, CHANGE_KINDS, type ChangeKind, type StackConfig, type Step } from "./changes";
import { observeLocal } from "./observeLocal";
import { observeAurora } from "./observeAurora";
import { observeCnpg } from "./observeCnpg";
import { observeStatefulset } from "./observeStatefulset";
import { type Row, uniformRow } from "./table";

type Observer = (before: ProgramRun, after: ProgramRun) => Row;

/** The deployed backends, by the program's two renders. */
const OBSERVERS: Partial<Record<Backend, Observer>> = {
  statefulset: observeStatefulset,
  "cloudnative-pg": observeCnpg,
  aurora: observeAurora,
};

export const OBSERVED_BACKENDS = ["local", ...Object.keys(OBSERVERS)] as Backend[];

function configsOf(backend: Backend, kind: ChangeKind): { before: StackConfig; after: StackConfig } | undefined {
  const step = kind.steps[backend];
  if (step === undefined) return undefined;
  const stack = BASE_STACK[backend];
  const before = readStackConfig("stacks", stack);
  step.before?.(before);
  const after = readStackConfig("stacks", stack);
  step.after(after);
  return { before, after };
}

async function render(config: StackConfig, stack: string): Promise<ProgramRun | Error> {
  try {
    return await runWithConfig(config, stack);
  } catch (error) {
    return error as Error;
  }
}

async function observedRow(
  backend: Backend,
  configs: { before: StackConfig; after: StackConfig },
  step: Step,
): Promise<Row> {
  if (backend === "local") return observeLocal(configs.before, configs.after);
  const stack = BASE_STACK[backend];
  const before = await render(configs.before, stack);
  if (before instanceof Error) throw new Error(`the stack before the change is refused: ${before.message}`);
  MOCK_PASSWORDS.generation = step.rotatePasswords ? 1 : 0;
  const after = await render(configs.after, stack).finally(() => (MOCK_PASSWORDS.generation = 0));
  return after instanceof Error ? uniformRow("refused") : OBSERVERS[backend]!(before, after);
}

export async function observedTable(backend: Backend): Promise<Array<[string, Row]>> {
  const rows: Array<[string, Row]> = [];
  for (const kind of CHANGE_KINDS) {
    const configs = configsOf(backend, kind);
    if (configs) rows.push([kind.label, await observedRow(backend, configs, kind.steps[backend]!)]);
  }
  return rows;
}
