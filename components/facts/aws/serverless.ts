/**
 * Aurora Serverless v2: an instance of class db.serverless can only join a
 * cluster that has a capacity range (ServerlessV2ScalingConfiguration, min and
 * max ACUs). The product sets none, so it refuses the class (config/fields.ts).
 */
import { type Fact, cite, fact } from "../fact";

export const SERVERLESS_V2_CLASS: Fact<{ instanceClass: string; needs: string }> = fact(
  { instanceClass: "db.serverless", needs: "the cluster's ServerlessV2ScalingConfiguration (min and max ACUs)" },
  cite("serverlessV2Create", "Creating a cluster that uses Aurora Serverless v2"),
  cite("tfCluster", "serverlessv2_scaling_configuration"),
);
