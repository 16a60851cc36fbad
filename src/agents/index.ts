export * from "./bundle";
export * from "./taskState";
export * from "./solver";
export * from "./checkpointSource";
export * from "./verifier";
export * from "./dispute";
export * from "./daemon";
export * from "./replay";
