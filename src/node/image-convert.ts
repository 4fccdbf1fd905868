import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UsageError } from '../errors';

/** JPEG quality of re-encoded frames: what Pillow's `Image.save` uses by default. */
const JPEG_QUALITY = 75;

type Kind = 'png' | 'jpeg';

function kindOfExtension(extension: string): Kind | undefined {
  const ext = extension.replace(/^\./, '').toLowerCase();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg' || ext === 'jpe') return 'jpeg';
  return undefined;
}

function kindOfData(data: Uint8Array): Kind | undefined {
  if (data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'jpeg';
  return undefined;
}

/**
 * An image re-encoded into the format `extension` names, as cvat-sdk's `download_frames` does
 * through Pillow when given `image_extension`. PNG and JPEG only (pure JS codecs, pngjs and
 * jpeg-js); the same format is returned untouched; `undefined` for pairs it cannot convert.
 */
export function convertImage(data: Uint8Array, extension: string): Uint8Array | undefined {
  const to = kindOfExtension(extension);
  const from = kindOfData(data);
  if (to === undefined || from === undefined) return undefined;
  if (to === from) return data;
  try {
    if (to === 'jpeg') {
      const png = PNG.sync.read(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return jpeg.encode({ data: png.data, width: png.width, height: png.height }, JPEG_QUALITY).data;
    }
    const decoded = jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
    const png = new PNG({ width: decoded.width, height: decoded.height });
    png.data = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    return PNG.sync.write(png);
  } catch (error) {
    throw new UsageError(`Cannot convert a frame to ${extension}: the image is not readable`, {
      cause: error,
    });
  }
}
