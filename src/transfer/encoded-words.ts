/**
 * Decodes RFC 2047 encoded words (`=?utf-8?b?5YaZ55yfLnBuZw==?=`) in a response header value.
 * Django's ResponseHeaders MIME-encodes any header value that is not Latin-1, so a TUS upload of
 * "写真.png" comes back as such a word in `Upload-Filename`. Text outside encoded words, and words
 * in a charset or encoding this does not know, are returned unchanged.
 */
export function decodeEncodedWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047, 6.2).
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(
    /=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g,
    (word: string, charset: string, encoding: string, text: string) => {
      const bytes = encoding.toLowerCase() === 'b' ? fromBase64(text) : fromQuoted(text);
      if (bytes === undefined) return word;
      try {
        return new TextDecoder(charset.toLowerCase(), { fatal: true }).decode(bytes);
      } catch {
        return word;
      }
    },
  );
}

function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function fromQuoted(text: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') out.push(0x20);
    else if (c === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = c.charCodeAt(0);
      if (code > 0x7e) return undefined;
      out.push(code);
    }
  }
  return Uint8Array.from(out);
}
