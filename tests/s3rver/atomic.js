#!/usr/bin/env node
'use strict';

// s3rver as the S3 cache integration tests run it: its command line, with objects that appear whole.
//
// s3rver 3.7 writes an object where it is read from, then its MD5 beside it. While a PUT is on its way, a listing
// or GET already finds the key with part of its bytes, and answers an ETag it computes from those (storing it when
// the MD5 is not there yet). A client that checks what it reads against the ETag (the AWS SDK does on every
// GetObject) then fails with "Expected hash not equal to calculated hash" on an object that is only being written.
// S3 servers show an object only once it is complete, so here each one is written beside its key and renamed into
// place once whole, its MD5 and metadata (each renamed into place too) written first; a PUT that breaks off leaves nothing behind. (A rewrite with
// other bytes still shows the old bytes under the new MD5 for a moment: the two are separate files.)

const crypto = require('crypto');
const fs = require('fs-extra');
const path = require('path');
const { Transform } = require('stream');
const { pipeline } = require('stream/promises');
const { pick, pickBy } = require('lodash');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const S3Object = require('s3rver/lib/models/object');

/** A name beside `file` that no listing takes for an object (it takes only those that end in the object suffix). */
function partialOf(file) {
  return `${file}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.partial`;
}

/** Writes `contents` to `file` so that a reader finds the old contents or the new ones, never a part. */
async function replaceFile(file, contents) {
  const partial = partialOf(file);
  try {
    await fs.writeFile(partial, contents);
    await fs.rename(partial, file);
  } catch (err) {
    await fs.remove(partial);
    throw err;
  }
}

FilesystemStore.prototype.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
  const json = {
    ...pick(metadata, S3Object.ALLOWED_METADATA),
    ...pickBy(metadata, (value, name) => name.startsWith('x-amz-meta-')),
  };
  if (md5) await replaceFile(this.getResourcePath(bucket, key, 'object.md5'), md5);
  await replaceFile(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
};

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const partial = partialOf(objectPath);
  await fs.mkdirp(path.dirname(objectPath));

  const md5Context = crypto.createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(object.content)) {
      md5Context.update(object.content);
      size = object.content.length;
      await fs.writeFile(partial, object.content);
    } else {
      await pipeline(
        object.content,
        new Transform({
          transform(chunk, encoding, callback) {
            md5Context.update(chunk, encoding);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        fs.createWriteStream(partial),
      );
    }

    const md5 = md5Context.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fs.rename(partial, objectPath);
    return { size, md5 };
  } catch (err) {
    await fs.remove(partial);
    throw err;
  }
};

require('s3rver/bin/s3rver.js');
