import type { Emulator } from '../server';

/** Dataset export/import and backups (filled in by formats/). */
export function registerTransfers(emu: Emulator): void {
  void emu;
}
