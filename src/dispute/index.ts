export * from "./types";
export * from "./descriptor";
export * from "./semantics";
export * from "./geometry";
export * from "./vectors";
export * from "./evidence";
export * from "./player";
export * from "./driver";
