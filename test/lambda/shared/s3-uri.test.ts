/** The one reading of s3:// URIs (handlers, CLIs, local runner). */
import { InvalidS3UriError } from '../../../lambda/shared/errors';
import { isS3Uri, joinS3, parseS3Uri, s3Uri } from '../../../lambda/shared/s3-uri';

test('splits bucket and key; a bare bucket has an empty key', () => {
  expect(parseS3Uri('s3://my-bucket/raw/export.csv')).toEqual({ bucket: 'my-bucket', key: 'raw/export.csv' });
  expect(parseS3Uri('s3://my.bucket.1/')).toEqual({ bucket: 'my.bucket.1', key: '' });
  expect(parseS3Uri('s3://abc')).toEqual({ bucket: 'abc', key: '' });
  expect(s3Uri('b1c', 'k/x')).toBe('s3://b1c/k/x');
});

test('anything else is an InvalidS3UriError naming the value', () => {
  for (const bad of ['http://bucket/key', 's3://Bucket/key', 's3://ab/key', 's3:/bucket/key', 'bucket/key', '']) {
    expect(() => parseS3Uri(bad)).toThrow(new InvalidS3UriError(bad));
    expect(isS3Uri(bad)).toBe(false);
  }
});

test('an object URI needs a key; a prefix URI does not', () => {
  expect(isS3Uri('s3://bucket/a.csv', 'object')).toBe(true);
  expect(isS3Uri('s3://bucket/', 'object')).toBe(false);
  expect(isS3Uri('s3://bucket', 'object')).toBe(false);
  expect(isS3Uri('s3://bucket')).toBe(true);
  expect(isS3Uri('s3://bucket/runs/')).toBe(true);
});

test('joins a prefix and keys with exactly one slash', () => {
  expect(joinS3('s3://b/runs/', '/x/', 'model.tar.gz')).toBe('s3://b/runs/x/model.tar.gz');
  expect(joinS3('s3://b/out', 'users.jsonl.out')).toBe('s3://b/out/users.jsonl.out');
});
