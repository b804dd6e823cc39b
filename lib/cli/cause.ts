/** How a failed execution's Cause reads to a person (the pipeline CLI, npm start's progress and summary). */

/**
 * The readable part of a Step Functions Cause. A failed `.sync` job's Cause is its Describe* JSON:
 * its FailureReason is shown. A Lambda error's Cause is the runtime's JSON (`errorType`,
 * `errorMessage`, `trace`): only its message is shown, never the trace. Anything else (SageMaker
 * API errors, the pipeline's own causes) is plain text, shown as it is.
 */
export function readableCause(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { FailureReason?: unknown; errorMessage?: unknown } | null;
    if (typeof parsed?.FailureReason === 'string') return parsed.FailureReason;
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause;
}
