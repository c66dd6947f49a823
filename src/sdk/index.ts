export * from "./math";
export * from "./types";
export * from "./schedule";
export * from "./smoothing";
export * from "./params";
export * from "./packed";
