import * as root from '../../src';

// #16 item 11: the root's runtime names are what a user calls (plus the generated low-level API
// classes); plumbing such as `f`, `chunk`, `frame`, `meta`, `samples` or `shallowEqual` stays
// inside, out of every editor's auto-import list. A new name here is a decision, not an accident.
describe("the package root's runtime names", () => {
  const names = Object.keys(root).sort();

  it('are the curated list, besides the generated *Api classes', () => {
    expect(names.filter((name) => !/Api$/.test(name))).toEqual([
      'ApiClient',
      'ApiError',
      'CancelledError',
      'Configuration',
      'CvatClient',
      'CvatError',
      'DEFAULT_IMAGE_QUALITY',
      'DEFAULT_RETRY',
      'DEFAULT_TIMEOUTS',
      'DecodeError',
      'Filter',
      'NetworkError',
      'ProjectCreationError',
      'RequestFailedError',
      'ResourceType',
      'ResponseTooLargeError',
      'TESTED_SERVER_VERSION',
      'TaskCreationError',
      'TimeoutError',
      'Transport',
      'UsageError',
      'connect',
      'filterFor',
      'isApiError',
      'isCvatError',
      'isDecodeError',
      'isNetworkError',
      'isProgressEvent',
      'isRequestFailedError',
      'isResponseTooLargeError',
      'isResultEvent',
      'isTimeoutError',
      'isUsageError',
      'makeClient',
      'toBlob',
      'toProgressView',
    ]);
  });

  it.each(['f', 'chunk', 'frame', 'meta', 'samples', 'shallowEqual', 'tusUpload', 'joinUrl'])(
    'do not include the internal %s',
    (name) => {
      expect(names).not.toContain(name);
    },
  );
});
