import { buildUrl, isSameOrigin, joinUrl, queryNamesIn, serializeQuery } from '../../src/transport/url';

describe('joinUrl', () => {
  it('joins host and path with one slash and keeps the trailing slash CVAT needs', () => {
    expect(joinUrl('http://h:8080', '/api/tasks/')).toBe('http://h:8080/api/tasks/');
    expect(joinUrl('http://h:8080/', '/api/tasks/')).toBe('http://h:8080/api/tasks/');
    expect(joinUrl('http://h:8080', 'api/tasks/1/data/')).toBe('http://h:8080/api/tasks/1/data/');
  });

  it('keeps a path prefix of the host', () => {
    expect(joinUrl('https://example.com/cvat/', '/api/jobs')).toBe('https://example.com/cvat/api/jobs');
  });

  it('leaves absolute URLs alone', () => {
    expect(joinUrl('http://h', 'https://s3.example.com/b/k?sig=1')).toBe('https://s3.example.com/b/k?sig=1');
  });
});

describe('serializeQuery', () => {
  it('repeats array keys, writes booleans as true/false, drops null and undefined, keeps empty strings', () => {
    expect(
      serializeQuery({ id: [1, 2], save_images: true, use_cache: false, a: null, b: undefined, org: '' }),
    ).toBe('id=1&id=2&save_images=true&use_cache=false&org=');
  });

  it('percent-encodes keys and values (JSON-Logic filters, spaces)', () => {
    expect(serializeQuery({ filter: '{"==":[{"var":"name"},"a b"]}', format: 'CVAT for images 1.1' })).toBe(
      'filter=%7B%22%3D%3D%22%3A%5B%7B%22var%22%3A%22name%22%7D%2C%22a%20b%22%5D%7D&format=CVAT%20for%20images%201.1',
    );
  });

  it('is empty without parameters', () => {
    expect(serializeQuery(undefined)).toBe('');
    expect(serializeQuery({ a: undefined })).toBe('');
  });
});

describe('buildUrl', () => {
  it('appends the query after the trailing slash', () => {
    expect(buildUrl('http://h', '/api/tasks/', { page: 2 })).toBe('http://h/api/tasks/?page=2');
  });

  it('extends a query already in the path', () => {
    expect(buildUrl('http://h', '/api/x?rq_id=1', { page: 2 })).toBe('http://h/api/x?rq_id=1&page=2');
    expect(buildUrl('http://h', '/api/x?', { page: 2 })).toBe('http://h/api/x?page=2');
  });
});

describe('origins and query names', () => {
  it('compares origins', () => {
    expect(isSameOrigin('http://h:8080', '/api')).toBe(true);
    expect(isSameOrigin('http://h:8080', 'http://h:8080/api')).toBe(true);
    expect(isSameOrigin('http://h:8080', 'http://h:8081/api')).toBe(false);
    expect(isSameOrigin('http://h', 'https://h/api')).toBe(false);
  });

  it('lists the query names of a URL', () => {
    expect([...queryNamesIn('/api/tasks?org=&page=1#x')]).toEqual(['org', 'page']);
  });
});
