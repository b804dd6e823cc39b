/**
 * The contracts between the pipeline's stages, typed once: what the PrepareData and EvaluateGate
 * Lambdas take and return, what the training and batch executions output, and the record of the
 * deployed model. The state machine constructs build their field selections from these types (a
 * renamed field fails the type check), the handlers return them, and the local runner and the
 * pipeline CLI read executions' outputs through them. One file per stage; everything imports them
 * from here.
 */
export * from './input';
export * from './prepare';
export * from './training';
export * from './tuning';
export * from './registry';
export * from './deployment';
export * from './outputs';
export * from './fields';
