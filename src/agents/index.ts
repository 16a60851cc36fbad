export * from "./bundle";
export * from "./taskState";
export * from "./solver";
