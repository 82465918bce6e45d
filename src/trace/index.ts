// Tracing for embedders: the kernel ring, per-fault records (a stream, via
// FaultTracer.subscribe or .records()), and their renderings.
export * from "./ring.js";
export * from "./fault.js";
export * from "./function_graph.js";
export * from "./chrome.js";
export * from "./samples.js";
export * from "./plot.js";
export * from "./observer.js";
export * from "./narrate.js";
export * from "./events.js";
