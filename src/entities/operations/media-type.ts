/**
 * A frame's media type from its first bytes (chunk entries carry no Content-Type); `fallback`
 * when the bytes are none of the image types CVAT stores.
 */
export function sniffMediaType<F extends string | undefined = string>(
  data: Uint8Array,
  fallback: F = 'application/octet-stream' as F,
): string | F {
  const at = (i: number): number => data[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8) return 'image/jpeg';
  if (at(0) === 0x42 && at(1) === 0x4d) return 'image/bmp';
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46) return 'image/gif';
  if (at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50) return 'image/webp';
  return fallback;
}
