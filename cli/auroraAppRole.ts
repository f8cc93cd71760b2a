/** `aurora-app-role`, run by pulumi up (appRoleStep.ts): the application role, through the RDS Data API. */
import { createAppRole } from "../components/aurora/appRoleRun";
import { awsDataApi } from "../components/aurora/check/dataApi";
import {
  APP_PASSWORD_ENV,
  APP_ROLE_ENV,
  ExpectationError,
  parseAppRoleTarget,
} from "../components/aurora/check/handover";
import { stderr } from "./shared";

export async function auroraAppRole(): Promise<void> {
  const target = parseAppRoleTarget(process.env[APP_ROLE_ENV], APP_ROLE_ENV);
  const password = process.env[APP_PASSWORD_ENV];
  if (!password) throw new ExpectationError(`${APP_PASSWORD_ENV} is empty; pulumi up sets it from the role's secret.`);
  const { attempts } = await createAppRole(awsDataApi(), target, password);
  stderr(
    `pg-read-replicas: role "${target.user}" is ready on ${target.clusterId} (database ${target.database}, ${attempts} attempt${attempts > 1 ? "s" : ""}).`,
  );
}
