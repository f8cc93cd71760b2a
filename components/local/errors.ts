import { UserError } from "../ground/errors";
import type { VerificationReport } from "../verify/verifier";

export class LocalError extends UserError {
  override name = "LocalError";
}

export class VerificationFailed extends LocalError {
  constructor(
    readonly report: VerificationReport,
    logDir: string,
  ) {
    super(
      `replication did not verify within the timeout:\n  - ${report.problems.join("\n  - ")}\nServer and pool logs: ${logDir}`,
    );
  }
}
