export * from "./errors";
export * from "./tensor";
export * from "./shapes";
export * from "./program";
export * from "./reference";
export * from "./onnx";
export * from "./executor";
export * from "./train";
