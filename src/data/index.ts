export * from "./prng";
export * from "./dataset";
export * from "./batch";
export * from "./mnist";
export * from "./iris";
