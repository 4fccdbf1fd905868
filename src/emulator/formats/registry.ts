/** Dataset formats the emulator can export and import. */
export interface FormatInfo {
  name: string;
  ext: string;
  version: string;
  export: boolean;
  import: boolean;
}

export const FORMATS: readonly FormatInfo[] = [
  { name: 'CVAT for images 1.1', ext: 'ZIP', version: '1.1', export: true, import: false },
  { name: 'CVAT 1.1', ext: 'XML, ZIP', version: '1.1', export: false, import: true },
  { name: 'COCO 1.0', ext: 'JSON, ZIP', version: '1.0', export: true, import: true },
];

export function exportFormat(name: string | null): FormatInfo | undefined {
  return FORMATS.find((f) => f.export && f.name === name);
}

export function importFormat(name: string | null): FormatInfo | undefined {
  return FORMATS.find((f) => f.import && f.name === name);
}
