/** Dataset formats the emulator can export and import. */
export interface FormatInfo {
  name: string;
  ext: string;
  version: string;
  export: boolean;
  import: boolean;
}

/**
 * Exactly what the emulator implements, named and ordered as CVAT 2.73 registers them
 * (cvat/apps/dataset_manager/formats/: coco.py, cvat.py, datumaro.py, pascal_voc.py, yolo.py).
 */
export const FORMATS: readonly FormatInfo[] = [
  { name: 'COCO 1.0', ext: 'JSON, ZIP', version: '1.0', export: true, import: true },
  { name: 'CVAT for video 1.1', ext: 'ZIP', version: '1.1', export: true, import: false },
  { name: 'CVAT for images 1.1', ext: 'ZIP', version: '1.1', export: true, import: false },
  { name: 'CVAT 1.1', ext: 'XML, ZIP', version: '1.1', export: false, import: true },
  { name: 'Datumaro 1.0', ext: 'ZIP', version: '1.0', export: true, import: true },
  { name: 'PASCAL VOC 1.1', ext: 'ZIP', version: '1.1', export: true, import: true },
  { name: 'YOLO 1.1', ext: 'ZIP', version: '1.1', export: true, import: true },
];

export function exportFormat(name: string | null): FormatInfo | undefined {
  return FORMATS.find((f) => f.export && f.name === name);
}

export function importFormat(name: string | null): FormatInfo | undefined {
  return FORMATS.find((f) => f.import && f.name === name);
}

/** "A", "B" and "C": the names of the formats that can be exported or imported, for messages. */
export function formatNames(kind: 'export' | 'import'): string {
  const names = FORMATS.filter((f) => f[kind]).map((f) => `"${f.name}"`);
  return names.length > 1
    ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
    : names.join('');
}
