/**
 * Defence in depth: nothing the CLI prints should contain a credential, but should a lower layer
 * ever put one in a message, stderr replaces every known secret (and its Basic-auth form) with ***.
 * Very short secrets are not replaced, so that ordinary words and numbers are not mangled.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  static readonly MIN_LENGTH = 4;

  add(secret: string | undefined, username?: string): void {
    if (!secret || secret.length < SecretScrubber.MIN_LENGTH) return;
    this.secrets.add(secret);
    if (username !== undefined) this.secrets.add(Buffer.from(`${username}:${secret}`).toString('base64'));
    this.secrets.add(encodeURIComponent(secret));
  }

  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join('***');
    }
    return out;
  }
}
