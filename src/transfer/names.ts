const utf8 = new TextEncoder();

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  return utf8.encode(text).byteLength;
}

/**
 * The longest prefix of `text` of at most `bytes` UTF-8 bytes that splits no character (file
 * systems count a name's bytes: 255 on ext4, APFS, NTFS).
 */
export function truncateUtf8(text: string, bytes: number): string {
  let used = 0;
  let out = '';
  for (const char of text) {
    const size = utf8Length(char);
    if (used + size > bytes) break;
    used += size;
    out += char;
  }
  return out;
}
