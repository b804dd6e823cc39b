/** What SageMaker checks and reports about endpoints, as the hosting stand-in applies it. */
import { VARIANT_NAME } from '../../lib/pipeline-names';
import { asRecord } from './context';
import { SageMakerValidationError } from './errors';

/** What SageMaker reports when the container of a new fleet never answers /ping. */
export function healthCheckFailure(detail: string): string {
  return `The primary container for production variant ${VARIANT_NAME} did not pass the ping health check. Please check CloudWatch logs for this endpoint. (${detail})`.slice(
    0,
    1024,
  );
}

/** BlueGreenUpdatePolicy bounds UpdateEndpoint enforces (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html). */
export function checkDeploymentConfig(config: unknown): void {
  if (config === undefined) return;
  const policy = asRecord(asRecord(config).BlueGreenUpdatePolicy);
  const range = (field: string, min: number, max: number) => {
    const v = policy[field];
    if (v !== undefined && (typeof v !== 'number' || v < min || v > max))
      throw new SageMakerValidationError(
        `1 validation error detected: Value '${String(v)}' at 'deploymentConfig.blueGreenUpdatePolicy.${field[0].toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
      );
  };
  range('TerminationWaitInSeconds', 0, 3600);
  range('MaximumExecutionTimeoutInSeconds', 600, 28800);
  const alarms = asRecord(asRecord(config).AutoRollbackConfiguration).Alarms;
  if (alarms !== undefined && (!Array.isArray(alarms) || alarms.length < 1 || alarms.length > 10))
    throw new SageMakerValidationError('AutoRollbackConfiguration.Alarms must hold 1 to 10 alarms');
}
