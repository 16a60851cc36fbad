export * from "./hash";
export * from "./tensor";
export * from "./lists";
export * from "./dataset";
