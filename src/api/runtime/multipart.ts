import { UsageError } from '../../errors';
import { isReadableLike } from '../../models/scalars';
import { isPlainObject } from './json-body';

type Scalar = string | number | boolean;

/**
 * Builds the multipart form CVAT's views parse: scalars as text, files as parts, lists of
 * scalars or files as `name[0]`, `name[1]`… (as cvat-core sends `client_files[i]`), and nested
 * objects as JSON text.
 */
export function toFormData(body: unknown, operationId: string): FormData {
  if (!isPlainObject(body)) {
    throw new UsageError(`${operationId}: a multipart body must be an object of fields`);
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) appendField(form, name, value, operationId);
  return form;
}

function appendField(form: FormData, name: string, value: unknown, operationId: string): void {
  if (value === undefined || value === null) return;
  if (isScalar(value)) {
    form.append(name, String(value));
  } else if (isFilePart(value)) {
    appendFile(form, name, value);
  } else if (isReadableLike(value) || (Array.isArray(value) && value.some(isReadableLike))) {
    throw new UsageError(
      `${operationId}: field ${name} is a stream; multipart parts must be Blobs or bytes ` +
        '(in Node, fs.openAsBlob(path) gives a Blob that is read lazily)',
    );
  } else if (Array.isArray(value) && value.every((item) => isScalar(item) || isFilePart(item))) {
    value.forEach((item: Scalar | FilePart, index) => {
      const key = `${name}[${index}]`;
      if (isScalar(item)) form.append(key, String(item));
      else appendFile(form, key, item);
    });
  } else {
    form.append(name, JSON.stringify(value));
  }
}

type FilePart = Blob | Uint8Array | ArrayBuffer;

function isFilePart(value: unknown): value is FilePart {
  return (
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer
  );
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function appendFile(form: FormData, key: string, value: FilePart): void {
  if (value instanceof Blob) {
    // A File keeps its own name; a bare Blob needs one, or Django drops the part.
    form.append(key, value, 'name' in value && typeof value.name === 'string' ? value.name : key);
    return;
  }
  const bytes = value instanceof Uint8Array ? Uint8Array.from(value) : new Uint8Array(value.slice(0));
  form.append(key, new Blob([bytes]), key);
}
