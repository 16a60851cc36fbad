export * from "./hash";
export * from "./tensor";
export * from "./lists";
export * from "./dataset";
export * from "./checkpointStore";
export * from "./streamer";
export * from "./abi";
export * from "./checkpointer";
