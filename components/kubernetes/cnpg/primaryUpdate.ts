/**
 * How the operator applies a change that restarts PostgreSQL (a new image, a setting PostgreSQL reads only at start,
 * new resources) to a Cluster's primary: chosen, not left to the operator's default, which restarts the primary in
 * place (a write outage as long as a restart). Pure.
 *
 * unsupervised + switchover: the replicas roll first; then the operator promotes a streaming replica, after the old
 * primary's checkpoint and fast shutdown have handed it all WAL, and the old primary rejoins as a replica. The writer
 * restarts only through a switchover, and `pulumi up` needs nobody at a keyboard.
 *
 * Not supervised: the Cluster would wait in "Waiting for user" with Ready false until someone ran `kubectl cnpg
 * promote`, so `pulumi up`, which awaits Ready, would fail at its timeout; and the webhook refuses supervised for a
 * Cluster of one instance, which the OLAP replica's is.
 */
import { CNPG_UPDATES } from "../../facts/cnpg/updates";
import type { ICluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";

export type PrimaryUpdate = Required<
  Pick<NonNullable<ICluster["spec"]>, "primaryUpdateStrategy" | "primaryUpdateMethod">
>;

export const PRIMARY_UPDATE: PrimaryUpdate = {
  primaryUpdateStrategy: "unsupervised",
  primaryUpdateMethod: CNPG_UPDATES.switchover.value.method,
};
