/** The part of asl-validator's API the tests use (the package ships no type declarations). */
declare module 'asl-validator' {
  export interface AslValidatorOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  export default function validator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): { isValid: boolean; errors: Array<{ 'Error code': string; Message: string }> };
}
