/** Placeholder until the training program lands (issue 2). */
export async function runTrain(): Promise<number> {
  throw new Error('train is not implemented yet');
}
