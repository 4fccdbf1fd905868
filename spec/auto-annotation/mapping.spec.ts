import { deflateSync } from 'node:zlib';
import { encode as encodeJpeg } from 'jpeg-js';
import {
  AnnotationMapper,
  BadFunctionError,
  attributeValue,
  encodeMask,
  keypoint,
  keypointSpec,
  labelSpec,
  numberAttributeSpec,
  rectangle,
  skeleton,
  skeletonLabelSpec,
  sniffMediaType,
  tag,
} from '../../src/auto-annotation';
import type { TaskLabel } from '../../src/auto-annotation';
import { decodeImage } from '../../src/node/image-decoder';
import { parseFunctionParameter, parseFunctionParameters } from '../../src/node/function-module';
import { encodeBmp, encodePng } from '../../examples/demo/images';

const TASK: TaskLabel[] = [
  {
    id: 10,
    name: 'person',
    type: 'skeleton',
    sublabels: [
      { id: 11, name: 'head', type: 'points' },
      {
        id: 12,
        name: 'foot',
        type: 'points',
        attributes: [{ id: 13, name: 'visible', input_type: 'checkbox', values: ['true'] }],
      },
    ],
  },
  {
    id: 20,
    name: 'car',
    type: 'any',
    attributes: [{ id: 21, name: 'speed', input_type: 'number', values: ['0', '100', '5'] }],
  },
  { id: 30, name: 'scene', type: 'tag' },
];

const SPEC = [
  skeletonLabelSpec('person', 1, [
    keypointSpec('head', 2),
    keypointSpec('foot', 3, {
      attributes: [{ id: 4, name: 'visible', input_type: 'checkbox', values: ['false'] }],
    }),
  ]),
  labelSpec('car', 5, { attributes: [numberAttributeSpec('speed', 6, { min: 0, max: 100, step: 5 })] }),
  labelSpec('scene', 7),
];

const mapper = (options = {}) =>
  new AnnotationMapper(SPEC, TASK, { allowUnmatchedLabels: false, convMaskToPoly: false, ...options });

describe('AnnotationMapper', () => {
  it('maps labels, skeleton points and attributes by name and sets frame and source', () => {
    const out = mapper().remap(
      [
        skeleton(1, [keypoint(2, [1, 1]), keypoint(3, [2, 2], { attributes: [attributeValue(4, true)] })]),
        rectangle(5, [0, 0, 1, 1], { attributes: [attributeValue(6, 15)] }),
        tag(7),
      ],
      4,
      'f.png',
    );
    expect(out.shapes[0]).toMatchObject({
      type: 'skeleton',
      label_id: 10,
      frame: 4,
      source: 'auto',
      elements: [
        { label_id: 11, frame: 4, points: [1, 1], source: 'auto' },
        { label_id: 12, attributes: [{ spec_id: 13, value: 'true' }] },
      ],
    });
    expect(out.shapes[1]).toMatchObject({ label_id: 20, attributes: [{ spec_id: 21, value: '15' }] });
    expect(out.tags).toEqual([{ label_id: 30, frame: 4, source: 'auto' }]);
  });

  it('follows an explicit name mapping and leaves out unmapped labels', () => {
    const m = new AnnotationMapper([labelSpec('auto', 1), labelSpec('bike', 2)], TASK, {
      allowUnmatchedLabels: false,
      convMaskToPoly: false,
      mapping: { auto: { name: 'car' } },
    });
    const out = m.remap([rectangle(1, [0, 0, 1, 1]), rectangle(2, [0, 0, 1, 1])], 0, 'f');
    expect(out.shapes.map((s) => s.label_id)).toEqual([20]);
  });

  it('names the frame and the annotation for each broken rule', () => {
    const m = mapper();
    const fails = (annotation: object, message: RegExp) => {
      expect(() => m.remap([annotation as never], 3, 'x.jpg')).toThrow(BadFunctionError);
      expect(() => m.remap([annotation as never], 3, 'x.jpg')).toThrow(message);
    };
    fails(
      skeleton(1, [keypoint(2, [1, 1])]),
      /frame 3 \("x.jpg"\), annotation #0 \(skeleton, label id 1\): a skeleton with 1 of the task label's 2 points/,
    );
    fails(
      skeleton(1, [keypoint(2, [1, 1]), keypoint(2, [1, 1])]),
      /element #1: a second element of the same sublabel/,
    );
    fails(
      rectangle(5, [0, 0, 1, 1], { attributes: [attributeValue(6, 7)] }),
      /value "7" does not suit attribute 6/,
    );
    fails({ ...rectangle(5, [0, 0, 1, 1]), id: 3 }, /has a preset id/);
    fails({ ...rectangle(5, [0, 0, 1, 1]), frame: 2 }, /frame 2 \(must be 0/);
    fails(rectangle(99, [0, 0, 1, 1]), /unknown label id 99/);
    fails(rectangle(7, [0, 0, 1, 1]), /type "rectangle" \(expected "tag"\)/);
    fails(
      { type: 'polygon', label_id: 5, frame: 0, points: [0, 0, 1, 1] },
      /4 coordinates \(a polygon takes at least 6\)/,
    );
    fails({ type: 'points', label_id: 5, frame: 0, points: [0, 0, Number.NaN, 1] }, /finite numbers/);
  });

  it('refuses a spec that does not fit the task', () => {
    expect(
      () =>
        new AnnotationMapper([labelSpec('boat', 1)], TASK, {
          allowUnmatchedLabels: false,
          convMaskToPoly: false,
        }),
    ).toThrow(/label "boat" is not in the task/);
    expect(
      () =>
        new AnnotationMapper([labelSpec('car', 1), labelSpec('scene', 1)], TASK, {
          allowUnmatchedLabels: false,
          convMaskToPoly: false,
        }),
    ).toThrow(/same id/);
    expect(
      () =>
        new AnnotationMapper(
          [
            labelSpec('car', 1, {
              attributes: [numberAttributeSpec('speed', 2, { min: 0, max: 10, step: 1 })],
            }),
          ],
          TASK,
          {
            allowUnmatchedLabels: false,
            convMaskToPoly: false,
          },
        ),
    ).toThrow(/has values \["0","10","1"\] in the function but \["0","100","5"\] in the task/);
    expect(
      () =>
        new AnnotationMapper([labelSpec('scene', 1, { type: 'rectangle' })], TASK, {
          allowUnmatchedLabels: false,
          convMaskToPoly: false,
        }),
    ).toThrow(/type "rectangle" in the function but "tag" in the task/);
  });
});

describe('shape helpers', () => {
  it('encodeMask gives CVAT run lengths then the box', () => {
    // 3×2 bitmap inside a 4-wide image: row 0 = 0 1 1, row 1 = 1 0 0 (box x 1..3, y 0..1)
    const bitmap = [0, 0, 1, 1, 0, 1, 0, 0];
    expect(encodeMask(bitmap, 4, [1, 0, 3, 1])).toEqual([1, 3, 2, 1, 0, 3, 1]);
  });
});

describe('function parameters (-p NAME=TYPE:VALUE)', () => {
  it('parses as cvat-cli does', () => {
    expect(parseFunctionParameter('n=int:12')).toEqual(['n', 12]);
    expect(parseFunctionParameter('n=int: -3 ')).toEqual(['n', -3]);
    expect(parseFunctionParameter('x=float:1e-3')).toEqual(['x', 0.001]);
    expect(parseFunctionParameter('s=str:a=b:c')).toEqual(['s', 'a=b:c']);
    expect(parseFunctionParameter('b=bool:Yes')).toEqual(['b', true]);
    expect(parseFunctionParameter('b=bool:0')).toEqual(['b', false]);
    expect(parseFunctionParameters(['a=int:1', 'a=int:2'])).toEqual({ a: 2 });
    expect(() => parseFunctionParameter('n')).toThrow(/value not specified/);
    expect(() => parseFunctionParameter('n=int:1.5')).toThrow(/invalid int/);
    expect(() => parseFunctionParameter('n=float:abc')).toThrow(/invalid float/);
  });
});

describe('Node image decoding', () => {
  const red = (): [number, number, number] => [250, 50, 83];

  it('reads PNG, JPEG and BMP as RGBA', async () => {
    const png = encodePng(3, 2, red);
    const bmp = encodeBmp(3, 2, red);
    const jpeg = encodeJpeg({ width: 8, height: 8, data: Buffer.alloc(8 * 8 * 4, 200) }, 95).data;
    for (const [data, type] of [
      [png, 'image/png'],
      [bmp, 'image/bmp'],
    ] as const) {
      expect(sniffMediaType(data)).toBe(type);
      const image = await decodeImage(data, type);
      expect([image.width, image.height]).toEqual([3, 2]);
      expect([...image.data.subarray(0, 4)]).toEqual([250, 50, 83, 255]);
    }
    expect(sniffMediaType(jpeg)).toBe('image/jpeg');
    const decoded = await decodeImage(jpeg, 'image/jpeg');
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([8, 8, 256]);
  });

  it('reports broken or unknown images as DecodeError', async () => {
    await expect(
      decodeImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]), 'image/png'),
    ).rejects.toMatchObject({ name: 'DecodeError' });
    await expect(decodeImage(deflateSync(Buffer.from('x')), 'image/tiff')).rejects.toThrow(
      /cannot decode image\/tiff/,
    );
  });
});
