/** Listing S3 keys, one way for the handlers and the local stand-ins. */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** Every object key under a prefix, page after page, folder markers (keys ending in `/`) left out; sorted. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
