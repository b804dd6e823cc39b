/**
 * DynamoDB for the optimized integrations the state machines call (putItem, getItem, deleteItem),
 * in memory: items keyed by the table's key schema (read from the template), and the condition
 * expressions the deployment lock writes with (`attribute_not_exists(a)`, `attribute_exists(a)`,
 * `a = :v`, joined by AND). A false condition raises DynamoDB.ConditionalCheckFailedException with
 * DynamoDB's message, so the lock behaves as it does in AWS:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
import { randomUUID } from 'node:crypto';
import { IntegrationErrors } from '../lib/aws-errors';
import { TaskError, UnsupportedExpressionError } from './errors';
import { asRecord, type Json } from './sagemaker/context';

/** A table of the synthesized app: its name and key attribute names. */
export interface LocalTable {
  readonly name: string;
  readonly keys: readonly string[];
}

type Item = Record<string, unknown>;

const cause = (message: string, code: string) =>
  `${message} (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`;

export class LocalDynamoDb {
  private readonly tables = new Map<string, { keys: readonly string[]; items: Map<string, Item> }>();

  constructor(tables: readonly LocalTable[]) {
    for (const t of tables) this.tables.set(t.name, { keys: t.keys, items: new Map() });
  }

  private table(input: Json) {
    const t = this.tables.get(String(input.TableName));
    if (!t)
      throw new TaskError(
        'DynamoDB.ResourceNotFoundException',
        cause('Requested resource not found', 'ResourceNotFoundException'),
      );
    return t;
  }

  private static keyOf(keys: readonly string[], item: Item): string {
    return JSON.stringify(keys.map((k) => item[k] ?? null));
  }

  /** Throws ConditionalCheckFailedException unless `expression` holds for `item` (undefined: no item). */
  private static check(expression: unknown, values: Json, item: Item | undefined): void {
    if (expression === undefined) return;
    const holds = String(expression)
      .split(/\s+AND\s+/i)
      .every((clause) => {
        const c = clause.trim();
        let m = /^attribute_(not_)?exists\((\w+)\)$/.exec(c);
        if (m) return Boolean(m[1]) === (item?.[m[2]] === undefined);
        m = /^(\w+)\s*=\s*(:\w+)$/.exec(c);
        if (m) return item !== undefined && JSON.stringify(item[m[1]]) === JSON.stringify(values[m[2]]);
        throw new UnsupportedExpressionError(`condition ${JSON.stringify(c)} is not supported by the local DynamoDB`);
      });
    if (!holds)
      throw new TaskError(
        IntegrationErrors.DynamoConditionalCheckFailed,
        cause('The conditional request failed', 'ConditionalCheckFailedException'),
      );
  }

  putItem(input: Json): Json {
    const t = this.table(input);
    const item = asRecord(input.Item);
    const key = LocalDynamoDb.keyOf(t.keys, item);
    LocalDynamoDb.check(input.ConditionExpression, asRecord(input.ExpressionAttributeValues), t.items.get(key));
    t.items.set(key, item);
    return {};
  }

  getItem(input: Json): Json {
    const t = this.table(input);
    const item = t.items.get(LocalDynamoDb.keyOf(t.keys, asRecord(input.Key)));
    return item ? { Item: item } : {};
  }

  deleteItem(input: Json): Json {
    const t = this.table(input);
    const key = LocalDynamoDb.keyOf(t.keys, asRecord(input.Key));
    LocalDynamoDb.check(input.ConditionExpression, asRecord(input.ExpressionAttributeValues), t.items.get(key));
    t.items.delete(key);
    return {};
  }

  /** Every item of a table (for the summary and the tests). */
  items(tableName: string): Item[] {
    return [...(this.tables.get(tableName)?.items.values() ?? [])];
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }
}
