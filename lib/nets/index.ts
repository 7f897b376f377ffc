// Reusable network blocks built on a ParamStore of named, seeded variables.
export * from "./params";
export * from "./mlp";
export * from "./conv";
export * from "./conv-blocks";
export * from "./tcn";
