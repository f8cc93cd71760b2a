/** AWS facts the Aurora backend relies on, each with its source (sources.ts). */
export * from "./limits";
export * from "./metrics";
export * from "./parameters";
export * from "./provider";
export * from "./sources";
