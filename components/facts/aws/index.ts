/** AWS facts the Aurora backend relies on, each with its sources (in ../sources.ts). */
export * from "./limits";
export * from "./metrics";
export * from "./parameters";
export * from "./provider";
export * from "./replacement";
export * from "./restore";
export * from "./tls";
export * from "./iam";
export * from "./serverless";
export * from "./cloudwatch";
export * from "./clusterOptions";
export * from "./dataApi";
export * from "./engine";
export * from "./proxyEndpoints";
export * from "./tagging";
export * from "./operationTimeouts";
