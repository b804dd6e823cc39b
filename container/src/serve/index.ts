/** Placeholder until the model server lands (issue 3). */
export async function runServe(): Promise<number> {
  throw new Error('serve is not implemented yet');
}
