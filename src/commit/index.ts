export * from "./hash";
