import { HttpError, notImplemented } from '../errors';
import type { Json, JsonObject } from '../model';

/**
 * CVAT's DataSerializer (cvat/apps/engine/serializers.py): field errors are collected and
 * answered together as `{field: [messages]}`; the cross-field checks of `validate()` run only
 * when every field is valid and answer `{"non_field_errors": [...]}`.
 */
export interface DataParams {
  /** Absent when the request has none: task creation then fails in the background, as in CVAT. */
  image_quality: number | null;
  chunk_size: number | null;
  start_frame: number;
  /** Null when not sent (CVAT then takes the last frame). */
  stop_frame: number | null;
  /** The filter as sent (CVAT keeps the text); its step is `frameStep(frame_filter)`. */
  frame_filter: string;
  sorting_method: string;
  upload_file_order: string[];
  server_files: string[];
  /** The cloud storage `server_files` are read from (null: the share). */
  cloud_storage_id: number | null;
  job_file_mapping: string[][] | null;
  validation: JsonObject | null;
}

export const SORTING_METHODS = ['lexicographical', 'natural', 'predefined', 'random'] as const;

/** The step of a frame filter, found as CVAT's `Data.get_frame_step` finds it. */
export function frameStep(filter: string): number {
  const m = /step\s*=\s*([1-9]\d*)/.exec(filter);
  return m ? Number(m[1]) : 1;
}

type Errors = Record<string, string[]>;

class FieldReader {
  readonly errors: Errors = {};
  constructor(private readonly raw: JsonObject) {}

  has(k: string): boolean {
    const v = this.raw[k];
    return v !== undefined && v !== null;
  }

  fail(k: string, message: string): undefined {
    (this.errors[k] ??= []).push(message);
    return undefined;
  }

  /** DRF IntegerField with a minimum (and maximum): "5" and 5 are accepted, 5.5 is not. */
  int(k: string, min: number, max?: number): number | undefined {
    if (!this.has(k)) return undefined;
    const v = this.raw[k];
    const text = typeof v === 'number' || typeof v === 'string' ? String(v).trim().replace(/\.0*$/, '') : '';
    if (!/^-?\d+$/.test(text)) return this.fail(k, 'A valid integer is required.');
    const n = Number(text);
    if (n < min) return this.fail(k, `Ensure this value is greater than or equal to ${min}.`);
    if (max !== undefined && n > max)
      return this.fail(k, `Ensure this value is less than or equal to ${max}.`);
    return n;
  }

  string(k: string): string | undefined {
    if (!this.has(k)) return undefined;
    const v = this.raw[k];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(k, 'Not a valid string.');
  }

  choice<T extends string>(k: string, values: readonly T[]): T | undefined {
    const v = this.string(k);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) return this.fail(k, `"${v}" is not a valid choice.`);
    return v as T;
  }

  bool(k: string): boolean | undefined {
    if (!this.has(k)) return undefined;
    const v = this.raw[k];
    if (v === true || v === 'true' || v === 'True' || v === '1' || v === 1) return true;
    if (v === false || v === 'false' || v === 'False' || v === '0' || v === 0) return false;
    return this.fail(k, 'Must be a valid boolean.');
  }

  /** A list of strings; a single form value counts as a list of one. */
  strings(k: string): string[] | undefined {
    if (!this.has(k)) return undefined;
    const v = parsedJson(this.raw[k]);
    const items = Array.isArray(v) ? v : [v];
    if (items.some((x) => typeof x !== 'string' && typeof x !== 'number'))
      return this.fail(k, 'Not a valid string.');
    return items.map(String);
  }
}

/** Multipart forms carry lists and objects as JSON text. */
function parsedJson(v: Json | undefined): Json | undefined {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!t.startsWith('[') && !t.startsWith('{')) return v;
  try {
    return JSON.parse(t) as Json;
  } catch {
    return v;
  }
}

function jobFileMapping(r: FieldReader, raw: Json | undefined): string[][] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const v = parsedJson(raw);
  if (!Array.isArray(v))
    return r.fail('job_file_mapping', `Expected a list of items but got type "${typeof v}".`);
  const out: string[][] = [];
  for (const job of v) {
    if (!Array.isArray(job) || job.some((f) => typeof f !== 'string'))
      return r.fail('job_file_mapping', 'Expected a list of lists of file names.');
    out.push(job as string[]);
  }
  // DataSerializer.validate_job_file_mapping
  const seen = new Set<string>();
  for (const name of out.flat()) {
    if (seen.has(name))
      return r.fail(
        'job_file_mapping',
        `The same file '${name}' cannot be used multiple times in the job file mapping`,
      );
    seen.add(name);
  }
  return out;
}

/** Validates a data request (JSON, form fields or query) as CVAT does before anything is stored. */
export function dataParams(raw: JsonObject): DataParams {
  const r = new FieldReader(raw);
  if ((r.strings('remote_files') ?? []).length)
    throw notImplemented('remote_files (the emulator cannot download from the internet)');
  const imageQuality = r.int('image_quality', 1, 100);
  const chunkSize = r.int('chunk_size', 0);
  if (chunkSize === 0) r.fail('chunk_size', 'Chunk size must be a positive integer');
  const startFrame = r.int('start_frame', 0);
  const stopFrame = r.int('stop_frame', 0);
  const filter = r.string('frame_filter');
  if (filter !== undefined && !/step\s*=\s*([1-9]\d*)/.test(filter))
    r.fail('frame_filter', 'Invalid frame filter expression');
  const sorting = r.choice('sorting_method', SORTING_METHODS);
  r.choice('storage_method', ['cache', 'file_system'] as const);
  for (const k of ['use_zip_chunks', 'use_cache', 'copy_data']) r.bool(k);
  const order = r.strings('upload_file_order');
  const serverFiles = r.strings('server_files');
  const cloudStorageId = raw.cloud_storage_id === '' ? undefined : r.int('cloud_storage_id', 0);
  const mapping = jobFileMapping(r, raw.job_file_mapping);
  const validation = parsedJson(raw.validation_params);
  if (
    validation !== undefined &&
    validation !== null &&
    (typeof validation !== 'object' || Array.isArray(validation))
  )
    r.fail('validation_params', 'Invalid data. Expected a dictionary, but got str.');
  if (Object.keys(r.errors).length) throw new HttpError(400, r.errors);
  // DataSerializer.validate
  if (startFrame !== undefined && stopFrame !== undefined && startFrame > stopFrame)
    throw new HttpError(400, { non_field_errors: ['Stop frame must be more or equal start frame'] });
  return {
    image_quality: imageQuality ?? null,
    chunk_size: chunkSize ?? null,
    start_frame: startFrame ?? 0,
    stop_frame: stopFrame ?? null,
    frame_filter: filter ?? '',
    sorting_method: sorting ?? 'lexicographical',
    upload_file_order: order ?? [],
    server_files: serverFiles ?? [],
    cloud_storage_id: cloudStorageId ?? null,
    job_file_mapping: mapping ?? null,
    validation:
      typeof validation === 'object' && validation !== null && !Array.isArray(validation) ? validation : null,
  };
}

/**
 * TaskViewSet._sort_uploaded_files: with the `predefined` sorting method, uploaded files must be
 * exactly those of `upload_file_order` (a 400 before anything is processed).
 */
export function checkUploadOrder(uploaded: readonly string[], order: readonly string[]): void {
  const have = new Set(uploaded);
  const want = new Set(order);
  const mismatching = [...new Set([...uploaded, ...order])].filter((n) => have.has(n) !== want.has(n));
  if (!mismatching.length) return;
  const shown = mismatching.slice(0, 5).map((n) => `${n} ${have.has(n) ? '(extra)' : '(missing)'}`);
  const more = mismatching.length - 5;
  throw new HttpError(400, [
    "Uploaded files do not match the 'upload_file_order' field contents. " +
      'Please check the uploaded data and the list of uploaded files. ' +
      `Mismatching files: ${shown.join(', ')}${more > 0 ? ` (and ${more} more). ` : ''}`,
  ]);
}
